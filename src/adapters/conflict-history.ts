/**
 * `.xplan/history/conflicts.jsonl`: every merge conflict of every run, one JSON line each, appended and never
 * rewritten. It is meant to be committed, so that later plans of the repository learn from it.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ConflictRecord } from '../core/conflict-history.js';

export function conflictHistoryPath(xplanDir: string): string {
  return join(xplanDir, 'history', 'conflicts.jsonl');
}

export async function appendConflict(xplanDir: string, record: ConflictRecord): Promise<void> {
  const path = conflictHistoryPath(xplanDir);
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, `${JSON.stringify(record)}\n`);
}

/** Every record; lines that do not parse (a hand edit, a torn write) are left out. */
export async function readConflicts(xplanDir: string): Promise<ConflictRecord[]> {
  let text: string;
  try {
    text = await readFile(conflictHistoryPath(xplanDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: ConflictRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as ConflictRecord;
      if (typeof record.run === 'string' && Array.isArray(record.files)) records.push(record);
    } catch {
      // skipped: one bad line must not hide the rest of the history
    }
  }
  return records;
}
