/**
 * `.xplan/history/conflicts.jsonl`: every merge conflict of every run, one JSON line each, appended and never
 * rewritten. It is meant to be committed, so that later plans of the repository learn from it.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { readXplanFile } from './xplan-dir.js';
import { dirname, join } from 'node:path';
import { parseConflictHistory, type ConflictRecord } from '../../core/run/reservations.js';

export const CONFLICT_HISTORY_FILE = join('history', 'conflicts.jsonl');

/** No file is an empty history. Unreadable lines are skipped; their numbers come back for the log. */
export async function readConflictHistory(xplanDir: string): Promise<{ records: ConflictRecord[]; skippedLines: number[]; path: string }> {
  const path = join(xplanDir, CONFLICT_HISTORY_FILE);
  const text = await readXplanFile(path);
  if (text === undefined) return { records: [], skippedLines: [], path };
  return { ...parseConflictHistory(text), path };
}

export async function appendConflict(xplanDir: string, record: ConflictRecord): Promise<void> {
  const path = join(xplanDir, CONFLICT_HISTORY_FILE);
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, `${JSON.stringify(record)}\n`);
}
