/**
 * Run state and its transitions: which task may start, what an agent's outcome does to its task, when a run is
 * over. Pure: the engine (src/run/) does the git, process and file work and records the results through these
 * named changes, never by writing the state inline.
 */
import { count } from '../text.js';
import type { Branching, Plan, Task } from '../plan/plan.js';
import type { Reservation } from './reservations.js';
import { afterReview, reviewSummary, type TaskReview, type UncertainPolicy } from './review.js';
import type { EventDraft, RunEvent } from './run-events.js';

export const TASK_STATES = [
  'waiting', // a dependency is not done yet
  'ready',
  'running',
  'verifying',
  'reviewing', // its work passed verify; the acceptance review is under way or due (at retryAt)
  'held', // the review could not tell whether every criterion is met: it waits for the lead (`xplan review`, `done`, `retry`)
  'retrying', // a transient failure; dispatched again at retryAt
  'completed',
  'unverified', // completed, but no verify command is configured
  'failed',
  'blocked', // cannot start: its branch base could not be made (a merge conflict)
  'conflict', // its branch conflicts with the integration branch; `xplan retry` runs it again from there
  'skipped',
  'interrupted',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Why a task failed; shown as `failed: <failure>`. */
export type Failure = 'verify' | 'no commits' | 'agent error' | 'max turns' | 'budget' | 'crash' | 'transient' | 'conflict' | 'timeout' | 'stalled' | 'integration' | 'merge' | 'review';

export type RunStatus = 'running' | 'waiting' | 'paused' | 'completed' | 'failed' | 'stopped' | 'cancelled';

export type { EventDraft, EventOf, RunEvent, RunEventType } from './run-events.js';

/** A change of the run with the events that record it: what every transition that says something returns. */
export interface Transition {
  run: RunState;
  events: EventDraft[];
}

const ACTIVE_RUN_STATUSES: readonly string[] = ['running', 'waiting', 'paused'];

/** A run that is going or can go on: the plan must not change under it, and it holds its worktrees. */
export function isActiveRun(run: { status: string } | undefined): boolean {
  return run !== undefined && ACTIVE_RUN_STATUSES.includes(run.status);
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  turns: number;
}

export interface Commit {
  sha: string;
  subject: string;
}

export interface Attempt {
  /** Agent number, unique within the run; it names the branch, the worktree and the run directory. */
  agent: number;
  branch: string;
  worktree: string;
  sessionId: string;
  /** The commit the task's work is counted from (the first attempt's start, for continued attempts). */
  base: string;
  startedAt: string;
  endedAt?: string;
  outcome?: string;
  usage?: Usage;
  /** Times this attempt was continued in place (`claude --resume`) after an interruption. */
  resumes?: number;
}

export interface TaskRun {
  state: TaskState;
  failure?: Failure;
  reason?: string;
  attempts: Attempt[];
  /** Transient failures so far; bounded by the retry limit. */
  transientFailures: number;
  retryAt?: string;
  commits?: Commit[];
  /** Files the agent left uncommitted in its worktree (kept there, not lost). */
  uncommitted?: string[];
  verified?: boolean;
  endedAt?: string;
  /** Agents stopped for a timeout or stalled output; one such stop is retried, the next fails the task. */
  stops?: number;
  /** `xplan retry`: the next attempt's extra context, and whether it starts afresh instead of from the last branch. */
  retryRequest?: { context?: string; fresh: boolean; after?: string };
  /** `xplan done`: completed by hand, by whom and why. */
  forced?: { by: string; reason: string; at: string };
  /** The task's way into the integration branch, once its work is completed. */
  merge?: MergeRecord;
  /** Why its branch could not be merged: the contested files and the merged tasks they clash with. */
  conflict?: { files: string[]; with: string[]; at: string };
  /** Its acceptance reviews, oldest first: one per reviewed attempt (and each `xplan review`). */
  reviews?: TaskReview[];
  /** What every review call cost, those that could not finish included; kept apart from the agents' usage. */
  reviewUsage?: Usage;
  /** Review calls of the current attempt that could not run (timeout, transient); bounded by run.retries. */
  reviewFailures?: number;
}

/**
 * `queued`: waiting its turn in the merge queue; `merging`: being merged and verified (`before` is the integration
 * head to return to if that is undone); `merged`: in the integration branch as `commit`.
 */
export interface MergeRecord {
  state: 'queued' | 'merging' | 'merged';
  before?: string;
  commit?: string;
  /** `3 files changed, 40 insertions(+), 2 deletions(-)` of the merge. */
  diffStat?: string;
  at?: string;
}

/** The run's integration branch: every completed task is merged into it, and dependents start from its head. */
export interface Integration {
  branch: string;
  worktree: string;
  head: string;
  /** The verify command run on it after each merge; null for none. */
  verify: string | null;
}

export interface RunState {
  id: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  /** The commit and branch the run started from. */
  base: { commit: string; branch: string | null };
  branching: Branching;
  concurrency: number;
  verify: string | null;
  planHash: string;
  nextAgent: number;
  /** Until when a usage limit holds the run (status `waiting`). */
  resumeAt?: string;
  /** Why the run stopped early, with the fix. */
  stop?: { message: string; hint?: string };
  tasks: Record<string, TaskRun>;
  /** Files held by running tasks (core/run/reservations.ts); rebuilt from the running tasks on resume. */
  reservations?: Reservation[];
  /** The events of the last state write, kept until they are surely in events.jsonl. */
  outbox?: RunEvent[];
  /** Absent in `single` branching, where the one branch is integrated by construction. */
  integration?: Integration;
  /** Why dispatching was paused by xplan itself (too many conflicts), with the advice. */
  pauseReason?: string;
  /** Merges that conflicted in this run. */
  conflicts?: number;
  /** `xplan merge`: where the integration branch landed. */
  landed?: { into: string; commit: string; at: string; tasks: string[] };
}

/** States that release a task's dependents. A skipped task holds them: what they build on does not exist. */
export const DONE_STATES: ReadonlySet<TaskState> = new Set(['completed', 'unverified']);
export const BUSY: ReadonlySet<TaskState> = new Set(['running', 'verifying']);
/** States a run can end with and still be complete. */
const COMPLETE_STATES: ReadonlySet<TaskState> = new Set(['completed', 'unverified', 'skipped']);
const FINAL_STATES: ReadonlySet<TaskState> = new Set(['completed', 'unverified', 'skipped', 'failed', 'blocked', 'conflict', 'held']);

/** Whether a task's dependents may start: its work is done and, where the run integrates, merged. */
export function releasesDependents(run: RunState, task: TaskRun): boolean {
  if (!DONE_STATES.has(task.state)) return false;
  return !run.integration || task.forced !== undefined || task.merge?.state === 'merged';
}

/** Whether a completed task still waits to be merged. */
export function awaitsMerge(run: RunState, task: TaskRun): boolean {
  return run.integration !== undefined && DONE_STATES.has(task.state) && task.forced === undefined && task.merge?.state !== 'merged';
}

export function stateLabel(task: Pick<TaskRun, 'state' | 'failure' | 'forced'>): string {
  if (task.state === 'unverified') return 'completed: unverified';
  if (task.state === 'completed' && task.forced) return 'completed: by hand';
  if (task.state === 'held') return 'held: review';
  return task.failure && (task.state === 'failed' || task.state === 'blocked') ? `${task.state}: ${task.failure}` : task.state;
}

export function newRun(input: {
  id: string;
  now: string;
  plan: Plan;
  taskIds: string[];
  base: RunState['base'];
  concurrency: number;
  verify: string | null;
  planHash: string;
  integration?: Integration;
}): RunState {
  const tasks: Record<string, TaskRun> = {};
  for (const id of input.taskIds) tasks[id] = { state: 'waiting', attempts: [], transientFailures: 0 };
  const run: RunState = {
    id: input.id,
    status: 'running',
    startedAt: input.now,
    base: input.base,
    branching: input.plan.branching,
    // One branch means one agent at a time.
    concurrency: input.plan.branching === 'single' ? 1 : input.concurrency,
    verify: input.verify,
    planHash: input.planHash,
    nextAgent: 1,
    tasks,
    ...(input.integration ? { integration: input.integration } : {}),
  };
  return releaseWaiting(run, input.plan);
}

/** Tasks whose dependencies are all done become ready. Dependencies outside the run count as done. */
export function releaseWaiting(run: RunState, plan: Plan): RunState {
  let tasks: Record<string, TaskRun> | undefined;
  for (const task of plan.tasks) {
    const entry = run.tasks[task.id];
    if (entry?.state !== 'waiting') continue;
    if (task.dependsOn.every((dep) => !run.tasks[dep] || releasesDependents(run, run.tasks[dep]))) {
      tasks ??= { ...run.tasks };
      tasks[task.id] = { ...entry, state: 'ready' };
    }
  }
  return tasks ? { ...run, tasks } : run;
}

/**
 * The tasks to start now, in plan order, within the free agent slots. `held` names the tasks whose files a running
 * task holds: they wait like a task waits for a dependency, and leave their slot to the next.
 */
export function tasksToDispatch(run: RunState, plan: Plan, now: Date, held: (id: string) => boolean = () => false): Task[] {
  if (run.status !== 'running') return [];
  let free = run.concurrency - Object.values(run.tasks).filter((t) => BUSY.has(t.state)).length;
  const picked: Task[] = [];
  for (const task of plan.tasks) {
    if (free <= 0) break;
    const entry = run.tasks[task.id];
    if (!entry) continue;
    const due = entry.state === 'ready' || entry.state === 'interrupted' || (entry.state === 'retrying' && entry.retryAt !== undefined && Date.parse(entry.retryAt) <= now.getTime());
    if (!due || held(task.id)) continue;
    picked.push(task);
    free--;
  }
  return picked;
}

/** When the next retry falls due, if any task is waiting for one. */
export function nextRetryAt(run: RunState): number | undefined {
  let next: number | undefined;
  for (const entry of Object.values(run.tasks)) {
    if ((entry.state !== 'retrying' && entry.state !== 'reviewing') || !entry.retryAt) continue;
    const at = Date.parse(entry.retryAt);
    if (next === undefined || at < next) next = at;
  }
  return next;
}

export function lastAttempt(task: TaskRun | undefined): Attempt | undefined {
  return task?.attempts[task.attempts.length - 1];
}

export function withTask(run: RunState, id: string, change: (task: TaskRun) => TaskRun): RunState {
  const current = run.tasks[id];
  if (!current) throw new Error(`task ${id} is not part of run ${run.id}`);
  return { ...run, tasks: { ...run.tasks, [id]: change(current) } };
}

export function startAttempt(run: RunState, id: string, attempt: Attempt): RunState {
  const next = withTask(run, id, (task) => ({
    ...task,
    state: 'running',
    failure: undefined,
    reason: undefined,
    retryAt: undefined,
    retryRequest: undefined,
    attempts: [...task.attempts, attempt],
  }));
  return { ...next, nextAgent: Math.max(run.nextAgent, attempt.agent + 1) };
}

export function endAttempt(run: RunState, id: string, fields: { outcome: string; usage?: Usage; endedAt: string }): RunState {
  return withTask(run, id, (task) => {
    const attempts = task.attempts.slice();
    const last = attempts.pop();
    return last ? { ...task, attempts: [...attempts, { ...last, ...fields }] } : task;
  });
}

/** What happened to a task after its agent ended: the orchestrator's verdict, applied to the run. */
export type TaskVerdict =
  | { kind: 'verifying' }
  | { kind: 'completed'; verified: boolean; commits: Commit[]; uncommitted: string[]; now: string }
  /** The work is checked; the acceptance review decides whether it is merged. */
  | { kind: 'reviewing'; verified: boolean; commits: Commit[]; uncommitted: string[]; now: string }
  | { kind: 'failed'; failure: Failure; reason: string; commits?: Commit[]; uncommitted?: string[]; now: string }
  | { kind: 'blocked'; failure: Failure; reason: string; now: string }
  | { kind: 'retry'; reason: string; retryAt: string }
  /** Not the task's fault (a usage limit, a fatal setup problem): it goes back to ready. */
  | { kind: 'requeue'; reason: string }
  /** Stopped for a timeout or stalled output, and tried once more. */
  | { kind: 'stopped'; reason: string; retryAt: string }
  /** A fatal setup problem (not logged in, claude missing): the task goes back to ready and dispatching stops. */
  | { kind: 'fatal'; reason: string; hint?: string }
  /** A usage limit: the task goes back to ready and the run waits until the limit resets. */
  | { kind: 'usage-limit'; reason: string; resumeAt: string };

export function applyVerdict(run: RunState, plan: Plan, id: string, verdict: TaskVerdict): RunState {
  if (verdict.kind === 'fatal')
    return { ...applyVerdict(run, plan, id, { kind: 'requeue', reason: verdict.reason }), stop: { message: verdict.reason, ...(verdict.hint ? { hint: verdict.hint } : {}) } };
  if (verdict.kind === 'usage-limit') {
    const next = applyVerdict(run, plan, id, { kind: 'requeue', reason: verdict.reason });
    return { ...next, ...(run.status === 'running' ? { status: 'waiting' as const } : {}), resumeAt: verdict.resumeAt };
  }
  const next = withTask(run, id, (task): TaskRun => {
    switch (verdict.kind) {
      case 'verifying':
        return { ...task, state: 'verifying' };
      case 'reviewing':
        return {
          ...task,
          state: 'reviewing',
          verified: verdict.verified,
          failure: undefined,
          reason: undefined,
          retryAt: undefined,
          reviewFailures: 0,
          commits: verdict.commits,
          uncommitted: verdict.uncommitted,
          endedAt: verdict.now,
          conflict: undefined,
        };
      case 'completed':
        return {
          ...task,
          state: verdict.verified ? 'completed' : 'unverified',
          verified: verdict.verified,
          failure: undefined,
          reason: verdict.uncommitted.length > 0 ? `${count(verdict.uncommitted.length, 'uncommitted file')} left in the worktree` : undefined,
          commits: verdict.commits,
          uncommitted: verdict.uncommitted,
          endedAt: verdict.now,
          conflict: undefined,
          ...(run.integration ? { merge: { state: 'queued' as const } } : {}),
        };
      case 'failed':
        return {
          ...task,
          state: 'failed',
          failure: verdict.failure,
          reason: verdict.reason,
          commits: verdict.commits ?? task.commits,
          uncommitted: verdict.uncommitted ?? task.uncommitted,
          endedAt: verdict.now,
        };
      case 'blocked':
        return { ...task, state: 'blocked', failure: verdict.failure, reason: verdict.reason, endedAt: verdict.now };
      case 'retry':
        return { ...task, state: 'retrying', reason: verdict.reason, retryAt: verdict.retryAt, transientFailures: task.transientFailures + 1 };
      case 'requeue':
        return { ...task, state: 'ready', reason: verdict.reason };
      case 'stopped':
        return { ...task, state: 'retrying', reason: verdict.reason, retryAt: verdict.retryAt, stops: (task.stops ?? 0) + 1 };
    }
  });
  return verdict.kind === 'completed' ? releaseWaiting(next, plan) : next;
}

/** The reservations held now, kept with the run so `status` can say who holds what. */
export function withReservations(run: RunState, reservations: Reservation[]): RunState {
  return { ...run, reservations };
}

/** A ready task waits for files another running task holds: the reason is shown until it starts. */
export function waitForFiles(run: RunState, id: string, reason: string | undefined): RunState {
  return withTask(run, id, (t) => ({ ...t, reason }));
}

/** Agent numbers up to `agent` are taken, even if its attempt never started. */
export function useAgentNumber(run: RunState, agent: number): RunState {
  return { ...run, nextAgent: Math.max(run.nextAgent, agent + 1) };
}

/** A busy task whose agent ended while no engine watched it: it continues later, in place. */
export function markInterrupted(run: RunState, id: string, reason: string): RunState {
  return withTask(run, id, (t) => ({ ...t, state: 'interrupted', reason }));
}

/** An interrupted attempt starts again in its own worktree (`claude --resume`, or a fresh session there). */
export function continueAttempt(run: RunState, id: string, attempt: Attempt): RunState {
  return withTask(run, id, (t) => ({ ...t, state: 'running', reason: undefined, attempts: [...t.attempts.slice(0, -1), attempt] }));
}

/** The usage limit has reset: dispatching goes on. */
export function resumeAfterLimit(run: RunState): RunState {
  return { ...run, status: 'running', resumeAt: undefined };
}

/** Whether a waiting run's usage limit has reset by `now`. */
export function limitHasReset(run: RunState, now: Date): boolean {
  return run.status === 'waiting' && run.resumeAt !== undefined && Date.parse(run.resumeAt) <= now.getTime();
}

/** The next completed task to merge, in the plan's merge order; none while a merge is under way. */
export function nextToMerge(run: RunState, plan: Plan): string | undefined {
  if (!run.integration) return undefined;
  const tasks = Object.values(run.tasks);
  if (tasks.some((t) => t.merge?.state === 'merging')) return undefined;
  const order = plan.mergeOrder.length > 0 ? plan.mergeOrder : plan.tasks.map((t) => t.id);
  return order.find((id) => {
    const entry = run.tasks[id];
    return entry !== undefined && DONE_STATES.has(entry.state) && entry.merge?.state === 'queued';
  });
}

/** A merge begins: `before` is the integration head to return to if it is undone. */
export function startMerge(run: RunState, id: string, before: string, at: string): RunState {
  return withTask(run, id, (t) => ({ ...t, merge: { state: 'merging', before, at } }));
}

/** The merge landed and its verify passed: the integration head moves on and dependents may start. */
export function mergeLanded(run: RunState, plan: Plan, id: string, landed: { commit: string; diffStat: string; at: string }): RunState {
  const next = withTask(run, id, (t) => ({ ...t, merge: { state: 'merged', commit: landed.commit, diffStat: landed.diffStat, at: landed.at } }));
  return releaseWaiting({ ...next, integration: { ...run.integration!, head: landed.commit } }, plan);
}

/** The branch conflicts with the integration branch: the merge was aborted; the task waits for `xplan retry`. */
export function mergeConflicted(run: RunState, id: string, conflict: { files: string[]; with: string[]; at: string }): RunState {
  const clash = conflict.with.length > 0 ? ` with ${conflict.with.join(', ')}` : '';
  const next = withTask(run, id, (t) => ({
    ...t,
    state: 'conflict',
    failure: 'conflict',
    reason: `merging into the integration branch conflicts in ${conflict.files.join(', ')}${clash}`,
    merge: undefined,
    conflict,
    endedAt: conflict.at,
  }));
  return { ...next, conflicts: (run.conflicts ?? 0) + 1 };
}

/** The integration verify failed after the merge, which was undone. */
export function integrationFailed(run: RunState, id: string, reason: string, at: string): RunState {
  return withTask(run, id, (t) => ({ ...t, state: 'failed', failure: 'integration', reason, merge: undefined, endedAt: at }));
}

/** git itself would not merge the task (not its content): a failure of its own, kept out of the conflict history. */
export function mergeErrored(run: RunState, id: string, reason: string, at: string): RunState {
  return withTask(run, id, (t) => ({ ...t, state: 'failed', failure: 'merge', reason, merge: undefined, endedAt: at }));
}

/**
 * The task's commits change a file another running task has reserved (committed past the commit guard, with
 * `--no-verify`): it is not merged, and waits for a person (`xplan retry` once that task is merged).
 */
export function mergeHeld(run: RunState, id: string, reason: string, at: string): RunState {
  return withTask(run, id, (t) => ({ ...t, state: 'blocked', failure: 'conflict', reason, merge: undefined, endedAt: at }));
}

/** A merge interrupted by a crash was undone: the task takes its turn again. */
export function requeueMerge(run: RunState, id: string): RunState {
  return withTask(run, id, (t) => ({ ...t, merge: { state: 'queued' } }));
}

/** Tasks whose merges conflicted in this run. */
export function conflictCount(run: RunState): number {
  return run.conflicts ?? 0;
}

/** A settled run ends with the status its tasks earned. */
export function endRun(run: RunState, at: string): RunState {
  return { ...run, status: finalStatus(run), endedAt: at };
}

/** Exponential backoff: base, 2×base, 4×base… */
export function backoffMs(baseMs: number, failuresSoFar: number): number {
  return baseMs * 2 ** failuresSoFar;
}

/** True when nothing is running and nothing can start any more: the run is over. */
export function isSettled(run: RunState): boolean {
  return Object.values(run.tasks).every((t) => (FINAL_STATES.has(t.state) || t.state === 'waiting') && !awaitsMerge(run, t));
}

/** The status a settled run ends with. */
export function finalStatus(run: RunState): RunStatus {
  if (run.stop) return 'stopped';
  return Object.values(run.tasks).every((t) => COMPLETE_STATES.has(t.state)) ? 'completed' : 'failed';
}

export function countsByState(run: RunState): Partial<Record<TaskState, number>> {
  const counts: Partial<Record<TaskState, number>> = {};
  for (const task of Object.values(run.tasks)) counts[task.state] = (counts[task.state] ?? 0) + 1;
  return counts;
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costUsd: Math.round((a.costUsd + b.costUsd) * 1e6) / 1e6,
    turns: a.turns + b.turns,
  };
}

/** What the task's acceptance reviews cost (apart from `taskUsage`, its agents'). */
export function reviewUsage(task: TaskRun): Usage {
  return task.reviewUsage ?? ZERO_USAGE;
}

export function runReviewUsage(run: RunState): Usage {
  return Object.values(run.tasks).reduce((sum, task) => addUsage(sum, reviewUsage(task)), ZERO_USAGE);
}

/** The task's latest review, if any. */
export function lastReview(task: TaskRun | undefined): TaskReview | undefined {
  return task?.reviews?.[task.reviews.length - 1];
}

export function taskUsage(task: TaskRun): Usage {
  return task.attempts.reduce((sum, attempt) => (attempt.usage ? addUsage(sum, attempt.usage) : sum), ZERO_USAGE);
}

export function runUsage(run: RunState): Usage {
  return Object.values(run.tasks).reduce((sum, task) => addUsage(sum, taskUsage(task)), ZERO_USAGE);
}

/**
 * For a task that cannot move, what holds it: the unfinished dependencies of a waiting task, or the task itself
 * when it failed or is blocked.
 */
export function blockersOf(run: RunState, plan: Plan, id: string): string[] {
  const entry = run.tasks[id];
  if (!entry) return [];
  if (entry.state === 'failed' || entry.state === 'blocked' || entry.state === 'conflict' || entry.state === 'interrupted' || entry.state === 'held') return [id];
  if (entry.state !== 'waiting') return [];
  const task = plan.tasks.find((t) => t.id === id);
  return (task?.dependsOn ?? []).filter((dep) => run.tasks[dep] !== undefined && !releasesDependents(run, run.tasks[dep]));
}

// ── Transitions with their events ────────────────────────────────────────────────────────────────────────────────
// The engine records what happens through these: each returns the changed run and the events that say so, so no
// caller writes an event by hand.

/** A write that changes nothing and says nothing (the reservations table still goes with it). */
export function unchanged(run: RunState): Transition {
  return { run, events: [] };
}

/** The events a new run starts with. */
export function runStarted(run: RunState, input: { pid: number; secrets?: { policy: 'warn' | 'redact' | 'block'; findings: string[] } }): Transition {
  const events: EventDraft[] = [
    {
      type: 'run.started',
      integration: run.integration?.branch,
      base: run.base,
      branching: run.branching,
      concurrency: run.concurrency,
      tasks: Object.keys(run.tasks),
      verify: run.verify,
      pid: input.pid,
    },
  ];
  if (input.secrets && input.secrets.findings.length > 0) events.push({ type: 'secrets.found', policy: input.secrets.policy, findings: input.secrets.findings });
  return { run, events };
}

/** An attempt is recorded before its agent starts; `worktree` is as shown (relative to the repository). */
export function dispatchTask(run: RunState, id: string, attempt: Attempt, shownWorktree: string): Transition {
  const number = (run.tasks[id]?.attempts.length ?? 0) + 1;
  return {
    run: startAttempt(run, id, attempt),
    events: [{ type: 'task.dispatched', taskId: id, agent: attempt.agent, attempt: number, branch: attempt.branch, worktree: shownWorktree, sessionId: attempt.sessionId }],
  };
}

/** An interrupted attempt goes on in its worktree, in its own session (`resumed`) or a new one. */
export function resumeTask(run: RunState, id: string, attempt: Attempt, session: 'resumed' | 'new'): Transition {
  return { run: continueAttempt(run, id, attempt), events: [{ type: 'task.resumed', taskId: id, agent: attempt.agent, session, sessionId: attempt.sessionId }] };
}

export function interruptTask(run: RunState, id: string, reason: string): Transition {
  return { run: markInterrupted(run, id, reason), events: [{ type: 'task.interrupted', taskId: id, reason }] };
}

/** An agent its task no longer wanted was found running and stopped: the run itself is unchanged. */
export function strayAgentStopped(run: RunState, stray: { taskId: string; agent: number; pid: number; reason: string }): Transition {
  return { run, events: [{ type: 'agent.stopped', taskId: stray.taskId, agent: stray.agent, pid: stray.pid, reason: stray.reason }] };
}

/** A ready task waits for a file a running task holds, or (no holder) no longer does. */
export function noteWaiting(run: RunState, id: string, holder: { taskId: string; file: string } | undefined): Transition {
  const reason = holder ? `waits for ${holder.taskId}, which holds ${holder.file}` : undefined;
  return { run: waitForFiles(run, id, reason), events: holder ? [{ type: 'task.waiting', taskId: id, heldBy: holder.taskId, file: holder.file }] : [] };
}

/** What a verdict's event adds: a no-commits failure names what was left uncommitted, a verify failure its log. */
export interface VerdictDetail {
  uncommitted?: string[];
  log?: string;
}

/** The verdict on a task, with its event; the agent and branch are those of the task's last attempt. */
export function settleTask(run: RunState, plan: Plan, id: string, verdict: TaskVerdict, detail: VerdictDetail = {}): Transition {
  const entry = run.tasks[id];
  const attempt = lastAttempt(entry);
  const agent = attempt?.agent ?? 0;
  const next = applyVerdict(run, plan, id, verdict);
  const events: EventDraft[] = [];
  switch (verdict.kind) {
    case 'verifying':
      events.push({ type: 'task.verifying', taskId: id, agent });
      break;
    case 'reviewing':
      events.push({ type: 'task.reviewing', taskId: id, agent, attempt: entry?.attempts.length ?? 0 });
      break;
    case 'completed':
      events.push({ type: 'task.completed', taskId: id, agent, branch: attempt?.branch ?? '', verified: verdict.verified, commits: verdict.commits.length, uncommitted: verdict.uncommitted });
      break;
    case 'failed':
      events.push({ type: 'task.failed', taskId: id, failure: verdict.failure, reason: verdict.reason, ...detail });
      break;
    case 'blocked':
      events.push({ type: 'task.blocked', taskId: id, reason: verdict.reason });
      break;
    case 'retry':
    case 'stopped':
      events.push({ type: 'task.retrying', taskId: id, agent, reason: verdict.reason, retryAt: verdict.retryAt, attempt: (entry?.attempts.length ?? 0) + 1 });
      break;
    case 'fatal':
      events.push({ type: 'run.stopping', taskId: id, reason: verdict.reason, hint: verdict.hint });
      break;
    case 'usage-limit':
      events.push({ type: 'run.waiting', taskId: id, reason: verdict.reason, resumeAt: verdict.resumeAt });
      break;
    case 'requeue':
      break;
  }
  return { run: next, events };
}

/** The usage limit has reset: dispatching goes on. */
export function limitReset(run: RunState): Transition {
  return { run: resumeAfterLimit(run), events: [{ type: 'run.resumed', reason: 'usage limit reset' }] };
}

/** A settled run ends with the status its tasks earned. */
export function finishRun(run: RunState, at: string): Transition {
  const next = endRun(run, at);
  return { run: next, events: [{ type: 'run.ended', status: next.status, stop: next.stop }] };
}

/** A merge begins, from the integration head; it is recorded before it starts, so a crash mid-merge is undone. */
export function beginMerge(run: RunState, id: string, at: string): Transition {
  const integration = run.integration!;
  const branch = lastAttempt(run.tasks[id])?.branch ?? '';
  return { run: startMerge(run, id, integration.head, at), events: [{ type: 'task.merging', taskId: id, branch, into: integration.branch }] };
}

export function landMerge(run: RunState, plan: Plan, id: string, landed: { commit: string; diffStat: string; at: string }): Transition {
  return { run: mergeLanded(run, plan, id, landed), events: [{ type: 'task.merged', taskId: id, commit: landed.commit, diffStat: landed.diffStat }] };
}

/** A merge was undone (cut short, stopped, or refused by git for a passing reason): the task takes its turn again. */
export function undoMerge(run: RunState, id: string, reason: string): Transition {
  return { run: requeueMerge(run, id), events: [{ type: 'task.merge-undone', taskId: id, reason }] };
}

export function conflictMerge(run: RunState, id: string, conflict: { files: string[]; with: string[]; at: string }): Transition {
  return { run: mergeConflicted(run, id, conflict), events: [{ type: 'task.conflict', taskId: id, files: conflict.files, with: conflict.with }] };
}

/** The integration verify failed (its log kept at `log`), or merging broke: the task fails. */
export function failIntegration(run: RunState, id: string, reason: string, at: string, log?: string): Transition {
  return { run: integrationFailed(run, id, reason, at), events: [{ type: 'task.failed', taskId: id, failure: 'integration', reason, ...(log !== undefined ? { log } : {}) }] };
}

/** git kept refusing to merge the task for another reason than its content. */
/** The task's commits change `file`, which `heldBy` (still running) has reserved: it is held, not merged. */
export function holdMerge(run: RunState, id: string, held: { reason: string; file: string; heldBy: string; at: string }): Transition {
  return { run: mergeHeld(run, id, held.reason, held.at), events: [{ type: 'task.blocked', taskId: id, reason: held.reason, file: held.file, heldBy: held.heldBy }] };
}

export function failMerge(run: RunState, id: string, reason: string, at: string): Transition {
  return { run: mergeErrored(run, id, reason, at), events: [{ type: 'task.failed', taskId: id, failure: 'merge', reason }] };
}

// ── The acceptance review ────────────────────────────────────────────────────────────────────────────────────────

export interface ReviewPolicy {
  autoRetry: number;
  onUncertain: UncertainPolicy;
}

/**
 * A review of the task's last attempt came back: it is kept on the task, and in the same write the task goes on as
 * `afterReview` says (into the merge queue, to another attempt with the review as its context, failed, or held). So
 * a crash after this write neither reviews the attempt again nor loses the review.
 */
export function recordReview(run: RunState, plan: Plan, id: string, review: TaskReview, policy: ReviewPolicy, now: string): Transition {
  const entry = run.tasks[id];
  if (!entry) throw new Error(`task ${id} is not part of run ${run.id}`);
  const earlier = entry.reviews ?? [];
  const next = afterReview(review, earlier, policy);
  const kept = withTask(run, id, (t) => ({ ...t, reviews: [...earlier, review], reviewUsage: addUsage(reviewUsage(t), review.usage), reviewFailures: 0, retryAt: undefined }));
  const met = review.verdicts.filter((v) => v.verdict === 'met').length;
  const reviewed: EventDraft = { type: 'task.reviewed', taskId: id, attempt: review.attempt, outcome: review.outcome, met, total: review.verdicts.length, summary: reviewSummary(review) };
  const attempt = lastAttempt(entry);
  switch (next.action) {
    case 'merge': {
      const completed = settleTask(kept, plan, id, { kind: 'completed', verified: entry.verified ?? false, commits: entry.commits ?? [], uncommitted: entry.uncommitted ?? [], now });
      return { run: completed.run, events: [reviewed, ...completed.events] };
    }
    case 'retry': {
      // The next attempt continues from this one's branch; the launcher gives it the review as its context.
      const retried = withTask(kept, id, (t) => ({ ...t, state: 'retrying', reason: next.reason, retryAt: now, retryRequest: { fresh: false, after: next.reason } }));
      return {
        run: retried,
        events: [reviewed, { type: 'task.retrying', taskId: id, agent: attempt?.agent ?? 0, reason: next.reason, retryAt: now, attempt: entry.attempts.length + 1 }],
      };
    }
    case 'fail': {
      const failed = settleTask(kept, plan, id, { kind: 'failed', failure: 'review', reason: next.reason, now });
      return { run: failed.run, events: [reviewed, ...failed.events] };
    }
    case 'hold': {
      const held = withTask(kept, id, (t) => ({ ...t, state: 'held', reason: next.reason, endedAt: now }));
      return { run: held, events: [reviewed, { type: 'task.held', taskId: id, reason: next.reason }] };
    }
  }
}

/** Why a review could not be had, as the run engine sees it (src/adapters/tools/reviewer.ts ReviewFailure). */
export interface ReviewCallFailure {
  kind: 'not-found' | 'not-authenticated' | 'usage-limit' | 'timeout' | 'transient';
  message: string;
  hint?: string;
  usage: Usage;
  resetAt?: string;
}

/**
 * A review that could not run never counts as met. Not found or not logged in: dispatching stops, as for an agent,
 * and the review waits for `xplan resume`. A usage limit: the run waits for its reset. Otherwise the review is tried
 * again with the run's backoff, up to run.retries times, and then the task fails: failed: review.
 */
export function reviewCouldNotRun(run: RunState, id: string, failure: ReviewCallFailure, settings: { retries: number; backoffMs: number; usageLimitWaitMs: number }, now: Date): Transition {
  const charged = withTask(run, id, (t) => ({ ...t, reviewUsage: addUsage(reviewUsage(t), failure.usage) }));
  const entry = charged.tasks[id]!;
  const at = now.toISOString();
  switch (failure.kind) {
    case 'not-found':
    case 'not-authenticated':
      return {
        run: { ...withTask(charged, id, (t) => ({ ...t, reason: failure.message })), stop: { message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}) } },
        events: [{ type: 'run.stopping', taskId: id, reason: failure.message, hint: failure.hint }],
      };
    case 'usage-limit': {
      const resumeAt = failure.resetAt ?? new Date(now.getTime() + settings.usageLimitWaitMs).toISOString();
      const waiting = withTask(charged, id, (t) => ({ ...t, reason: failure.message }));
      return { run: { ...waiting, ...(run.status === 'running' ? { status: 'waiting' as const } : {}), resumeAt }, events: [{ type: 'run.waiting', taskId: id, reason: failure.message, resumeAt }] };
    }
    case 'timeout':
    case 'transient': {
      const failures = entry.reviewFailures ?? 0;
      if (failures >= settings.retries) {
        const reason = `review: ${failure.message} (gave up after ${failures + 1} tries)`;
        const failed = withTask(charged, id, (t) => ({ ...t, state: 'failed', failure: 'review', reason, retryAt: undefined, endedAt: at }));
        return { run: failed, events: [{ type: 'task.failed', taskId: id, failure: 'review', reason }] };
      }
      const retryAt = new Date(now.getTime() + backoffMs(settings.backoffMs, failures)).toISOString();
      const later = withTask(charged, id, (t) => ({ ...t, reason: failure.message, retryAt, reviewFailures: failures + 1 }));
      return { run: later, events: [{ type: 'task.review-retrying', taskId: id, reason: failure.message, retryAt }] };
    }
  }
}

/** The review is turned off (`--no-review`) while a task waits for one: its checked work goes to the merge queue. */
export function skipReview(run: RunState, plan: Plan, id: string, now: string): Transition {
  const entry = run.tasks[id]!;
  return settleTask(run, plan, id, { kind: 'completed', verified: entry.verified ?? false, commits: entry.commits ?? [], uncommitted: entry.uncommitted ?? [], now });
}

/** Whether a task's review is due now: it waits for one, and any backoff after a review that could not run is over. */
export function reviewDue(entry: TaskRun, now: Date): boolean {
  return entry.state === 'reviewing' && (entry.retryAt === undefined || Date.parse(entry.retryAt) <= now.getTime());
}
