/** Reads spec files and refuses, with a reason and a fix, anything that is not a usable text spec. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readInputFile, type InputFileKind } from './input-file.js';

export { displayPath } from './input-file.js';

export const MAX_SPEC_BYTES = 10 * 1024 * 1024;

export interface SpecFile {
  /** The path as shown to the user: relative to cwd when the file is below it. */
  path: string;
  absolutePath: string;
  text: string;
  bytes: number;
  sha256: string;
}

const SPEC_FILE: InputFileKind = {
  label: 'Spec',
  noun: 'spec file',
  plural: 'specs',
  code: 'SPEC',
  maxBytes: MAX_SPEC_BYTES,
  expects: 'Markdown or text specs',
  tooLargeHint: 'Split the spec by epic or top-level section and assess each part.',
  emptyHint: 'Write the spec first; xplan assesses a finished spec.',
  binaryHint: 'Pass the Markdown or text version of the spec.',
  directoryHint: (shown) => `Pass the spec file inside it, e.g. xplan assess ${shown}/spec.md`,
};

export async function readSpecFile(input: string, cwd: string): Promise<SpecFile> {
  const file = await readInputFile(input, cwd, SPEC_FILE);
  return {
    path: file.path,
    absolutePath: file.absolutePath,
    text: file.text,
    bytes: file.buffer.length,
    sha256: createHash('sha256').update(file.buffer).digest('hex'),
  };
}

/** Reads several specs in order; the first unusable one stops with its error, before anything is written. */
export async function readSpecFiles(inputs: string[], cwd: string): Promise<SpecFile[]> {
  const files: SpecFile[] = [];
  for (const input of inputs) files.push(await readSpecFile(input, cwd));
  return files;
}

/**
 * The recorded specs (paths relative to the repository root) whose contents differ from their recorded hash now,
 * a missing or unreadable file included: the spec an agent would get is not the one the plan was made from.
 */
export async function changedSpecFiles(root: string, recorded: ReadonlyArray<{ path: string; sha256: string }>): Promise<string[]> {
  const changed: string[] = [];
  for (const spec of recorded) {
    let sha256: string | undefined;
    try {
      sha256 = createHash('sha256')
        .update(await readFile(join(root, spec.path)))
        .digest('hex');
    } catch {
      sha256 = undefined;
    }
    if (sha256 !== spec.sha256) changed.push(spec.path);
  }
  return changed;
}
