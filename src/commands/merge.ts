/**
 * `xplan merge`: lands a run's integration branch (its verified head) on the branch the run started from, or
 * `--into` another: a fast-forward where it can, else one merge commit. Never pushes. Refuses a target whose
 * checked-out worktree has uncommitted changes; `--dry-run` says what would land and any conflict.
 */
import { count } from '../core/text.js';
import { InputError, runInProgressError, XplanError } from '../core/errors.js';
import { DONE_STATES, isActiveRun, type RunState } from '../core/run/run.js';
import { commitTree, countBetween, diffStat, isAncestor, mergeInWorktree, mergeTree, trackedChanges, updateBranch, worktreeOf, branchHead } from '../adapters/tools/git.js';
import type { MergeResult } from '../core/run/run-result.js';
import type { Workspace } from '../workspace.js';

export interface MergeOptions {
  into?: string | undefined;
  dryRun?: boolean;
  /** Land the merged part of a run that has not completed. */
  partial?: boolean;
  now?: () => Date;
}

export async function merge(options: MergeOptions, ws: Workspace): Promise<MergeResult> {
  const { run } = await ws.requireRun();
  const integration = run.integration;
  if (!integration) {
    throw new InputError(
      'NO_INTEGRATION',
      `Run ${run.id} has no integration branch (single branching keeps all work on ${Object.values(run.tasks)[0]?.attempts[0]?.branch ?? 'one branch'})`,
      'Merge that branch with git, or run with feature or stacked branching.',
    );
  }
  const merged = Object.entries(run.tasks)
    .filter(([, t]) => t.merge?.state === 'merged')
    .map(([id]) => id);
  if (run.status !== 'completed' && !options.partial) {
    const open = Object.entries(run.tasks)
      .filter(([, t]) => !(DONE_STATES.has(t.state) || t.state === 'skipped'))
      .map(([id]) => id);
    throw new XplanError('RUN_NOT_COMPLETED', `Run ${run.id} is ${run.status}${open.length > 0 ? `: ${open.join(', ')} not completed` : ''}`, {
      hint: `Finish it first (\`xplan status\`), or land the ${count(merged.length, 'merged task')} with \`xplan merge --partial\`.`,
    });
  }
  if (isActiveRun(run) && !options.dryRun && !options.partial) throw runInProgressError(run, 'merge');
  const into = options.into ?? run.base.branch;
  if (!into) throw new InputError('NO_TARGET', `Run ${run.id} started on a detached HEAD, so there is no branch to land it on`, 'Name one: `xplan merge --into main`.');
  const target = await branchHead(ws.root, into).catch(() => {
    throw new InputError('NO_TARGET', `There is no branch \`${into}\``, 'Name an existing branch with --into.');
  });
  const head = integration.head;
  const base: MergeResult = {
    schemaVersion: 1,
    run: run.id,
    from: integration.branch,
    into,
    dryRun: options.dryRun ?? false,
    how: 'up-to-date',
    commits: 0,
    diffStat: '',
    tasks: merged,
    conflicts: [],
  };
  if (await isAncestor(ws.root, head, target)) return base;
  const commits = await countBetween(ws.root, target, head);
  const stat = await diffStat(ws.root, target, head);
  const fastForward = await isAncestor(ws.root, target, head);
  const tree = fastForward ? undefined : await mergeTree(ws.root, target, head);
  if (tree && !tree.ok) {
    if (options.dryRun) return { ...base, how: 'conflict', commits, diffStat: stat, conflicts: tree.files };
    throw new XplanError('MERGE_CONFLICT', `Landing run ${run.id} on ${into} conflicts in ${tree.files.join(', ')}`, {
      hint: `${into} moved on since the run started: merge ${integration.branch} by hand and resolve them, or rebase it first.`,
    });
  }
  const how = fastForward ? 'fast-forward' : 'merge';
  if (options.dryRun) return { ...base, how, commits, diffStat: stat };

  const message = `Merge xplan run ${run.id}: ${merged.join(', ')}`;
  const checkedOut = await worktreeOf(ws.root, into);
  let commit: string;
  if (checkedOut) {
    const changed = await trackedChanges(checkedOut);
    if (changed.length > 0) {
      throw new XplanError('DIRTY_WORKTREE', `${into} is checked out in ${checkedOut} with uncommitted changes (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''})`, {
        hint: 'Commit or stash them, then run `xplan merge` again.',
      });
    }
    await mergeInWorktree(checkedOut, head, message);
    commit = await branchHead(ws.root, into);
  } else {
    commit = fastForward ? head : await commitTree(ws.root, (tree as { tree: string }).tree, [target, head], message);
    await updateBranch(ws.root, into, commit, target);
  }
  const at = (options.now?.() ?? new Date()).toISOString();
  await ws.store.update((s) => (s.run?.id === run.id ? { ...s, run: landedRun(s.run, { into, commit, at, tasks: merged }) } : s));
  return { ...base, how, commits, diffStat: stat, commit };
}

function landedRun(run: RunState, landed: NonNullable<RunState['landed']>): RunState {
  return { ...run, landed };
}
