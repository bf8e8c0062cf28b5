/**
 * What the run engine needs from the outside world, as small interfaces. The adapters implement them for real
 * (git, detached agent processes, a shell, the system clock, bd); tests hand the engine fakes, so most run
 * behaviour is checked in-process in seconds.
 */
import type { AgentExit } from '../core/run/agent-result.js';
import type { Plan, Task } from '../core/plan/plan.js';
import type { TaskReview } from '../core/run/review.js';
import type { ReservationTable } from '../core/run/reservations.js';
import type { Commit, ReviewCallFailure, RunEvent, RunState, Transition } from '../core/run/run.js';

/** The git work of a run. */
export interface Vcs {
  headCommit(repo: string): Promise<string | undefined>;
  currentBranch(repo: string): Promise<string | null>;
  isValidBranchName(repo: string, branch: string): Promise<boolean>;
  branchHead(repo: string, branch: string): Promise<string>;
  /** A new worktree at `path` on a new branch starting at `startPoint`. */
  addWorktree(repo: string, path: string, branch: string, startPoint: string): Promise<void>;
  /**
   * Merges branches into the worktree's branch; a conflict is aborted and its files named; any other git failure is
   * an error with git's message. With `track`, each git runs in its own process group, recorded before it starts.
   */
  mergeBranches(worktree: string, branches: string[], message: string, track?: Track): Promise<{ ok: true } | { ok: false; files: string[] } | { ok: false; error: string }>;
  /** Whether `commit` is in the history of `head` (or is it). */
  contains(repo: string, commit: string, head: string): Promise<boolean>;
  /**
   * Removes the lock files a git killed mid-write leaves in a worktree (its index, HEAD, its branch). Only for a
   * worktree no git works in any more.
   */
  clearStaleLocks(worktree: string): Promise<void>;
  /** Commits on the worktree's HEAD since `base`, oldest first. */
  commitsSince(worktree: string, base: string): Promise<Commit[]>;
  uncommittedFiles(worktree: string): Promise<string[]>;
  /** The commit checked out in a worktree. */
  head(worktree: string): Promise<string>;
  /** Puts the worktree back at `commit`, ending any merge in progress. */
  resetHard(worktree: string, commit: string): Promise<void>;
  /** Files that differ between two commits. */
  changedFiles(repo: string, from: string, to: string): Promise<string[]>;
  /** `git diff --shortstat` between two commits. */
  diffStat(repo: string, from: string, to: string): Promise<string>;
}

/** Pids an agent's supervisor records (pid.json). */
export interface AgentPids {
  supervisor: number;
  agent: number | undefined;
  startedAt: string;
}

/**
 * Agents run detached from the engine: `spawn` starts one from the files in its run directory (agent.json,
 * prompt.md) and it writes transcript.jsonl and exit.json there, so it outlives an engine that crashes.
 */
export interface Agents {
  /** Starts the agent described in `dir`, working in `cwd`, with `env` added; returns its supervisor's pid. */
  spawn(dir: string, cwd: string, env?: Record<string, string>): number | undefined;
  /** Whether the agent's supervisor (pid) is alive. */
  alive(pid: number): boolean;
  /**
   * Whether anything of the agent is alive: its supervisor, or Claude Code and what it started, which can outlive a
   * supervisor killed by SIGKILL (they share the process group the supervisor leads).
   */
  groupAlive(pid: number): boolean;
  /** Stops the process group led by `pid`: SIGTERM, then SIGKILL after `graceMs`. */
  stop(pid: number, graceMs: number): Promise<void>;
  /** The pids the agent in `dir` recorded, if it started. */
  pids(dir: string): Promise<AgentPids | undefined>;
}

export interface VerifyResult {
  exitCode: number | undefined;
  signal?: string | undefined;
  timedOut: boolean;
  output: string;
}

/** Runs the verify command; `stop` ends it with its whole process group, which `track` records before it starts. */
export interface Verifier {
  run(command: string, cwd: string, timeoutMs: number, track?: Track): { result: Promise<VerifyResult>; stop(graceMs: number): Promise<void> };
}

/** Records a process group (its leader's pid) before it may start work; resolves to the removal of the record. */
export type Track = (pgid: number, what: string) => Promise<() => Promise<void>>;

export interface RecordedGroup {
  pgid: number;
  what: string;
  host: string;
  since: string;
}

/**
 * The process groups the engine started for merges and verify commands, recorded where the next xplan finds them:
 * a killed xplan's git merge or verify would otherwise go on working in a worktree the next one resets.
 */
export interface ProcessGroups {
  track: Track;
  /** Stops every recorded group still alive and waits until each is gone; returns the ones that were. */
  stopAll(graceMs: number): Promise<RecordedGroup[]>;
}

export interface Clock {
  now(): Date;
  /** Resolves after `ms`; the engine also wakes early on its own signals. */
  sleep(ms: number): Promise<void>;
}

/** Keeps an issue tracker in step with the run's events; its failures never stop the run. */
export interface Beads {
  onEvent(event: RunEvent): void;
  drain(): Promise<void>;
}

/** A write of the run as it landed: the run and its events, stamped. */
export interface Written {
  run: RunState;
  events: RunEvent[];
}

/**
 * The run state and its event log, written together (one atomic write each time). Other xplan processes (pause,
 * retry, skip, done) write the same state: `changedSince` is how the engine hears of them.
 */
export interface RunStore {
  /** The first write of a new run. */
  begin(start: Transition): Promise<Written>;
  /** Applies the transition to the run as saved now, and records its events with it. */
  commit(step: (run: RunState) => Transition): Promise<Written>;
  /** The run as another xplan wrote it since this engine last wrote or read it; undefined when nobody did. */
  changedSince(): Promise<RunState | undefined>;
}

/** How an agent is launched: written to its directory (agent.json), read by its supervisor. */
export interface AgentLaunch {
  cwd: string;
  sessionId: string;
  /** Continue the session (`claude --resume`) with the resume prompt, instead of starting it with the task's prompt. */
  resume: boolean;
  verify: string | null;
}

/**
 * The run directory of each agent (`.xplan/runs/<run>/agent-<n>/`): what the engine writes there for the agent, and
 * what the agent leaves there for the engine.
 */
export interface AgentDirs {
  path(agent: number): string;
  /** Where agent `agent` works: its git worktree. */
  worktree(agent: number): string;
  /** Whether the agent number is taken: its directory or its worktree exists. */
  taken(agent: number): boolean;
  /** Whether a path (a worktree) exists. */
  exists(path: string): boolean;
  create(agent: number): Promise<void>;
  /** The task's prompt, readable by its owner only: with `secrets: warn` it may quote the spec's secrets. */
  writePrompt(agent: number, prompt: string): Promise<void>;
  writeResumePrompt(agent: number, prompt: string): Promise<void>;
  writeLaunch(agent: number, launch: AgentLaunch): Promise<void>;
  /** Whether the agent was recorded to launch (agent.json exists). */
  launched(agent: number): boolean;
  /** Keeps the last process's records (exit.json, pid.json) beside the next one's, numbered `n`. */
  archiveProcess(agent: number, n: number): Promise<void>;
  /** How the agent ended, once its supervisor has written it. */
  exit(agent: number): Promise<AgentExit | undefined>;
  hasExit(agent: number): boolean;
  transcriptSize(agent: number): Promise<number>;
  /** Whether Claude Code's session began (its transcript has the init line), so it can be resumed. */
  sessionStarted(agent: number): Promise<boolean>;
  /** Calls `onExit` when exit.json appears; undefined when the directory cannot be watched (polling still finds it). */
  watch(agent: number, onExit: () => void): { close(): void } | undefined;
  /** Where the output of the task's verify is kept (verify.log). */
  verifyLogPath(agent: number): string;
  writeVerifyLog(agent: number, output: string): Promise<void>;
  /** Keeps the output of a failed integration verify beside the agent's files; returns its path. */
  writeIntegrationLog(agent: number, output: string): Promise<string>;
}

/** What outlives a run: the conflict history the planner learns from, and the run's summary for `xplan runs`. */
export interface RunArchive {
  recordConflict(record: { run: string; tasks: string[]; files: string[]; at: string }): Promise<void>;
  saveSummary(run: RunState, plan: Plan): Promise<void>;
}

/**
 * What to dispatch next: the ids of the tasks to start now, within the run's free agent slots. The default is the
 * plan order of core/run/run.ts `tasksToDispatch`; a tracker-driven worker can decide instead.
 */
export interface Scheduler {
  next(run: RunState, plan: Plan, slots: { now: Date; held: (taskId: string) => boolean }): string[];
}

export interface CoordinatedTask {
  id: string;
  title: string;
  /** Predicted files (core/run/reservations.ts `predictedFiles`). */
  patterns: readonly string[];
  /** The task's beads issue, when the plan is exported: thread id, subject prefix and reservation reason. */
  beadsId?: string;
}

export interface CoordinatedAttempt {
  agent: number;
}

export type ReserveOutcome =
  | { granted: true }
  /**
   * `waitFor` holds `file`: a task of this run, or (with `outside`) an agent mail agent that is not part of it, whose
   * lease the task waits out (try again on a later scheduling round).
   */
  | { granted: false; waitFor: string; file: string; outside?: boolean };

export type CoordinationNotice = { kind: 'started' } | { kind: 'blocked'; reason: string } | { kind: 'completed'; summary: string };

/**
 * Coordination of parallel agents, for one run: before an attempt starts, its task reserves the files it is
 * predicted to touch; a task whose files a running task holds waits; reservations are renewed while the agent runs
 * and released when it ends. Natively, or through agent mail (src/adapters/tools/coordination.ts).
 */
export interface Coordination {
  readonly mode: 'native' | 'agent-mail';
  /** The reservations now held; the engine keeps it as `run.reservations`. */
  readonly table: ReservationTable;
  /** At dispatch, before the worktree is made: a task that must wait gets nothing made for it. */
  reserve(task: CoordinatedTask, attempt: CoordinatedAttempt): Promise<ReserveOutcome>;
  /** Once the granted attempt's worktree exists, before its agent starts: installs the commit guard(s). */
  prepareWorktree(taskId: string, worktree: string): Promise<void>;
  /** While the agent runs, every few minutes. */
  renew(taskId: string): Promise<void>;
  /** When the attempt ends, whatever the outcome, and when the task is stopped. */
  release(taskId: string): Promise<void>;
  notify(taskId: string, notice: CoordinationNotice): Promise<void>;
  /**
   * On resume: nothing held before the crash is trusted; reservations are rebuilt from the tasks running now, and
   * (agent mail) the agents of attempts that ended meanwhile give up what the server still holds for them.
   */
  recover(running: ReadonlyArray<{ task: CoordinatedTask; attempt: CoordinatedAttempt & { worktree: string } }>, endedAgents?: readonly number[]): Promise<void>;
  /** Extra environment for the attempt's agent process. */
  agentEnv(taskId: string): Record<string, string>;
}

/** One acceptance review of a task's attempt, in its worktree (src/adapters/tools/reviewer.ts for real). */
export interface Reviewer {
  review(request: { task: Task; attempt: number; worktree: string; base: string }): Promise<{ ok: true; review: TaskReview } | { ok: false; failure: ReviewCallFailure }>;
}

export interface RunPorts {
  vcs: Vcs;
  agents: Agents;
  verifier: Verifier;
  clock: Clock;
  beads?: Beads | undefined;
  /** Where merge and verify process groups are recorded; without it they are not. */
  groups?: ProcessGroups | undefined;
  /** File reservations between parallel agents (native, or through agent mail). */
  coordination?: Coordination | undefined;
  /** What to dispatch next; by default ready tasks in plan order (src/run/scheduler.ts). */
  scheduler?: Scheduler | undefined;
  /** The acceptance review between verify and merge; none: the run reviews nothing (`--no-review`, review.enabled: false). */
  reviewer?: Reviewer | undefined;
}
