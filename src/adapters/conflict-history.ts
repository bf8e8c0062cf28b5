/** Reads `.xplan/history/conflicts.jsonl`: the files that conflicted at merge time in earlier runs. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConflictHistory, type ConflictRecord } from '../core/reservations.js';

export const CONFLICT_HISTORY_FILE = join('history', 'conflicts.jsonl');

/** No file is an empty history. Unreadable lines are skipped; their numbers come back for the log. */
export async function readConflictHistory(xplanDir: string): Promise<{ records: ConflictRecord[]; skippedLines: number[]; path: string }> {
  const path = join(xplanDir, CONFLICT_HISTORY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skippedLines: [], path };
    throw error;
  }
  return { ...parseConflictHistory(text), path };
}
