/**
 * Every file xplan reads from .xplan/ (state, its backup, config, events, conflict history, an agent's transcript)
 * that is a named pipe, a directory or a device is refused at once with the way out; nothing waits on a pipe.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/adapters/store/config-file.js';
import { readConflictHistory } from '../../src/adapters/store/conflict-history.js';
import { readEvents } from '../../src/adapters/store/run-history.js';
import { readTail } from '../../src/adapters/store/run-files.js';
import { StateStore } from '../../src/adapters/store/state-store.js';
import { TranscriptFollower } from '../../src/adapters/process/transcript-progress.js';

const READERS: Array<[name: string, file: string, read: (xplanDir: string) => Promise<unknown>]> = [
  ['state', 'state.json', (dir) => new StateStore(dir).read()],
  ['config', 'config.yaml', (dir) => readConfig(dir, dir)],
  ['events', 'events.jsonl', (dir) => readEvents(dir)],
  ['conflict history', 'history/conflicts.jsonl', (dir) => readConflictHistory(dir)],
  ['transcript tail', 'runs/r/agent-1/transcript.jsonl', (dir) => readTail(join(dir, 'runs/r/agent-1/transcript.jsonl'), 4096)],
];

const KINDS: Array<[kind: string, make: (path: string) => void, says: string]> = [
  ['a named pipe', (path) => execFileSync('mkfifo', [path]), 'is a named pipe (FIFO), but xplan keeps a regular file there'],
  ['a directory', (path) => mkdirSync(path), 'is a directory, but xplan keeps a file there'],
  ['a device', (path) => symlinkSync('/dev/zero', path), 'is a device, but xplan keeps a regular file there'],
];

describe.each(READERS)('the %s file', (_name, file, read) => {
  it.each(KINDS)('as %s is refused within a second, with the fix', async (_kind, make, says) => {
    const xplanDir = mkdtempSync(join(tmpdir(), 'xplan-files-'));
    const path = join(xplanDir, file);
    mkdirSync(dirname(path), { recursive: true });
    make(path);
    const started = Date.now();
    await expect(read(xplanDir)).rejects.toMatchObject({ code: 'XPLAN_FILE_KIND', message: `${path} ${says}`, hint: expect.stringContaining(`mv ${path} ${path}.bak`) });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

it('the live view skips a transcript that is a named pipe instead of waiting on it', async () => {
  const xplanDir = mkdtempSync(join(tmpdir(), 'xplan-files-'));
  const path = join(xplanDir, 'transcript.jsonl');
  execFileSync('mkfifo', [path]);
  await expect(new TranscriptFollower(path).poll()).resolves.toEqual({ tool: undefined, tokens: 0 });
});
