/**
 * `xplan clean` on real temp repositories whose run worktrees are made by hand: work that lives only in a worktree
 * (ignored files, commits no branch holds) keeps that worktree, and the integration worktree goes only once its
 * branch is merged.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { clean } from '../../src/commands/clean.js';
import { Workspace } from '../../src/workspace.js';
import { renderClean } from '../../src/ui/render-clean.js';
import { plainTheme } from '../../src/ui/theme.js';
import { tempDir, tempRepo } from '../support/cli.js';
import { git } from '../support/fake-ports.js';

const RUN = '20261201-100000';

function repoWithRun(): { repo: string; worktree: (name: string) => string; branch: (name: string) => string; add: (name: string) => string } {
  const repo = tempRepo();
  writeFileSync(join(repo, '.gitignore'), '*.log\n.xplan/\n');
  writeFileSync(join(repo, 'README.md'), '# app\n');
  git(repo, ['add', '.']);
  git(repo, ['commit', '-q', '-m', 'init']);
  const worktree = (name: string) => join(repo, '.xplan/worktrees', RUN, name);
  const branch = (name: string) => `xplan/${RUN}/${name}`;
  mkdirSync(join(repo, '.xplan/worktrees', RUN), { recursive: true });
  const add = (name: string) => {
    git(repo, ['worktree', 'add', '-q', '-b', branch(name), worktree(name), 'main']);
    return worktree(name);
  };
  return { repo, worktree, branch, add };
}

function commit(cwd: string, file: string, message: string): string {
  writeFileSync(join(cwd, file), `${message}\n`);
  git(cwd, ['add', '--', file]);
  git(cwd, ['commit', '-q', '-m', message]);
  return git(cwd, ['rev-parse', 'HEAD']);
}

it('keeps a worktree that holds ignored files or commits no branch has, names them, and keeps its branch', async () => {
  const { repo, worktree, branch, add } = repoWithRun();
  // agent-1: merged, nothing left behind: it goes, and so does its branch.
  commit(add('agent-1-merged'), 'a.txt', '[T1] a');
  git(repo, ['merge', '-q', '--ff-only', branch('agent-1-merged')]);
  // agent-2: merged, but a build left an ignored log file the agent may still need.
  const second = add('agent-2-ignored');
  commit(second, 'b.txt', '[T2] b');
  git(repo, ['merge', '-q', '--no-edit', branch('agent-2-ignored')]);
  writeFileSync(join(second, 'debug.log'), 'findings\n');
  // agent-3: its work was committed on a detached HEAD.
  const third = add('agent-3-detached');
  git(third, ['checkout', '-q', '--detach']);
  const detached = commit(third, 'c.txt', '[T3] c on no branch');
  // agent-4: committed detached, then went back to its branch: the commit is only in the worktree's reflog.
  const fourth = add('agent-4-reflog');
  git(fourth, ['checkout', '-q', '--detach']);
  const dropped = commit(fourth, 'd.txt', '[T4] d left behind');
  git(fourth, ['checkout', '-q', branch('agent-4-reflog')]);

  const ws = Workspace.open(repo, { PATH: process.env.PATH });
  const preview = await clean({ dryRun: true }, ws);
  const result = await clean({}, ws);
  expect(preview.runs[0]!.keptWorktrees).toEqual(result.runs[0]!.keptWorktrees);

  const run = result.runs[0]!;
  const rel = (name: string) => `.xplan/worktrees/${RUN}/${name}`;
  expect(run.removedWorktrees).toEqual([rel('agent-1-merged')]);
  expect(run.keptWorktrees.map((k) => k.path)).toEqual([rel('agent-2-ignored'), rel('agent-3-detached'), rel('agent-4-reflog')]);
  const reason = (name: string) => run.keptWorktrees.find((k) => k.path === rel(name))!.reason;
  expect(reason('agent-2-ignored')).toBe('1 ignored file git does not keep: debug.log');
  expect(reason('agent-3-detached')).toBe(`1 commit no branch holds: ${detached.slice(0, 10)} [T3] c on no branch; keep them with \`git branch <name> ${detached.slice(0, 10)}\``);
  expect(reason('agent-4-reflog')).toContain(`1 commit no branch holds: ${dropped.slice(0, 10)} [T4] d left behind`);
  for (const name of ['agent-2-ignored', 'agent-3-detached', 'agent-4-reflog']) expect(existsSync(worktree(name))).toBe(true);
  expect(existsSync(worktree('agent-1-merged'))).toBe(false);

  expect(run.deletedBranches).toEqual([branch('agent-1-merged')]);
  expect(run.keptBranches).toContainEqual({ branch: branch('agent-2-ignored'), reason: 'its worktree is kept' });
  // The unreachable commits are all still there.
  expect(git(repo, ['cat-file', '-t', detached])).toBe('commit');
  expect(git(repo, ['cat-file', '-t', dropped])).toBe('commit');

  const text = renderClean(result, plainTheme);
  expect(text).toContain(`kept worktree ${rel('agent-3-detached')}: 1 commit no branch holds`);
});

it('treats the integration worktree like the others: it and its branch go only once the branch is merged', async () => {
  const { repo, worktree, branch, add } = repoWithRun();
  const integration = add('integration');
  const task = add('agent-1-task');
  commit(task, 'a.txt', '[T1] a');
  git(integration, ['merge', '-q', '--no-ff', '--no-edit', branch('agent-1-task')]);

  const ws = Workspace.open(repo, { PATH: process.env.PATH });
  const unmerged = (await clean({}, ws)).runs[0]!;
  expect(unmerged.keptWorktrees).toEqual([
    { path: `.xplan/worktrees/${RUN}/integration`, reason: `its branch ${branch('integration')} is not merged into main; land it with \`xplan merge --run ${RUN}\`` },
  ]);
  expect(unmerged.removedWorktrees).toEqual([`.xplan/worktrees/${RUN}/agent-1-task`]);
  expect(unmerged.keptBranches.map((k) => k.branch).sort()).toEqual([branch('agent-1-task'), branch('integration')]);
  expect(existsSync(integration)).toBe(true);

  git(repo, ['merge', '-q', '--ff-only', branch('integration')]);
  const merged = (await clean({}, ws)).runs[0]!;
  expect(merged.removedWorktrees).toEqual([`.xplan/worktrees/${RUN}/integration`]);
  expect(merged.deletedBranches.sort()).toEqual([branch('agent-1-task'), branch('integration')]);
  expect(existsSync(worktree('integration'))).toBe(false);
  expect(git(repo, ['branch', '--list', 'xplan/*'])).toBe('');
});

it('keeps a merged branch that is checked out somewhere else instead of failing on it', async () => {
  const { repo, branch, add } = repoWithRun();
  commit(add('agent-1-task'), 'a.txt', '[T1] a');
  git(repo, ['merge', '-q', '--ff-only', branch('agent-1-task')]);
  git(repo, ['worktree', 'remove', join(repo, '.xplan/worktrees', RUN, 'agent-1-task')]);
  const elsewhere = join(tempDir(), 'elsewhere');
  git(repo, ['worktree', 'add', '-q', elsewhere, branch('agent-1-task')]);
  const run = (await clean({}, Workspace.open(repo, { PATH: process.env.PATH }))).runs[0]!;
  expect(run.keptBranches).toEqual([{ branch: branch('agent-1-task'), reason: `checked out in ${elsewhere}` }]);
});
