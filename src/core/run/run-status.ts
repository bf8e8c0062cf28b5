/**
 * Where a run stands, task by task, with what blocks it and the command that moves it on: the document behind
 * `xplan status` and the end of `xplan run`. Pure.
 */
import type { Plan } from '../plan/plan.js';
import { reviewSummary, type TaskReview } from './review.js';
import { blockersOf, lastAttempt, lastReview, countsByState, reviewUsage, runReviewUsage, runUsage, stateLabel, taskUsage, type RunState, type TaskState, type Usage } from './run.js';

/** The agents' usage, with what the acceptance reviews cost beside it. */
export type UsageWithReview = Usage & { review: Usage };

/** A task's latest acceptance review, as status shows it. */
export interface ReviewStatus extends TaskReview {
  met: number;
  total: number;
  summary: string;
}

export interface TaskStatus {
  id: string;
  title: string;
  state: TaskState;
  /** The state as shown: `failed: verify`, `completed: unverified`. */
  label: string;
  agent: number | null;
  branch: string | null;
  worktree: string | null;
  attempt: number;
  reason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  commits: number;
  uncommitted: string[];
  usage: UsageWithReview;
  /** Its latest acceptance review; null before one. */
  review: ReviewStatus | null;
  /** Where its work stands against the integration branch: queued, merging, merged, conflict; null before then. */
  merge: 'queued' | 'merging' | 'merged' | 'conflict' | null;
  /** The merge's size, once merged. */
  diffStat: string | null;
}

export interface Blocker {
  task: string;
  /** What holds it: itself (failed, blocked) or its unfinished dependencies. */
  waitingOn: string[];
  next: string;
}

export interface StatusResult {
  schemaVersion: 1;
  run: {
    id: string;
    status: RunState['status'];
    startedAt: string;
    endedAt: string | null;
    base: RunState['base'];
    branching: RunState['branching'];
    concurrency: number;
    verify: string | null;
    resumeAt: string | null;
    stop: RunState['stop'] | null;
    /** Why xplan paused dispatching itself (too many merge conflicts), with the advice. */
    pauseReason: string | null;
    /** True when the run is active but no xplan process drives it any more (it crashed or was killed). */
    orphaned: boolean;
  };
  counts: Partial<Record<TaskState, number>>;
  total: number;
  tasks: TaskStatus[];
  usage: UsageWithReview;
  blockers: Blocker[];
  integration: { branch: string; head: string; landed: RunState['landed'] | null } | null;
  /** The command that moves the run on, if one does. */
  next: string | null;
}

export function statusOf(plan: Plan, run: RunState, now: Date = new Date()): StatusResult {
  const tasks: TaskStatus[] = [];
  // In plan order; a task the plan no longer has (edited after the run) is still shown, under its id.
  const known = new Set(plan.tasks.map((t) => t.id));
  const order = [
    ...plan.tasks.filter((t) => run.tasks[t.id]),
    ...Object.keys(run.tasks)
      .filter((id) => !known.has(id))
      .map((id) => ({ id, title: id })),
  ];
  for (const task of order) {
    const entry = run.tasks[task.id]!;
    const last = lastAttempt(entry);
    const first = entry.attempts[0];
    const end = entry.endedAt ?? (entry.state === 'running' || entry.state === 'verifying' ? now.toISOString() : last?.endedAt);
    tasks.push({
      id: task.id,
      title: task.title,
      state: entry.state,
      label: stateLabel(entry),
      agent: last?.agent ?? null,
      branch: last?.branch ?? null,
      worktree: last?.worktree ?? null,
      attempt: entry.attempts.length,
      reason: entry.reason ?? null,
      startedAt: first?.startedAt ?? null,
      endedAt: entry.endedAt ?? null,
      durationMs: first && end ? Math.max(0, Date.parse(end) - Date.parse(first.startedAt)) : null,
      commits: entry.commits?.length ?? 0,
      uncommitted: entry.uncommitted ?? [],
      usage: { ...taskUsage(entry), review: reviewUsage(entry) },
      review: reviewStatus(lastReview(entry)),
      merge: entry.state === 'conflict' ? 'conflict' : (entry.merge?.state ?? null),
      diffStat: entry.merge?.diffStat ?? null,
    });
  }
  const blockers: Blocker[] = [];
  for (const task of tasks) {
    const waitingOn = blockersOf(run, plan, task.id);
    if (waitingOn.length === 0) continue;
    blockers.push({ task: task.id, waitingOn, next: nextCommand(run, task.id, waitingOn) });
  }
  return {
    schemaVersion: 1,
    run: {
      id: run.id,
      status: run.status,
      startedAt: run.startedAt,
      endedAt: run.endedAt ?? null,
      base: run.base,
      branching: run.branching,
      concurrency: run.concurrency,
      verify: run.verify,
      resumeAt: run.resumeAt ?? null,
      stop: run.stop ?? null,
      pauseReason: run.pauseReason ?? null,
      orphaned: false,
    },
    counts: countsByState(run),
    total: tasks.length,
    tasks,
    usage: { ...runUsage(run), review: runReviewUsage(run) },
    blockers,
    integration: run.integration ? { branch: run.integration.branch, head: run.integration.head, landed: run.landed ?? null } : null,
    next: nextStep(run, blockers),
  };
}

function reviewStatus(review: TaskReview | undefined): ReviewStatus | null {
  if (!review) return null;
  return { ...review, met: review.verdicts.filter((v) => v.verdict === 'met').length, total: review.verdicts.length, summary: reviewSummary(review) };
}

/** What to do next with the run as a whole. */
function nextStep(run: RunState, blockers: Blocker[]): string | null {
  if (run.status === 'paused' || run.status === 'waiting' || run.status === 'running') {
    if (run.pauseReason && run.status === 'paused') return 'xplan cancel, then xplan plan (it reads the conflict history); or xplan resume';
    return run.status === 'paused' ? 'xplan resume' : null;
  }
  if (run.status === 'completed' && run.integration && !run.landed) return `xplan merge (lands ${run.integration.branch} on ${run.base.branch ?? 'a branch you name with --into'})`;
  const stuck = blockers.find((b) => b.waitingOn.includes(b.task));
  if (stuck) return stuck.next;
  return null;
}

function nextCommand(run: RunState, task: string, waitingOn: string[]): string {
  const self = run.tasks[task];
  if (waitingOn.length === 1 && waitingOn[0] === task && self?.state === 'interrupted') return 'xplan resume (the agent continues in its worktree)';
  const skipped = waitingOn.find((id) => run.tasks[id]?.state === 'skipped');
  if (skipped) return `${skipped} was skipped: xplan retry ${skipped}, or xplan done ${skipped} --reason "…", or xplan skip ${task}`;
  const conflict = waitingOn.find((id) => run.tasks[id]?.state === 'conflict');
  if (conflict) return `xplan retry ${conflict} (it runs again from the integration head), or xplan skip ${conflict}`;
  const held = waitingOn.find((id) => run.tasks[id]?.state === 'held');
  if (held) return `xplan status --json (its review), then xplan done ${held} --reason "…" to accept it, or xplan retry ${held}`;
  const root = waitingOn.find((id) => run.tasks[id]?.state === 'failed' || run.tasks[id]?.state === 'blocked');
  if (root) return `xplan logs ${root}, then xplan retry ${root} (or xplan skip ${root})`;
  return `wait for ${waitingOn.join(', ')}`;
}
