/**
 * Files that readers must see whole or not at all: written to a temp file, fsynced, then renamed over the target
 * (write-file-atomic). Every structured file xplan writes goes through here.
 */
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { redactDeep } from '../../core/secrets.js';

export async function writeTextAtomic(path: string, text: string, options: { mode?: number } = {}): Promise<void> {
  await writeFileAtomic(path, text, { fsync: true, ...(options.mode !== undefined ? { mode: options.mode } : {}) });
}

/** JSON with every detected secret value redacted, as a structure (never as serialized text). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, `${JSON.stringify(redactDeep(value), null, 2)}\n`);
}

export async function readJsonIfPresent<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
