/**
 * File reservations end with the run: after a run ends, after `cancel`, and after a crash followed by `cancel`, no
 * reservation is left and the commit guard is gone from the kept worktrees, so the user's own commits there go
 * through. A commit made past the guard (`git commit --no-verify`) of another running task's file is caught at
 * merge time: the task is held, the file named, and nothing of it merged.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installedGuard } from '../../src/adapters/tools/commit-guard.js';
import { cancelRun } from '../../src/core/run/run-control.js';
import type { RunState } from '../../src/core/run/run.js';
import { applyControl } from '../../src/run/control.js';
import { git } from '../support/fake-ports.js';
import { harness, type Harness } from '../support/run-harness.js';

function savedRun(h: Harness): RunState {
  return (JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8')) as { run: RunState }).run;
}

function worktrees(run: RunState): string[] {
  return Object.values(run.tasks).flatMap((t) => t.attempts.map((a) => a.worktree));
}

/** The user, in a kept worktree, commits a file another task of the run had reserved. */
function userCommits(worktree: string, file: string): void {
  writeFileSync(join(worktree, file), 'by hand\n');
  git(worktree, ['add', '--', file]);
  git(worktree, ['commit', '-q', '-m', 'by hand']);
}

async function expectNothingHeld(h: Harness): Promise<void> {
  const run = savedRun(h);
  expect(run.reservations ?? []).toEqual([]);
  expect(existsSync(join(h.repo, '.xplan/runs', run.id, 'reservations.json'))).toBe(false);
  for (const worktree of worktrees(run)) {
    expect(await installedGuard(worktree), worktree).toBeUndefined();
    expect(git(worktree, ['config', '--worktree', '--default', '', 'core.hooksPath'])).toBe('');
  }
}

describe('reservations end with the run', () => {
  it('a crash, then cancel: every reservation is released and the guard leaves the kept worktrees', async () => {
    const h = harness({
      tasks: { T1: [], T2: [] },
      runConfig: ['concurrency: 2'],
      files: { T1: ['a.ts'], T2: ['b.ts'] },
      script: () => ({ hang: true }),
    });
    let turns = 0;
    const sleep = h.clock.sleep.bind(h.clock);
    h.clock.sleep = (ms) => (h.agents.started.length === 2 && ++turns > 3 ? Promise.reject(new Error('killed')) : sleep(ms));
    await expect(h.start()).rejects.toThrow('killed');
    h.clock.sleep = sleep;
    const crashed = savedRun(h);
    expect((crashed.reservations ?? []).map((r) => r.taskId).sort()).toEqual(['T1', 'T2']);
    const t1 = crashed.tasks.T1!.attempts[0]!.worktree;
    // While the run holds them, T1's worktree refuses T2's file.
    expect(() => userCommits(t1, 'b.ts')).toThrow(/reserved by task T2/);
    git(t1, ['reset', '-q']);

    const stopAgent = async (dir: string) => {
      const pids = await h.agents.pids(dir);
      if (pids) await h.agents.stop(pids.supervisor);
    };
    const result = await applyControl(
      h.ws,
      (run, _plan, by, at) => cancelRun(run, { by, at }),
      () => '',
      { command: 'xplan cancel', stopAgent },
    );
    expect(result.run.status).toBe('cancelled');
    await expectNothingHeld(h);
    userCommits(t1, 'b.ts');
    expect(git(t1, ['log', '-1', '--format=%s'])).toBe('by hand');
  });

  it('a run that ends (completed) leaves no guard in its worktrees', async () => {
    const h = harness({ tasks: { T1: [], T2: [] }, runConfig: ['concurrency: 2'], files: { T1: ['t1.txt'], T2: ['t2.txt'] } });
    const { status } = await h.start();
    expect(status.run.status).toBe('completed');
    await expectNothingHeld(h);
  });
});

describe('a commit made past the commit guard', () => {
  it("of another running task's reserved file is caught at merge time: the task is held with the file named, and not merged", async () => {
    const h = harness({
      tasks: { T1: [], T2: [] },
      runConfig: ['concurrency: 2'],
      files: { T1: ['src/shared.ts'], T2: ['src/other.ts'] },
      script: (id) => (id === 'T1' ? { durationMs: 5000, commits: { 'src/shared.ts': 'T1\n' } } : { durationMs: 1000, noVerify: true, commits: { 'src/other.ts': 'T2\n', 'src/shared.ts': 'T2\n' } }),
    });
    const { status } = await h.start();
    expect(status.tasks.map((t) => t.label)).toEqual(['completed', 'blocked: conflict']);
    const run = savedRun(h);
    expect(run.tasks.T2!.reason).toContain('src/shared.ts');
    expect(run.tasks.T2!.reason).toContain('T1');
    expect(run.tasks.T2!.reason).toContain('xplan retry T2');
    const integration = run.integration!;
    expect(git(h.repo, ['log', '--format=%s', integration.branch])).not.toContain('[T2]');
    expect(git(h.repo, ['show', `${integration.branch}:src/shared.ts`])).toBe('T1');
    expect(h.events.some((e) => e.type === 'task.blocked' && e.taskId === 'T2' && e.file === 'src/shared.ts')).toBe(true);
  });
});
