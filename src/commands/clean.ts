/**
 * `xplan clean`: removes the worktrees of finished runs, and their branches once every commit on them is merged.
 * Work is never lost: a worktree stays while it holds anything a branch does not (uncommitted or ignored files,
 * commits on a detached HEAD or left in its reflog), the integration worktree stays until its branch is merged, and
 * a branch stays while it has commits the base lacks. The result says what stayed and why. Transcripts under
 * .xplan/runs/ are kept as the run's history.
 */
import { count } from '../core/text.js';
import { existsSync, realpathSync } from 'node:fs';
import { readdir, rmdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { CleanedRun, CleanResult, KeptWorktree } from '../core/run/clean-result.js';
import { notARepositoryError, UsageError } from '../core/errors.js';
import { agentNumberIn, integrationBranch, runBranchPrefix } from '../core/branch-names.js';
import { isActiveRun } from '../core/run/run.js';
import {
  branchesUnder,
  checkedOutBranches,
  commitsOnlyInWorktree,
  currentBranch,
  deleteBranch,
  headCommit,
  ignoredFiles,
  pruneWorktrees,
  removeWorktree,
  uncommittedFiles,
  unmergedCount,
} from '../adapters/tools/git.js';
import type { Workspace } from '../workspace.js';

export type { CleanedRun, CleanResult } from '../core/run/clean-result.js';

export interface CleanOptions {
  run?: string;
  olderThan?: string;
  dryRun?: boolean;
  now?: () => Date;
}

export async function clean(options: CleanOptions, ws: Workspace): Promise<CleanResult> {
  const { project } = ws;
  if (!project.inGitRepo) throw notARepositoryError('xplan clean', 'the repository of the runs');
  const maxAgeMs = options.olderThan !== undefined ? parseAge(options.olderThan) : undefined;

  const state = await ws.state();
  const active = state?.run;
  const activeId = isActiveRun(active) ? active!.id : undefined;
  const worktreesDir = join(project.xplanDir, 'worktrees');
  const ids = existsSync(worktreesDir) ? (await readdir(worktreesDir)).sort() : [];
  if (options.run !== undefined && !ids.includes(options.run)) {
    throw new UsageError(`There is no run ${options.run} with worktrees to clean`, ids.length ? `Runs with worktrees: ${ids.join(', ')}.` : 'No run has worktrees left.');
  }
  // Merged means: in the branch the repository has checked out now, which is where finished work lands.
  const base = (await currentBranch(project.root)) ?? (await headCommit(project.root)) ?? 'HEAD';
  const now = (options.now ?? (() => new Date()))().getTime();
  const result: CleanResult = { base, dryRun: options.dryRun ?? false, runs: [], skipped: [] };

  for (const id of options.run !== undefined ? [options.run] : ids) {
    if (id === activeId) {
      result.skipped.push({ id, reason: `the run is ${active!.status}` });
      continue;
    }
    const runWorktrees = join(worktreesDir, id);
    if (maxAgeMs !== undefined && now - (runStartedAt(id) ?? (await stat(runWorktrees)).mtimeMs) < maxAgeMs) {
      result.skipped.push({ id, reason: `younger than ${options.olderThan}` });
      continue;
    }
    result.runs.push(await cleanRun(project.root, id, runWorktrees, base, result.dryRun));
  }
  if (!result.dryRun && result.runs.length > 0) await pruneWorktrees(project.root);
  return result;
}

async function cleanRun(root: string, id: string, runWorktrees: string, base: string, dryRun: boolean): Promise<CleanedRun> {
  const cleaned: CleanedRun = { id, removedWorktrees: [], keptWorktrees: [], deletedBranches: [], keptBranches: [] };
  const keptBranches = new Set<string>();
  const keptAgents = new Set<number>();
  const removed: string[] = [];
  for (const name of (await readdir(runWorktrees)).sort(byAgentNumber)) {
    const path = join(runWorktrees, name);
    const kept = await whyKeep(root, id, path, base);
    if (kept) {
      cleaned.keptWorktrees.push({ path: relative(root, path), ...kept.report });
      if (kept.branch) keptBranches.add(kept.branch);
      const agent = agentNumberIn(name);
      if (agent !== undefined) keptAgents.add(agent);
      continue;
    }
    removed.push(realPath(path));
    if (!dryRun) await removeWorktree(root, path);
    cleaned.removedWorktrees.push(relative(root, path));
  }
  // A branch checked out in a worktree that stays (here, the main checkout, or anywhere else) cannot go.
  const checkedOut = await checkedOutBranches(root);
  for (const branch of (await branchesUnder(root, runBranchPrefix(id))).sort(byAgentNumber)) {
    const unmerged = await unmergedCount(root, branch, base);
    const agent = agentNumberIn(branch);
    const elsewhere = checkedOut.get(branch);
    if (unmerged > 0) cleaned.keptBranches.push({ branch, reason: `${count(unmerged, 'commit')} not merged into ${base}` });
    else if (keptBranches.has(branch) || (agent !== undefined && keptAgents.has(agent))) cleaned.keptBranches.push({ branch, reason: 'its worktree is kept' });
    else if (elsewhere !== undefined && !removed.includes(realPath(elsewhere))) cleaned.keptBranches.push({ branch, reason: `checked out in ${elsewhere}` });
    else {
      if (!dryRun) await deleteBranch(root, branch);
      cleaned.deletedBranches.push(branch);
    }
  }
  if (!dryRun && cleaned.keptWorktrees.length === 0) await rmdir(runWorktrees).catch(() => {});
  return cleaned;
}

/** Why a run worktree must stay, if it must: everything it holds that no branch has, named. */
async function whyKeep(root: string, runId: string, path: string, base: string): Promise<{ report: Omit<KeptWorktree, 'path'>; branch: string | null } | undefined> {
  const uncommitted = await uncommittedFiles(path).catch(() => undefined);
  if (uncommitted === undefined) return { report: { reason: 'not a git worktree any more; remove it by hand' }, branch: null };
  const [ignored, commits, branch] = await Promise.all([ignoredFiles(path), commitsOnlyInWorktree(path, base), currentBranch(path)]);
  const reasons: string[] = [];
  if (uncommitted.length > 0) reasons.push(`${count(uncommitted.length, 'uncommitted file')}: ${sample(uncommitted)}`);
  if (ignored.length > 0) reasons.push(`${count(ignored.length, 'ignored file')} git does not keep: ${sample(ignored)}`);
  const shown = commits.map((c) => `${c.sha.slice(0, 10)} ${c.subject}`);
  if (commits.length > 0) {
    const newest = commits[0]!.sha.slice(0, 10);
    reasons.push(`${count(commits.length, 'commit')} no branch holds: ${sample(shown)}; keep them with \`git branch <name> ${newest}\``);
  }
  const integration = integrationBranch(runId);
  if (branch === integration && (await unmergedCount(root, branch, base)) > 0) {
    reasons.push(`its branch ${branch} is not merged into ${base}; land it with \`xplan merge --run ${runId}\``);
  }
  if (reasons.length === 0) return undefined;
  return { report: { reason: reasons.join('; '), ...(ignored.length > 0 ? { ignored } : {}), ...(commits.length > 0 ? { commits: shown } : {}) }, branch };
}

function sample(items: string[]): string {
  return `${items.slice(0, 3).join(', ')}${items.length > 3 ? ', …' : ''}`;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Run ids are UTC timestamps: `20261123-114502`. */
function runStartedAt(id: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(id);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : undefined;
}

function byAgentNumber(a: string, b: string): number {
  const n = (s: string) => agentNumberIn(s) ?? 0;
  return n(a) - n(b) || a.localeCompare(b);
}

/** `14d`, `12h`, `30m` → milliseconds. */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(d|h|m)$/.exec(text.trim());
  if (!match) throw new UsageError(`--older-than takes an age like 14d, 12h or 30m, not "${text}"`, 'Use d (days), h (hours) or m (minutes).');
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
  return Number(match[1]) * unit;
}
