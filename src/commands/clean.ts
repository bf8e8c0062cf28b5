/**
 * `xplan clean`: removes the worktrees of finished runs, and their branches once every commit on them is merged.
 * Unmerged work is never deleted: a branch with commits the base lacks stays, and so does a worktree with
 * uncommitted files; the result says which and why. Transcripts under .xplan/runs/ are kept as the run's history.
 */
import { existsSync } from 'node:fs';
import { readdir, rmdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InputError, UsageError } from '../core/errors.js';
import { isActiveRun } from '../core/run.js';
import { branchesUnder, currentBranch, deleteBranch, headCommit, pruneWorktrees, removeWorktree, uncommittedFiles, unmergedCount } from '../adapters/git.js';
import type { Workspace } from '../workspace.js';

export interface CleanOptions {
  run?: string;
  olderThan?: string;
  dryRun?: boolean;
  now?: () => Date;
}

export interface CleanedRun {
  id: string;
  removedWorktrees: string[];
  keptWorktrees: Array<{ path: string; reason: string }>;
  deletedBranches: string[];
  keptBranches: Array<{ branch: string; reason: string }>;
}

export interface CleanResult {
  base: string;
  dryRun: boolean;
  runs: CleanedRun[];
  /** Runs left alone, with why (the active run, too recent). */
  skipped: Array<{ id: string; reason: string }>;
}

export async function clean(options: CleanOptions, ws: Workspace): Promise<CleanResult> {
  const { project } = ws;
  if (!project.inGitRepo) throw new InputError('NOT_A_REPOSITORY', 'Not inside a git repository', 'Run xplan clean inside the repository of the runs.');
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
  const kept = new Set<string>();
  for (const name of (await readdir(runWorktrees)).sort(byAgentNumber)) {
    const path = join(runWorktrees, name);
    const shown = relative(root, path);
    const leftovers = await uncommittedFiles(path).catch(() => undefined);
    if (leftovers === undefined) {
      cleaned.keptWorktrees.push({ path: shown, reason: 'not a git worktree any more; remove it by hand' });
      kept.add(path);
    } else if (leftovers.length > 0) {
      cleaned.keptWorktrees.push({ path: shown, reason: `${leftovers.length} uncommitted file(s): ${leftovers.slice(0, 3).join(', ')}${leftovers.length > 3 ? ', …' : ''}` });
      kept.add(path);
    } else {
      if (!dryRun) await removeWorktree(root, path);
      cleaned.removedWorktrees.push(shown);
    }
  }
  for (const branch of (await branchesUnder(root, `xplan/${id}/`)).sort(byAgentNumber)) {
    const agent = /\/agent-(\d+)/.exec(branch)?.[1];
    const worktreeKept = agent !== undefined && kept.has(join(runWorktrees, `agent-${agent}`));
    const unmerged = await unmergedCount(root, branch, base);
    if (unmerged > 0) cleaned.keptBranches.push({ branch, reason: `${unmerged} commit(s) not merged into ${base}` });
    else if (worktreeKept) cleaned.keptBranches.push({ branch, reason: 'its worktree is kept' });
    else {
      if (!dryRun) await deleteBranch(root, branch);
      cleaned.deletedBranches.push(branch);
    }
  }
  if (!dryRun && cleaned.keptWorktrees.length === 0) await rmdir(runWorktrees).catch(() => {});
  return cleaned;
}

/** Run ids are UTC timestamps: `20261123-114502`. */
function runStartedAt(id: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(id);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : undefined;
}

function byAgentNumber(a: string, b: string): number {
  const n = (s: string) => Number(/agent-(\d+)/.exec(s)?.[1] ?? 0);
  return n(a) - n(b) || a.localeCompare(b);
}

/** `14d`, `12h`, `30m` → milliseconds. */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(d|h|m)$/.exec(text.trim());
  if (!match) throw new UsageError(`--older-than takes an age like 14d, 12h or 30m, not "${text}"`, 'Use d (days), h (hours) or m (minutes).');
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
  return Number(match[1]) * unit;
}
