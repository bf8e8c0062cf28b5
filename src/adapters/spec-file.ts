/** Reads spec files and refuses, with a reason and a fix, anything that is not a usable text spec. */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import { InputError } from '../core/errors.js';

export const MAX_SPEC_BYTES = 10 * 1024 * 1024;

export interface SpecFile {
  /** The path as shown to the user: relative to cwd when the file is below it. */
  path: string;
  absolutePath: string;
  text: string;
  bytes: number;
  sha256: string;
}

export function displayPath(absolutePath: string, cwd: string): string {
  const rel = relative(cwd, absolutePath);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolutePath;
}

export async function readSpecFile(input: string, cwd: string): Promise<SpecFile> {
  const absolutePath = resolve(cwd, input);
  const shown = displayPath(absolutePath, cwd);
  let info;
  try {
    info = await stat(absolutePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InputError('SPEC_NOT_FOUND', `Spec not found: ${shown}`, 'Check the path; specs are Markdown or text files.');
    }
    if (code === 'EACCES') throw new InputError('SPEC_UNREADABLE', `Cannot read ${shown}: permission denied`, `Check the file's permissions (chmod u+r ${shown}).`);
    throw error;
  }
  if (info.isDirectory()) {
    throw new InputError('SPEC_IS_DIRECTORY', `${shown} is a directory, not a spec file`, `Pass the spec file inside it, e.g. xplan assess ${shown.replace(/\/$/, '')}/spec.md`);
  }
  if (!info.isFile()) throw new InputError('SPEC_NOT_FILE', `${shown} is not a regular file`, 'Pass a Markdown or text file.');
  if (info.size > MAX_SPEC_BYTES) {
    throw new InputError(
      'SPEC_TOO_LARGE',
      `${shown} is ${(info.size / 1024 / 1024).toFixed(1)} MB; specs are limited to 10 MB`,
      'Split the spec by epic or top-level section and assess each part.',
    );
  }

  const handle = await open(absolutePath, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EACCES') throw new InputError('SPEC_UNREADABLE', `Cannot read ${shown}: permission denied`, `Check the file's permissions (chmod u+r ${shown}).`);
    throw error;
  });
  let buffer: Buffer;
  try {
    buffer = await handle.readFile();
  } finally {
    await handle.close();
  }

  if (buffer.subarray(0, 8192).includes(0)) {
    throw new InputError('SPEC_BINARY', `${shown} looks like a binary file, not a text spec`, 'Pass the Markdown or text version of the spec.');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    const offset = firstInvalidUtf8(buffer);
    const line = buffer.subarray(0, offset).toString('latin1').split('\n').length;
    throw new InputError(
      'SPEC_NOT_UTF8',
      `${shown} is not valid UTF-8 (first bad byte at line ${line}, byte ${offset})`,
      `Convert it first, e.g. iconv -f latin1 -t utf-8 ${shown} > spec.utf8.md`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    throw new InputError('SPEC_EMPTY', `${shown} is empty`, 'Write the spec first; xplan assesses a finished spec.');
  }
  return {
    path: shown,
    absolutePath,
    text,
    bytes: buffer.length,
    sha256: createHash('sha256').update(buffer).digest('hex'),
  };
}

/** Reads several specs in order; the first unusable one stops with its error, before anything is written. */
export async function readSpecFiles(inputs: string[], cwd: string): Promise<SpecFile[]> {
  const files: SpecFile[] = [];
  for (const input of inputs) files.push(await readSpecFile(input, cwd));
  return files;
}

function firstInvalidUtf8(buffer: Buffer): number {
  // Binary search for the longest valid prefix; in streaming mode a prefix cut inside a character is still valid.
  let low = 0;
  let high = buffer.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  return low;
}
