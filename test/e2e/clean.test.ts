/** `xplan clean` never deletes unmerged work: real runs with the real claude, then merges and leftovers by hand. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runXplan, runXplanAsync } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, runConfig } from '../support/run-repo.js';

let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

it('removes merged work, keeps unmerged branches and worktrees with uncommitted files, and says why', async () => {
  server = await startModelServer((c) => commitSteps(c));
  const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file' }, { title: 'Write the bang file' }], runConfig({ concurrency: 3 }));
  expect((await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) })).code).toBe(0);
  const status = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as { run: { id: string }; tasks: Array<{ id: string; branch: string; worktree: string }> };
  const [t1, t2, t3] = status.tasks as [(typeof status.tasks)[0], (typeof status.tasks)[0], (typeof status.tasks)[0]];
  git(repo, ['merge', '-q', '--no-edit', t1.branch]);
  writeFileSync(join(t3.worktree, 'notes.txt'), 'unfinished\n');

  const preview = runXplan(['clean', '--dry-run'], { cwd: repo });
  expect(preview.code, preview.stderr).toBe(0);
  expect(preview.stdout).toContain(`would delete branch ${t1.branch} (merged into main)`);
  expect(existsSync(t1.worktree)).toBe(true);

  const result = runXplan(['clean'], { cwd: repo });
  expect(result.code, result.stderr).toBe(0);
  const run = status.run.id;
  expect(result.stdout).toContain(`removed worktree .xplan/worktrees/${run}/agent-1`);
  expect(result.stdout).toContain(`deleted branch ${t1.branch} (merged into main)`);
  expect(result.stdout).toContain(`kept branch ${t2.branch}: 1 commit not merged into main`);
  expect(result.stdout).toContain(`kept worktree .xplan/worktrees/${run}/agent-3: 1 uncommitted file: notes.txt`);
  expect(result.stdout).toContain(`kept branch ${t3.branch}: 1 commit not merged into main`);
  expect(existsSync(t1.worktree)).toBe(false);
  expect(existsSync(t2.worktree)).toBe(false);
  expect(existsSync(join(t3.worktree, 'notes.txt'))).toBe(true);
  // The integration branch holds the merged work until `xplan merge` lands it: it stays, and so does its worktree.
  const integration = `xplan/${run}/integration`;
  expect(result.stdout).toContain(`kept worktree .xplan/worktrees/${run}/integration: its branch ${integration} is not merged into main; land it with \`xplan merge --run ${run}\``);
  expect(
    git(repo, ['branch', '--list', 'xplan/*'])
      .split('\n')
      .map((b) => b.trim().replace(/^\+ /, '')),
  ).toEqual([t2.branch, t3.branch, integration]);
  // The unmerged work is all still there.
  expect(git(repo, ['show', `${t2.branch}:t2.txt`])).toBe('work of T2');

  expect(runXplan(['clean', '--older-than', '14d'], { cwd: repo }).stdout).toContain(`Left run ${run} alone: younger than 14d.`);
  expect(runXplan(['clean', '--older-than', 'soon'], { cwd: repo }).stderr).toContain('--older-than takes an age like 14d, 12h or 30m, not "soon"');
  expect(runXplan(['clean', '--run', 'nope'], { cwd: repo }).stderr).toContain('There is no run nope with worktrees to clean');
}, 120_000);
