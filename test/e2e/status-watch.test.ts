/**
 * `xplan status --watch` follows a run someone else drives. On a terminal (a pseudo-terminal made by `script`) it
 * redraws its frame in place: it never clears the screen or the scrollback, and what stays when it ends is one final
 * status. Piped, it prints each change plainly, with no escape codes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, runXplan, startXplan, tempRepo } from '../support/cli.js';
import { Terminal } from '../support/terminal.js';

const RUN = '20260101-000000';
const CLEARS = ['\u001b[2J', '\u001b[3J', '\u001bc'];
const hasScript = spawnSync('script', ['--version']).status === 0;

let approved: string;

beforeAll(() => {
  approved = tempRepo();
  copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(approved, 'spec.md'));
  for (const args of [
    ['plan', 'spec.md', '--yes'],
    ['approve', '--yes'],
  ]) {
    const result = runXplan(args, { cwd: approved });
    if (result.code !== 0) throw new Error(`xplan ${args.join(' ')}: ${result.stderr}`);
  }
}, 60_000);

/** A repository whose run is driven by this test's process (it holds the run lock): T1 runs. */
function runningRepo(): string {
  const repo = tempRepo();
  spawnSync('cp', ['-a', `${approved}/.`, repo]);
  editState(repo, (state) => {
    state.run = {
      id: RUN,
      status: 'running',
      startedAt: new Date(Date.now() - 5000).toISOString(),
      base: { commit: 'abc123', branch: 'main' },
      branching: 'feature',
      concurrency: 2,
      verify: null,
      planHash: (state.plan as { approval: { hash: string } }).approval.hash,
      nextAgent: 2,
      tasks: {
        T1: {
          state: 'running',
          attempts: [{ agent: 1, branch: `xplan/${RUN}/agent-1-x`, worktree: '/nowhere', sessionId: 's', base: 'abc123', startedAt: new Date().toISOString() }],
          transientFailures: 0,
        },
      },
    };
  });
  writeFileSync(join(repo, '.xplan/run.lock'), JSON.stringify({ pid: process.pid, host: hostname(), runId: RUN, since: new Date().toISOString() }));
  return repo;
}

/** The run ends: T1 failed. */
function endRun(repo: string): void {
  editState(repo, (state) => {
    const run = state.run as { status: string; endedAt: string; tasks: { T1: Record<string, unknown> } };
    run.status = 'failed';
    run.endedAt = new Date().toISOString();
    run.tasks.T1 = { ...run.tasks.T1, state: 'failed', failure: 'verify', reason: 'verify failed' };
  });
}

function editState(repo: string, change: (state: Record<string, unknown>) => void): void {
  const path = join(repo, '.xplan/state.json');
  const state = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(state);
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2));
  spawnSync('mv', [`${path}.tmp`, path]);
}

const headers = (text: string) => text.match(new RegExp(`^Run ${RUN} · \\w+`, 'gm')) ?? [];

describe('xplan status --watch', () => {
  it.skipIf(!hasScript)(
    'on a terminal: redraws in place, fits 12 rows, never clears, and leaves one final frame',
    async () => {
      const repo = runningRepo();
      const command = `stty rows 12 cols 120; exec '${process.execPath}' '${BIN}' status --watch`;
      const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: repo, env: { PATH: process.env.PATH, HOME: repo, NO_COLOR: '1', TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let raw = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
      await new Promise((resolve) => setTimeout(resolve, 3500));
      endRun(repo);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, raw.slice(-2000)).toBe(0);
      for (const clear of CLEARS) expect(raw).not.toContain(clear);
      // Several frames were drawn while it ran, each cut to the screen.
      expect(headers(raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')).filter((h) => h.endsWith('running')).length).toBeGreaterThanOrEqual(2);
      expect(raw).toMatch(/… \d+ more/);
      const terminal = new Terminal(12, 120);
      terminal.write(raw);
      expect(terminal.unknown).toEqual([]);
      const kept = terminal.text();
      expect(headers(kept)).toEqual([`Run ${RUN} · failed`]);
      expect(kept).not.toMatch(/… \d+ more/);
      expect(kept.trimEnd()).toMatch(/Usage: [^\n]+$/);
    },
    60_000,
  );

  it('piped: prints the frames that changed, plainly, and ends with the final one', async () => {
    const repo = runningRepo();
    const watch = startXplan(['status', '--watch'], { cwd: repo, timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 3500));
    endRun(repo);
    const result = await watch.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('\u001b');
    // Seconds passing is no change: the running run is printed once, then the end.
    expect(headers(result.stdout)).toEqual([`Run ${RUN} · running`, `Run ${RUN} · failed`]);
    expect(result.stdout.trimEnd()).toMatch(/Usage: [^\n]+$/);
  }, 60_000);
});
