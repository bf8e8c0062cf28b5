/**
 * Reads a file the user names (a spec, a plan file) and refuses, with a reason and a fix, anything that is not a
 * usable text file: missing, a symlink loop, a name too long, a directory, a device or pipe, too large, holding NUL
 * bytes, not UTF-8, or empty. Every refusal is an InputError; nothing is read past the checks that fail.
 */
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { InputError } from '../../core/errors.js';

export interface InputFileKind {
  /** How the file is named in messages: "Spec" (not found), "spec file" (is a directory, not a …), "specs" (… are limited to). */
  label: string;
  noun: string;
  plural: string;
  /** Prefix of the error codes: SPEC → SPEC_NOT_FOUND, SPEC_TOO_LARGE, … */
  code: string;
  maxBytes: number;
  /** What the command reads, for hints: "Markdown or text files". */
  expects: string;
  /** What to do with a file that is too large. */
  tooLargeHint: string;
  /** What to do with an empty file. */
  emptyHint: string;
  /** What to pass instead of a binary file. */
  binaryHint: string;
  /** What to pass instead of a directory, given the directory as shown. */
  directoryHint: (shown: string) => string;
}

export interface InputFile {
  /** The path as shown to the user: relative to cwd when the file is below it. */
  path: string;
  absolutePath: string;
  text: string;
  buffer: Buffer;
}

export function displayPath(absolutePath: string, cwd: string): string {
  const rel = relative(cwd, absolutePath);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolutePath;
}

/** Longer names are shown cut in messages: the error line stays one line. */
function shortened(shown: string): string {
  return shown.length > 120 ? `${shown.slice(0, 60)}…${shown.slice(-40)}` : shown;
}

/**
 * The InputError for a failed stat, open or read of a file the user named, or undefined for an error that is not
 * about the path (the caller rethrows those).
 */
export function pathError(error: unknown, shown: string, kind: Pick<InputFileKind, 'label' | 'code' | 'expects'>): InputError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  const name = shortened(shown);
  switch (code) {
    case 'ENOENT':
      return new InputError(`${kind.code}_NOT_FOUND`, `${kind.label} not found: ${name}`, `Check the path; xplan reads ${kind.expects}.`);
    case 'ENOTDIR':
      return new InputError(`${kind.code}_NOT_FOUND`, `${kind.label} not found: ${name} (a part of the path is a file, not a directory)`, 'Check the path.');
    case 'ELOOP':
      return new InputError(`${kind.code}_SYMLINK_LOOP`, `${name} is a symbolic link that loops back on itself`, `Point the link at a real file (ls -l ${name}), or pass the file itself.`);
    case 'ENAMETOOLONG':
      return new InputError(`${kind.code}_NAME_TOO_LONG`, `The path ${name} is too long for the file system`, 'Use a shorter path, e.g. move or link the file nearer to where you run xplan.');
    case 'EACCES':
    case 'EPERM':
      return new InputError(`${kind.code}_UNREADABLE`, `Cannot read ${name}: permission denied`, `Check the file's permissions (chmod u+r ${name}).`);
    case 'EISDIR':
      return new InputError(`${kind.code}_IS_DIRECTORY`, `${name} is a directory, not a file`, `Pass a file; xplan reads ${kind.expects}.`);
    default:
      return undefined;
  }
}

/** `shown` names the file in messages; by default its path relative to cwd (absolute when outside it). */
export async function readInputFile(input: string, cwd: string, kind: InputFileKind, shown = displayPath(resolve(cwd, input), cwd)): Promise<InputFile> {
  if (input.includes('\0')) throw new InputError(`${kind.code}_NOT_FOUND`, `${kind.label} not found: the path holds a NUL byte`, 'Check the path.');
  const absolutePath = resolve(cwd, input);
  const name = shortened(shown);
  const fail = (error: unknown): never => {
    throw pathError(error, shown, kind) ?? error;
  };
  const info = await stat(absolutePath).catch(fail);
  if (info.isDirectory()) throw new InputError(`${kind.code}_IS_DIRECTORY`, `${name} is a directory, not a ${kind.noun}`, kind.directoryHint(shown.replace(/\/$/, '')));
  // A pipe or a device could block or never end: only regular files are read.
  if (!info.isFile()) throw new InputError(`${kind.code}_NOT_FILE`, `${name} is not a regular file`, `Pass a file; xplan reads ${kind.expects}.`);
  if (info.size > kind.maxBytes) {
    throw tooLarge(name, info.size, kind);
  }
  const handle = await open(absolutePath, 'r').catch(fail);
  let buffer: Buffer;
  try {
    buffer = await handle.readFile();
  } catch (error) {
    fail(error);
    throw error;
  } finally {
    await handle.close();
  }
  // Checked again: the file may have grown between stat and read.
  if (buffer.length > kind.maxBytes) {
    throw tooLarge(name, buffer.length, kind);
  }
  const nul = buffer.indexOf(0);
  if (nul !== -1) {
    const line = buffer.subarray(0, nul).toString('latin1').split('\n').length;
    throw new InputError(`${kind.code}_BINARY`, `${name} looks like a binary file, not text: it holds a NUL byte (line ${line}, byte ${nul})`, kind.binaryHint);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    const offset = firstInvalidUtf8(buffer);
    const line = buffer.subarray(0, offset).toString('latin1').split('\n').length;
    throw new InputError(
      `${kind.code}_NOT_UTF8`,
      `${name} is not valid UTF-8 (first bad byte at line ${line}, byte ${offset})`,
      `Convert it first, e.g. iconv -f latin1 -t utf-8 ${name} > converted${/\.[a-z]+$/i.exec(shown)?.[0] ?? ''}`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new InputError(`${kind.code}_EMPTY`, `${name} is empty`, kind.emptyHint);
  return { path: shown, absolutePath, text, buffer };
}

/** A path the user named for output may not point into `.xplan/`: xplan's own state lives there. */
export function refuseOwnFile(path: string, xplanDir: string, shown: string, option: string): void {
  const inside = relative(xplanDir, path);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
    throw new InputError(
      'OUTPUT_IN_XPLAN',
      `${shortened(shown)} is inside .xplan/, where xplan keeps its own files; ${option} will not write there`,
      `Write it elsewhere, e.g. ${option} ${basename(path) || 'out'}, or leave ${option} off for xplan's default place.`,
    );
  }
}

/**
 * Writes a file the user named with an option (`--jsonl out.jsonl`), refusing a directory or a device there and
 * turning file system errors into input errors; with `dryRun`, only checks.
 */
export async function writeOutputFile(path: string, shown: string, option: string, text: string, dryRun = false): Promise<void> {
  const kind = { label: 'Output file', code: 'OUTPUT', expects: `a file name for ${option}` };
  const fail = (error: unknown): never => {
    throw pathError(error, shown, kind) ?? error;
  };
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : fail(error)));
  if (info?.isDirectory())
    throw new InputError('OUTPUT_IS_DIRECTORY', `${shortened(shown)} is a directory; ${option} takes a file name`, `Name a file, e.g. ${option} ${shown.replace(/\/$/, '')}/issues.jsonl`);
  if (info && !info.isFile()) throw new InputError('OUTPUT_NOT_FILE', `${shortened(shown)} is not a regular file`, `Name a regular file for ${option}.`);
  if (dryRun) return;
  await mkdir(dirname(path), { recursive: true }).catch(fail);
  await writeFile(path, text).catch(fail);
}

function tooLarge(name: string, bytes: number, kind: InputFileKind): InputError {
  return new InputError(`${kind.code}_TOO_LARGE`, `${name} is ${(bytes / 1024 / 1024).toFixed(1)} MB; ${kind.plural} are limited to ${kind.maxBytes / 1024 / 1024} MB`, kind.tooLargeHint);
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
