/**
 * kill -9 of the orchestrator at each step of a merge into the integration branch, then `xplan resume`: every task
 * is merged exactly once, no finished task's commit is missing from the integration branch, and nothing the killed
 * xplan started (its git merge and the hooks git runs, its integration verify) is left running or lands later.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runXplan, runXplanAsync, startXplan, tempDir } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, processesUnder, runConfig, waitForEvent } from '../support/run-repo.js';

type Server = Awaited<ReturnType<typeof startModelServer>>;
let server: Server;
beforeAll(async () => {
  server = await startModelServer((c) => commitSteps(c));
});
afterAll(() => server.close());

/**
 * A hook of the repository that, the first time it runs in the integration worktree, leaves a marker and then
 * takes long: long enough that, left running by the killed xplan, it is still there when the test ends.
 */
function slowHook(repo: string, name: string, markers: string): void {
  const path = join(repo, '.git/hooks', name);
  writeFileSync(
    path,
    ['#!/bin/sh', 'case "$PWD" in */integration) ;; *) exit 0 ;; esac', `ls "${markers}"/${name}.* >/dev/null 2>&1 && exit 0`, `touch "${markers}/${name}.$$"`, 'sleep 30', ''].join('\n'),
  );
  chmodSync(path, 0o755);
}

async function marker(dir: string, prefix: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readdirSync(dir).some((f) => f.startsWith(prefix))) {
    if (Date.now() > deadline) throw new Error(`no ${prefix} marker`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Step {
  name: string;
  /** Extra `run:` lines of the config. */
  run?: string[];
  hooks?: string[];
  /** Resolves at the moment of the kill. */
  point: (repo: string, markers: string) => Promise<unknown>;
}

const steps: Step[] = [
  { name: 'before the merge (recorded, git not yet done)', point: (repo) => waitForEvent(repo, (e) => e.type === 'task.merging') },
  { name: 'inside git merge, before it commits (a slow pre-merge-commit hook)', hooks: ['pre-merge-commit'], point: (_repo, m) => marker(m, 'pre-merge-commit') },
  { name: 'after git made the merge commit, before the state says so (a slow post-merge hook)', hooks: ['post-merge'], point: (_repo, m) => marker(m, 'post-merge') },
  {
    name: 'inside the integration verify',
    run: ['integrationVerify: "ls \\"$XPLAN_TEST_MARKERS\\"/verify.* >/dev/null 2>&1 || { touch \\"$XPLAN_TEST_MARKERS/verify.$$\\"; sleep 30; }; ls t*.txt"'],
    point: (_repo, m) => marker(m, 'verify'),
  },
];

describe('kill -9 at each step of a merge, then xplan resume', () => {
  it.each(steps)(
    'killed $name',
    async (step) => {
      const markers = tempDir('xplan-markers-');
      const repo = approvedRepo(
        [{ title: 'Write the hello file' }, { title: 'Write the world file' }, { title: 'Write the bang file', dependsOn: ['T1'] }],
        runConfig({ verify: 'ls t*.txt', concurrency: 2, run: step.run ?? [] }),
      );
      for (const hook of step.hooks ?? []) slowHook(repo, hook, markers);
      const env = { ...claudeEnv(server.url), XPLAN_TEST_MARKERS: markers };
      const orchestrator = startXplan(['run'], { cwd: repo, env });
      await step.point(repo, markers);
      orchestrator.child.kill('SIGKILL');
      await orchestrator.done;
      // What the integration branch held when xplan died: kept, whatever it was (a merge made then is not redone).
      const integrationBranch = git(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/xplan/*/integration']);
      const atKill = git(repo, ['rev-parse', integrationBranch]);

      const next = await runXplanAsync(['resume'], { cwd: repo, env });
      expect(next.code, next.stdout + next.stderr).toBe(0);
      const status = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as { run: { status: string }; tasks: Array<{ id: string; state: string }> };
      expect(status.run.status).toBe('completed');
      expect(status.tasks.map((t) => t.state)).toEqual(['completed', 'completed', 'completed']);

      const state = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8')) as {
        run: { integration: { branch: string; head: string }; tasks: Record<string, { merge?: { state: string }; commits?: Array<{ sha: string }> }> };
      };
      const { branch, head } = state.run.integration;
      expect(git(repo, ['rev-parse', branch])).toBe(head);
      // One merge commit per task on the integration branch: none made twice, none missing.
      const merges = git(repo, ['log', '--merges', '--format=%s', branch]).split('\n').filter(Boolean);
      for (const task of ['T1', 'T2', 'T3']) {
        expect(
          merges.filter((s) => s.startsWith(`[${task}] Merge`)),
          `${task} merged once`,
        ).toHaveLength(1);
        expect(state.run.tasks[task]!.merge?.state).toBe('merged');
        // Every commit the task made is in the integration branch.
        for (const commit of state.run.tasks[task]!.commits ?? []) expect(git(repo, ['merge-base', '--is-ancestor', commit.sha, branch]) === '').toBe(true);
      }
      expect(git(repo, ['merge-base', '--is-ancestor', atKill, branch])).toBe('');
      expect(git(repo, ['ls-tree', '--name-only', branch]).split('\n')).toEqual(expect.arrayContaining(['t1.txt', 't2.txt', 't3.txt']));
      // Nothing the killed xplan started is still running, and no record of it is left.
      expect(processesUnder(repo)).toEqual([]);
      const runDir = join(repo, '.xplan/runs', readdirSync(join(repo, '.xplan/runs'))[0]!);
      const groups = existsSync(join(runDir, 'processes.json')) ? (JSON.parse(readFileSync(join(runDir, 'processes.json'), 'utf8')) as { groups: unknown[] }).groups : [];
      expect(groups).toEqual([]);
    },
    120_000,
  );
});
