/**
 * Steering a run from outside its orchestrator: pause, resume, retry, skip, done. Each is a pure change of the run
 * state, plus the agents that must be stopped and the events to record. They apply to a running run (another
 * terminal) and to a stopped one alike.
 */
import { XplanError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import {
  BUSY,
  DONE_STATES,
  finalStatus,
  isActiveRun,
  isSettled,
  lastAttempt,
  releaseWaiting,
  recordReview,
  releasesDependents,
  reviewUsage,
  addUsage,
  withTask,
  type Attempt,
  type EventDraft,
  type RunState,
  type TaskRun,
  type Transition,
} from './run.js';
import { reviewSummary, type TaskReview } from './review.js';

export interface ControlChange extends Transition {
  /** Agents to stop: their tasks no longer want them. */
  stop: Array<{ taskId: string; attempt: Attempt }>;
  events: EventDraft[];
}

/** What `pause`, `retry`, `skip`, `done` and `cancel` report. */
export interface ControlResult {
  run: { id: string; status: RunState['status'] };
  /** What changed, in a sentence. */
  message: string;
  /** Tasks whose agents were stopped. */
  stopped: string[];
  /** Whether an orchestrator is driving the run (it picks the change up by itself). */
  driven: boolean;
  next?: string;
}

export class ControlError extends XplanError {
  constructor(message: string, hint?: string) {
    super('RUN_CONTROL', message, { hint, exitCode: 2 });
  }
}

export function pauseRun(run: RunState, options: { now: boolean; by: string }): ControlChange {
  if (!isActiveRun(run)) throw new ControlError(`Run ${run.id} is ${run.status}: there is nothing to pause`, 'See it with `xplan status`.');
  if (run.status === 'paused' && !options.now) throw new ControlError(`Run ${run.id} is already paused`, 'Continue it with `xplan resume`; stop its agents with `xplan pause --now`.');
  let next: RunState = { ...run, status: 'paused' };
  const stop: ControlChange['stop'] = [];
  if (options.now) {
    for (const [id, task] of Object.entries(run.tasks)) {
      if (!BUSY.has(task.state)) continue;
      const attempt = lastAttempt(task);
      if (attempt) stop.push({ taskId: id, attempt });
      next = withTask(next, id, (t) => ({ ...t, state: 'interrupted', reason: `stopped by ${options.by}` }));
    }
  }
  return { run: next, stop, events: [{ type: 'run.paused', now: options.now, by: options.by, interrupted: stop.map((s) => s.taskId) }] };
}

/** Past run.maxConflicts, parallel tasks keep clashing: xplan pauses the run itself and says why (`reason`). */
export function pauseForConflicts(run: RunState, conflicts: { reason: string; files: string[] }): ControlChange {
  const paused = pauseRun(run, { now: false, by: 'xplan: too many merge conflicts' });
  return { ...paused, run: { ...paused.run, pauseReason: conflicts.reason }, events: [...paused.events, { type: 'run.conflicts', reason: conflicts.reason, files: conflicts.files }] };
}

/** `xplan cancel`: the run ends for good; its agents are stopped, its branches and worktrees kept, the plan unlocked. */
export function cancelRun(run: RunState, options: { by: string; at: string }): ControlChange {
  if (!isActiveRun(run)) throw new ControlError(`Run ${run.id} is ${run.status}: there is nothing to cancel`, 'Start a new run with `xplan run`, or re-plan with `xplan plan`.');
  let next: RunState = { ...run, status: 'cancelled', endedAt: options.at };
  const stop: ControlChange['stop'] = [];
  for (const [id, task] of Object.entries(run.tasks)) {
    if (!BUSY.has(task.state)) continue;
    const attempt = lastAttempt(task);
    if (attempt) stop.push({ taskId: id, attempt });
    next = withTask(next, id, (t) => ({ ...t, state: 'interrupted', reason: `stopped by ${options.by}` }));
  }
  return { run: next, stop, events: [{ type: 'run.cancelled', by: options.by, interrupted: stop.map((s) => s.taskId) }] };
}

export function resumeRun(run: RunState): ControlChange {
  if (run.status === 'cancelled') throw new ControlError(`Run ${run.id} was cancelled`, 'Start a new run with `xplan run`.');
  if (run.status === 'completed') throw new ControlError(`Run ${run.id} is completed: there is nothing to resume`, 'Start a new run with `xplan run`.');
  if (run.status === 'failed') {
    throw new ControlError(`Run ${run.id} ended with failed tasks`, 'Try them again with `xplan retry <task>` (then `xplan resume`), or skip them with `xplan skip <task>`.');
  }
  const waiting = run.status === 'waiting' && run.resumeAt !== undefined;
  return { run: { ...run, status: waiting ? 'waiting' : 'running', stop: undefined, endedAt: undefined, pauseReason: undefined }, stop: [], events: [{ type: 'run.resumed', reason: 'xplan resume' }] };
}

export function retryTask(run: RunState, plan: Plan, id: string, options: { context?: string; fresh: boolean }): ControlChange {
  const task = taskOf(run, id);
  if (!['failed', 'blocked', 'conflict', 'interrupted', 'skipped', 'unverified', 'held'].includes(task.state)) {
    throw new ControlError(`${id} is ${task.state}: only a failed, blocked, conflicting, interrupted, skipped, unverified or held task can be retried`, 'See the task states with `xplan status`.');
  }
  if (!isActiveRun(run) && run.status === 'cancelled') throw new ControlError(`Run ${run.id} was cancelled`, 'Start a new run with `xplan run`.');
  // A conflicting task starts again from the integration head, where the work it clashed with now is.
  const fresh = options.fresh || task.state === 'conflict';
  let next = withTask(run, id, (t) => ({
    ...t,
    state: dependenciesDone(run, plan, id) ? 'ready' : 'waiting',
    failure: undefined,
    reason: undefined,
    endedAt: undefined,
    transientFailures: 0,
    stops: 0,
    // How the last attempt ended goes into the next prompt.
    retryRequest: { ...(options.context ? { context: options.context } : {}), fresh, ...(t.reason ? { after: t.reason } : {}) },
  }));
  next = reopen(next);
  return { run: next, stop: [], events: [{ type: 'task.retry', taskId: id, fresh, context: options.context !== undefined }] };
}

export function skipTask(run: RunState, plan: Plan, id: string, options: { cascade: boolean; reason?: string }): ControlChange {
  const task = taskOf(run, id);
  if (DONE_STATES.has(task.state) || task.state === 'skipped') throw new ControlError(`${id} is ${task.state}: there is nothing to skip`, 'See the task states with `xplan status`.');
  const ids = [id, ...(options.cascade ? dependentsOf(plan, id).filter((d) => run.tasks[d] && !DONE_STATES.has(run.tasks[d].state) && run.tasks[d].state !== 'skipped') : [])];
  let next = run;
  const stop: ControlChange['stop'] = [];
  const events: EventDraft[] = [];
  for (const target of ids) {
    const entry = next.tasks[target]!;
    const attempt = lastAttempt(entry);
    if (BUSY.has(entry.state) && attempt) stop.push({ taskId: target, attempt });
    const reason = target === id ? (options.reason ?? 'skipped by hand') : `skipped with ${id}`;
    next = withTask(next, target, (t) => ({ ...t, state: 'skipped', failure: undefined, reason }));
    events.push({ type: 'task.skipped', taskId: target, reason });
  }
  return { run: settleIfIdle(next), stop, events };
}

export function forceDone(run: RunState, plan: Plan, id: string, options: { reason: string; by: string; at: string }): ControlChange {
  const task = taskOf(run, id);
  if (task.state === 'completed') throw new ControlError(`${id} is already completed`, 'See the task states with `xplan status`.');
  const attempt = lastAttempt(task);
  const stop = BUSY.has(task.state) && attempt ? [{ taskId: id, attempt }] : [];
  let next = withTask(run, id, (t) => ({
    ...t,
    state: 'completed',
    failure: undefined,
    reason: `done by hand: ${options.reason}`,
    forced: { by: options.by, reason: options.reason, at: options.at },
    endedAt: options.at,
  }));
  next = releaseWaiting(next, plan);
  // Released dependents need an orchestrator: a run that had ended is open again for `xplan resume`.
  next = Object.values(next.tasks).some((t) => t.state === 'ready') ? reopen(next) : settleIfIdle(next);
  return { run: next, stop, events: [{ type: 'task.done', taskId: id, by: options.by, reason: options.reason }] };
}

/**
 * `xplan review T3`: a review run by hand is kept on the task with its cost. A held task, or one failed by its
 * review, that is now accepted goes to the merge queue (with the run open again for `xplan resume`); any other
 * task stays as it is.
 */
export function recordManualReview(run: RunState, plan: Plan, id: string, review: TaskReview, at: string): ControlChange & { requeued: boolean } {
  const task = taskOf(run, id);
  const waitsOnReview = task.state === 'held' || (task.state === 'failed' && task.failure === 'review');
  if (review.outcome === 'accepted' && waitsOnReview && run.status !== 'cancelled') {
    // An accepted review merges under any policy.
    const merged = recordReview(run, plan, id, review, { autoRetry: 0, onUncertain: 'hold' }, at);
    return { run: reopen(merged.run), events: merged.events, stop: [], requeued: true };
  }
  const kept = withTask(run, id, (t) => ({ ...t, reviews: [...(t.reviews ?? []), review], reviewUsage: addUsage(reviewUsage(t), review.usage) }));
  const met = review.verdicts.filter((v) => v.verdict === 'met').length;
  return {
    run: kept,
    events: [{ type: 'task.reviewed', taskId: id, attempt: review.attempt, outcome: review.outcome, met, total: review.verdicts.length, summary: reviewSummary(review) }],
    stop: [],
    requeued: false,
  };
}

/**
 * A run that had ended gets work again: it is running once more (not paused: nobody asked it to wait), and
 * `xplan resume` or the live orchestrator goes on with it.
 */
function reopen(run: RunState): RunState {
  return isActiveRun(run) ? run : { ...run, status: 'running', endedAt: undefined, stop: undefined };
}

/** An ended run whose last open task was settled by hand gets its final status again. */
function settleIfIdle(run: RunState): RunState {
  return !isActiveRun(run) && isSettled(run) ? { ...run, status: finalStatus(run) } : run;
}

function taskOf(run: RunState, id: string): TaskRun {
  // An own property only: an id such as `constructor` is not a task.
  const task = Object.hasOwn(run.tasks, id) ? run.tasks[id] : undefined;
  if (!task) throw new ControlError(`Task ${id} is not part of run ${run.id}`, `The run has ${Object.keys(run.tasks).join(', ')}.`);
  return task;
}

function dependenciesDone(run: RunState, plan: Plan, id: string): boolean {
  const deps = plan.tasks.find((t) => t.id === id)?.dependsOn ?? [];
  return deps.every((dep) => !run.tasks[dep] || releasesDependents(run, run.tasks[dep]));
}

/** Every task that depends on `id`, directly or not. */
export function dependentsOf(plan: Plan, id: string): string[] {
  const found = new Set<string>();
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const task of plan.tasks) {
      if (task.dependsOn.includes(current) && !found.has(task.id)) {
        found.add(task.id);
        queue.push(task.id);
      }
    }
  }
  return [...found];
}
