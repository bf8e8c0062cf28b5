/**
 * Every event a run records, one type per `type`, with exactly the fields it carries. They are the lines of
 * `.xplan/events.jsonl` and of `xplan run --json` (docs/run-events.md lists them; a test keeps the two in step).
 * Fields are written in the order given here; a field that is undefined is left out of the line.
 */
import type { Branching } from '../plan/plan.js';
import type { ReviewOutcome } from './review.js';
import type { Failure, RunStatus } from './run.js';

export interface RunStartedEvent {
  type: 'run.started';
  /** The integration branch; absent in `single` branching. */
  integration?: string;
  base: { commit: string; branch: string | null };
  branching: Branching;
  concurrency: number;
  tasks: string[];
  verify: string | null;
  /** The driving xplan process. */
  pid: number;
}

export interface SecretsFoundEvent {
  type: 'secrets.found';
  policy: 'warn' | 'redact' | 'block';
  /** `file:line: kind` of each secret. */
  findings: string[];
}

export interface TaskDispatchedEvent {
  type: 'task.dispatched';
  taskId: string;
  agent: number;
  /** 1 for the task's first attempt. */
  attempt: number;
  branch: string;
  /** Relative to the repository root. */
  worktree: string;
  sessionId: string;
}

export interface TaskResumedEvent {
  type: 'task.resumed';
  taskId: string;
  agent: number;
  /** `resumed`: `claude --resume` of the attempt's session; `new`: a fresh session in the same worktree. */
  session: 'resumed' | 'new';
  sessionId: string;
}

export interface TaskWaitingEvent {
  type: 'task.waiting';
  taskId: string;
  /** The running task holding a file this one would reserve. */
  heldBy: string;
  file: string;
}

export interface TaskVerifyingEvent {
  type: 'task.verifying';
  taskId: string;
  agent: number;
}

export interface TaskReviewingEvent {
  type: 'task.reviewing';
  taskId: string;
  agent: number;
  /** The attempt under review, 1-based. */
  attempt: number;
}

export interface TaskReviewedEvent {
  type: 'task.reviewed';
  taskId: string;
  attempt: number;
  outcome: ReviewOutcome;
  /** Criteria met, of `total`. */
  met: number;
  total: number;
  summary: string;
}

export interface TaskReviewRetryingEvent {
  type: 'task.review-retrying';
  taskId: string;
  /** Why the review could not run. */
  reason: string;
  retryAt: string;
}

export interface TaskHeldEvent {
  type: 'task.held';
  taskId: string;
  reason: string;
}

export interface TaskCompletedEvent {
  type: 'task.completed';
  taskId: string;
  agent: number;
  branch: string;
  verified: boolean;
  /** How many commits the attempt made. */
  commits: number;
  uncommitted: string[];
}

export interface TaskFailedEvent {
  type: 'task.failed';
  taskId: string;
  failure: Failure;
  reason: string;
  /** Files left uncommitted (a failure for no commits). */
  uncommitted?: string[];
  /** The verify log, relative to the repository root (a verify or integration failure). */
  log?: string;
}

export interface TaskBlockedEvent {
  type: 'task.blocked';
  taskId: string;
  reason: string;
  /** A merge held for a file another running task has reserved: the file, and that task. */
  file?: string;
  heldBy?: string;
}

export interface TaskRetryingEvent {
  type: 'task.retrying';
  taskId: string;
  agent: number;
  reason: string;
  retryAt: string;
  /** The number of the attempt that follows. */
  attempt: number;
}

export interface TaskInterruptedEvent {
  type: 'task.interrupted';
  taskId: string;
  reason: string;
}

export interface AgentStoppedEvent {
  type: 'agent.stopped';
  taskId: string;
  agent: number;
  pid: number;
  reason: string;
}

export interface TaskMergingEvent {
  type: 'task.merging';
  taskId: string;
  branch: string;
  /** The integration branch. */
  into: string;
}

export interface TaskMergedEvent {
  type: 'task.merged';
  taskId: string;
  commit: string;
  diffStat: string;
}

export interface TaskMergeUndoneEvent {
  type: 'task.merge-undone';
  taskId: string;
  reason: string;
}

export interface TaskConflictEvent {
  type: 'task.conflict';
  taskId: string;
  files: string[];
  /** Merged tasks whose work the conflicting files clash with. */
  with: string[];
}

export interface RunConflictsEvent {
  type: 'run.conflicts';
  reason: string;
  files: string[];
}

export interface RunWaitingEvent {
  type: 'run.waiting';
  taskId: string;
  reason: string;
  resumeAt: string;
}

export interface RunStoppingEvent {
  type: 'run.stopping';
  taskId: string;
  reason: string;
  hint?: string;
}

export interface RunPausedEvent {
  type: 'run.paused';
  /** Whether running agents were stopped (`pause --now`). */
  now: boolean;
  by: string;
  interrupted: string[];
}

export interface RunResumedEvent {
  type: 'run.resumed';
  reason: string;
}

export interface RunCancelledEvent {
  type: 'run.cancelled';
  by: string;
  interrupted: string[];
}

export interface RunEndedEvent {
  type: 'run.ended';
  status: RunStatus;
  stop?: { message: string; hint?: string };
}

export interface TaskRetryEvent {
  type: 'task.retry';
  taskId: string;
  fresh: boolean;
  /** Whether extra context was given for the next attempt. */
  context: boolean;
}

export interface TaskSkippedEvent {
  type: 'task.skipped';
  taskId: string;
  reason: string;
}

export interface TaskDoneEvent {
  type: 'task.done';
  taskId: string;
  by: string;
  reason: string;
}

export interface BeadsFailedEvent {
  type: 'beads.failed';
  taskId?: string;
  issue: string;
  status: string;
  error: string;
}

/** An event as the engine drafts it; the journal adds `at`, `runId` and `id` when it is written. */
export type EventDraft =
  | RunStartedEvent
  | SecretsFoundEvent
  | TaskDispatchedEvent
  | TaskResumedEvent
  | TaskWaitingEvent
  | TaskVerifyingEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | TaskBlockedEvent
  | TaskRetryingEvent
  | TaskReviewingEvent
  | TaskReviewedEvent
  | TaskReviewRetryingEvent
  | TaskHeldEvent
  | TaskInterruptedEvent
  | AgentStoppedEvent
  | TaskMergingEvent
  | TaskMergedEvent
  | TaskMergeUndoneEvent
  | TaskConflictEvent
  | RunConflictsEvent
  | RunWaitingEvent
  | RunStoppingEvent
  | RunPausedEvent
  | RunResumedEvent
  | RunCancelledEvent
  | RunEndedEvent
  | TaskRetryEvent
  | TaskSkippedEvent
  | TaskDoneEvent
  | BeadsFailedEvent;

export type RunEventType = EventDraft['type'];

/** What the journal adds to every event. `id` is unique: `<run>:<state revision>:<n>`. */
export interface EventEnvelope {
  at: string;
  runId: string;
  id?: string;
  /** Set on every task event (and on the run events a task caused); absent on the others. */
  taskId?: string;
}

/** One line of `.xplan/events.jsonl`. */
export type RunEvent = EventDraft & EventEnvelope;

/** The event of one type. */
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

/** Every event type, with what it says; a missing or unknown type does not compile. */
export const RUN_EVENT_TYPES: Readonly<Record<RunEventType, string>> = {
  'run.started': 'a run began',
  'secrets.found': 'the spec holds secrets (reported at the start)',
  'task.dispatched': 'an agent started on a task',
  'task.resumed': 'an interrupted agent continues in its worktree',
  'task.waiting': 'a ready task waits for files another running task holds',
  'task.verifying': 'the agent ended; its work is being checked',
  'task.reviewing': "the task's work passed its checks; its acceptance review runs",
  'task.reviewed': 'the acceptance review judged the criteria',
  'task.review-retrying': 'the review could not run: it is tried again later',
  'task.held': 'the review could not tell: the task waits for the lead',
  'task.completed': "the task's work is done (verified or not)",
  'task.failed': 'the task failed',
  'task.blocked': "the task's branch could not be made",
  'task.retrying': 'a transient failure or a stopped agent: the task runs again later',
  'task.interrupted': 'the agent ended while no xplan watched it',
  'agent.stopped': 'an agent whose task no longer wanted it was stopped',
  'task.merging': "the task's branch is being merged into the integration branch",
  'task.merged': 'the merge landed and its verify passed',
  'task.merge-undone': 'a merge was undone and goes back into the queue',
  'task.conflict': "the task's branch conflicts with the integration branch",
  'run.conflicts': 'too many merge conflicts: dispatching paused',
  'run.waiting': 'a usage limit: the run waits until it resets',
  'run.stopping': 'a fatal setup problem: no more agents start',
  'run.paused': 'the run was paused',
  'run.resumed': 'the run goes on',
  'run.cancelled': 'the run was cancelled',
  'run.ended': 'the run ended',
  'task.retry': '`xplan retry`: the task runs again',
  'task.skipped': 'the task was skipped',
  'task.done': '`xplan done`: the task was completed by hand',
  'beads.failed': 'a beads issue could not be updated',
};

/** For an exhaustive `switch` on `event.type`: an event type nobody handles does not compile. */
export function unhandledEvent(event: never): undefined {
  void event; // an event of another version of xplan (read from events.jsonl) is passed over
  return undefined;
}
