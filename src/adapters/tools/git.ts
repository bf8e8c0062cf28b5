/**
 * The git work of a run: the base commit, worktrees and branches, merges of dependency branches, commit counts.
 * Branches, paths and commits come from plans and state a user can edit, so each one goes after `--` (or
 * `--end-of-options` where git reads revisions) or is an option's value: one starting with `-` stays a value.
 */
import { rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import { gitFailedError } from '../../core/errors.js';
import type { Commit } from '../../core/run/run.js';
import type { Track, Vcs } from '../../run/ports.js';
import { gated, openGate } from '../process/processes.js';

async function git(cwd: string, args: string[]): Promise<string> {
  const result = await execa('git', args, { cwd, reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) {
    throw gitFailedError(args, cwd, String(result.stderr), result.exitCode);
  }
  return String(result.stdout);
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

export async function headCommit(repo: string): Promise<string | undefined> {
  const result = await execa('git', ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: repo, reject: false, stdin: 'ignore' });
  return result.exitCode === 0 ? String(result.stdout).trim() : undefined;
}

export async function currentBranch(repo: string): Promise<string | null> {
  const result = await execa('git', ['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: repo, reject: false, stdin: 'ignore' });
  return result.exitCode === 0 ? String(result.stdout).trim() : null;
}

export async function isValidBranchName(repo: string, branch: string): Promise<boolean> {
  const result = await execa('git', ['check-ref-format', '--branch', branch], { cwd: repo, reject: false, stdin: 'ignore' });
  return result.exitCode === 0;
}

export async function branchHead(repo: string, branch: string): Promise<string> {
  return (await git(repo, ['rev-parse', '--verify', '--end-of-options', `refs/heads/${branch}^{commit}`])).trim();
}

/** A new worktree at `path` on a new branch starting at `startPoint`. */
export async function addWorktree(repo: string, path: string, branch: string, startPoint: string): Promise<void> {
  await git(repo, ['worktree', 'add', '--quiet', '-b', branch, '--', path, startPoint]);
}

/**
 * Merges the given branches into the worktree's branch. On a conflict the merge is aborted, leaving the branch as it
 * was, and the conflicting files are returned; any other refusal of git (a lock, an untracked file in the way) is an
 * error with git's message, not a conflict.
 */
export type MergeResult = { ok: true } | { ok: false; files: string[] } | { ok: false; error: string };

export async function mergeBranches(worktree: string, branches: string[], message: string, track?: Track): Promise<MergeResult> {
  const result = await gitIn(worktree, ['-c', 'user.name=xplan', '-c', 'user.email=xplan@localhost', 'merge', '--no-ff', '--no-edit', '-m', message, '--', ...branches], track);
  if (result.exitCode === 0) return { ok: true };
  const conflicted = await gitIn(worktree, ['diff', '--name-only', '--diff-filter=U'], track);
  await gitIn(worktree, ['merge', '--abort'], track);
  const files = String(conflicted.stdout).split('\n').filter(Boolean);
  if (files.length > 0) return { ok: false, files };
  // git's own words: its `error:`/`fatal:` line says what is in the way (its last line is often just "Aborting").
  const said = String(result.stderr || result.stdout);
  const reason =
    said
      .split('\n')
      .find((l) => /^(error|fatal):/.test(l.trim()))
      ?.trim() ?? lastLine(said);
  return { ok: false, error: reason || `git merge exited with ${result.exitCode}` };
}

/**
 * One git in `cwd`. With `track`, it runs in its own process group, recorded before git starts (a gated start), so
 * a later xplan can stop it if this one is killed while it runs; without, as a plain child.
 */
async function gitIn(cwd: string, args: string[], track?: Track): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  if (!track) {
    const plain = await execa('git', args, { cwd, reject: false, stdin: 'ignore' });
    return { exitCode: plain.exitCode, stdout: String(plain.stdout), stderr: String(plain.stderr) };
  }
  const start = gated('git', args);
  const child = execa(start.file, start.args, { cwd, reject: false, stdin: 'pipe', detached: true });
  let untrack: (() => Promise<void>) | undefined;
  try {
    if (child.pid !== undefined) untrack = await track(child.pid, `git ${args.find((a) => /^[a-z]/.test(a) && !a.includes('=')) ?? ''} in ${cwd}`);
  } catch (error) {
    // Not recorded: it must not run.
    child.kill('SIGKILL');
    await child.catch(() => {});
    throw error;
  }
  openGate(child.stdin);
  const result = await child;
  await untrack?.();
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Commits on the worktree's HEAD since `base`, oldest first. */
export async function commitsSince(worktree: string, base: string): Promise<Commit[]> {
  const out = await git(worktree, ['log', '--reverse', '--format=%H%x09%s', '--end-of-options', `${base}..HEAD`]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      return { sha: line.slice(0, tab), subject: line.slice(tab + 1) };
    });
}

/** Files changed or added but not committed in the worktree. */
export async function uncommittedFiles(worktree: string): Promise<string[]> {
  const out = await git(worktree, ['status', '--porcelain=v1', '--untracked-files=all']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3));
}

/** Files git ignores in a worktree; an ignored directory is one entry, ending in `/`. */
export async function ignoredFiles(worktree: string): Promise<string[]> {
  const out = await git(worktree, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']);
  return out.split('\0').filter(Boolean);
}

/**
 * Commits a worktree's HEAD holds or has held (its reflog) that no branch, no tag and not `base` contains: work that
 * removing the worktree would leave to git's garbage collection. Merge commits xplan made itself (an integration
 * merge it undid) carry no work of their own and are left out.
 */
export async function commitsOnlyInWorktree(worktree: string, base: string): Promise<Commit[]> {
  const reflog = await execa('git', ['log', '--walk-reflogs', '--format=%H', 'HEAD', '--'], { cwd: worktree, reject: false, stdin: 'ignore' });
  const head = await headCommit(worktree);
  const candidates = [...new Set([head, ...String(reflog.stdout).split('\n')].filter((sha): sha is string => !!sha && /^[0-9a-f]{40,64}$/.test(sha)))];
  if (candidates.length === 0) return [];
  const out = await git(worktree, ['log', '--format=%H%x09%P%x09%ce%x09%s', ...candidates, '--not', '--branches', '--tags', base, '--']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'))
    .filter(([, parents, committer]) => !(committer === 'xplan@localhost' && (parents ?? '').split(' ').length > 1))
    .map(([sha, , , ...subject]) => ({ sha: sha!, subject: subject.join('\t') }));
}

/** Each branch checked out in some worktree of the repository, with that worktree's path. */
export async function checkedOutBranches(repo: string): Promise<Map<string, string>> {
  const out = await git(repo, ['worktree', 'list', '--porcelain']);
  const branches = new Map<string, string>();
  let path: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line.startsWith('branch refs/heads/') && path !== undefined) branches.set(line.slice('branch refs/heads/'.length), path);
  }
  return branches;
}

/** Branches under a prefix, e.g. `xplan/20261123-114502/`. */
export async function branchesUnder(repo: string, prefix: string): Promise<string[]> {
  const out = await git(repo, ['for-each-ref', '--format=%(refname:short)', '--', `refs/heads/${prefix}`]);
  return out.split('\n').filter(Boolean);
}

/** Commits on `branch` that `base` does not have. */
export async function unmergedCount(repo: string, branch: string, base: string): Promise<number> {
  return Number((await git(repo, ['rev-list', '--count', '--end-of-options', `${base}..${branch}`])).trim());
}

export async function removeWorktree(repo: string, path: string): Promise<void> {
  await git(repo, ['worktree', 'remove', '--', path]);
}

export async function deleteBranch(repo: string, branch: string): Promise<void> {
  // -D: the caller has checked that every commit of the branch is in the base.
  await git(repo, ['branch', '-D', '--', branch]);
}

export async function pruneWorktrees(repo: string): Promise<void> {
  await git(repo, ['worktree', 'prune']);
}

/** `Name <email>` from git's config, for approvals and hand-made decisions. */
export async function gitUser(cwd: string): Promise<string> {
  const read = async (key: string) => {
    const result = await execa('git', ['config', '--', key], { cwd, reject: false, stdin: 'ignore' });
    return result.exitCode === 0 ? String(result.stdout).trim() : '';
  };
  const [name, email] = await Promise.all([read('user.name'), read('user.email')]);
  return [name, email ? `<${email}>` : ''].filter(Boolean).join(' ') || process.env.USER || 'unknown';
}

export async function head(worktree: string): Promise<string> {
  return (await git(worktree, ['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
}

export async function resetHard(worktree: string, commit: string): Promise<void> {
  await git(worktree, ['reset', '--quiet', '--hard', commit]);
}

export async function changedFiles(repo: string, from: string, to: string): Promise<string[]> {
  return (await git(repo, ['diff', '--name-only', from, to, '--'])).split('\n').filter(Boolean);
}

export async function diffStat(repo: string, from: string, to: string): Promise<string> {
  return (await git(repo, ['diff', '--shortstat', from, to, '--'])).trim();
}

/** `git diff --stat` between two commits, a line per file, names in full. */
export async function diffStatByFile(repo: string, from: string, to: string): Promise<string> {
  return (await git(repo, ['diff', '--stat=200', '--end-of-options', from, to, '--'])).trimEnd();
}

/** Whether `ancestor` is in the history of `descendant`. */
export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await execa('git', ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant], { cwd: repo, reject: false, stdin: 'ignore' });
  return result.exitCode === 0;
}

/**
 * The lock files a git killed by SIGKILL leaves behind in a worktree: its index, its HEAD, and its branch's ref.
 * Any of them makes the next git there refuse (`cannot lock ref 'HEAD'`, `index.lock: File exists`).
 */
export async function clearStaleLocks(worktree: string): Promise<void> {
  const gitDir = (await git(worktree, ['rev-parse', '--absolute-git-dir'])).trim();
  const common = (await git(worktree, ['rev-parse', '--git-common-dir'])).trim();
  const commonDir = isAbsolute(common) ? common : resolve(worktree, common);
  const branch = await execa('git', ['symbolic-ref', '--quiet', 'HEAD'], { cwd: worktree, reject: false, stdin: 'ignore' });
  const locks = [join(gitDir, 'index.lock'), join(gitDir, 'HEAD.lock'), join(gitDir, 'ORIG_HEAD.lock'), join(gitDir, 'MERGE_HEAD.lock')];
  if (branch.exitCode === 0) locks.push(join(commonDir, `${String(branch.stdout).trim()}.lock`));
  await Promise.all(locks.map((path) => rm(path, { force: true })));
}

/** The Vcs port, on real git. */
export const gitVcs: Vcs = {
  headCommit,
  currentBranch,
  isValidBranchName,
  branchHead,
  addWorktree,
  mergeBranches,
  contains: isAncestor,
  clearStaleLocks,
  commitsSince,
  uncommittedFiles,
  head,
  resetHard,
  changedFiles,
  diffStat,
};

/** Commits in `to` that `from` lacks. */
export async function countBetween(repo: string, from: string, to: string): Promise<number> {
  return Number((await git(repo, ['rev-list', '--count', `${from}..${to}`, '--'])).trim());
}

/**
 * The merge of two commits computed without touching any worktree (`git merge-tree --write-tree`): its tree, or the
 * files that conflict.
 */
export async function mergeTree(repo: string, ours: string, theirs: string): Promise<{ ok: true; tree: string } | { ok: false; files: string[] }> {
  const result = await execa('git', ['merge-tree', '--write-tree', '--name-only', '--no-messages', ours, theirs], { cwd: repo, reject: false, stdin: 'ignore' });
  const lines = String(result.stdout).split('\n').filter(Boolean);
  if (result.exitCode === 0) return { ok: true, tree: lines[0]! };
  if (result.exitCode === 1) return { ok: false, files: lines.slice(1) };
  throw gitFailedError(['merge-tree'], repo, String(result.stderr), result.exitCode, 'git 2.38 or newer is needed (`xplan doctor`).');
}

/** A merge commit of `tree` with the given parents, made without a worktree. */
export async function commitTree(repo: string, tree: string, parents: string[], message: string): Promise<string> {
  return (await git(repo, ['-c', 'user.name=xplan', '-c', 'user.email=xplan@localhost', 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message])).trim();
}

/** Moves a branch to `commit`, only if it still points at `expected`. */
export async function updateBranch(repo: string, branch: string, commit: string, expected: string): Promise<void> {
  await git(repo, ['update-ref', '-m', 'xplan merge', `refs/heads/${branch}`, commit, expected]);
}

/** The worktree that has `branch` checked out, if any. */
export async function worktreeOf(repo: string, branch: string): Promise<string | undefined> {
  const out = await git(repo, ['worktree', 'list', '--porcelain']);
  let path: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${branch}`) return path;
  }
  return undefined;
}

/** Tracked files with changes in a worktree (untracked files do not block a merge). */
export async function trackedChanges(worktree: string): Promise<string[]> {
  const out = await git(worktree, ['status', '--porcelain=v1', '--untracked-files=no']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3));
}

/** Fast-forwards or merges `commit` into the branch checked out in `worktree`. */
export async function mergeInWorktree(worktree: string, commit: string, message: string): Promise<void> {
  await git(worktree, ['-c', 'user.name=xplan', '-c', 'user.email=xplan@localhost', 'merge', '--no-edit', '-m', message, commit]);
}
