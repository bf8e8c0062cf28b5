/**
 * What the run engine needs from the outside world, as small interfaces. The adapters implement them for real
 * (git, detached agent processes, a shell, the system clock, bd); tests hand the engine fakes, so most run
 * behaviour is checked in-process in seconds.
 */
import type { Commit, RunEvent } from '../core/run.js';
import type { Coordination } from './coordination.js';

/** The git work of a run. */
export interface Vcs {
  headCommit(repo: string): Promise<string | undefined>;
  currentBranch(repo: string): Promise<string | null>;
  isValidBranchName(repo: string, branch: string): Promise<boolean>;
  branchHead(repo: string, branch: string): Promise<string>;
  /** A new worktree at `path` on a new branch starting at `startPoint`. */
  addWorktree(repo: string, path: string, branch: string, startPoint: string): Promise<void>;
  /** Merges branches into the worktree's branch; a conflict is aborted and its files returned. */
  /** A conflict names its files; any other git failure is an error with git's message. */
  mergeBranches(worktree: string, branches: string[], message: string): Promise<{ ok: true } | { ok: false; files: string[] } | { ok: false; error: string }>;
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

/** Runs the verify command; `stop` ends it with its whole process group. */
export interface Verifier {
  run(command: string, cwd: string, timeoutMs: number): { result: Promise<VerifyResult>; stop(graceMs: number): Promise<void> };
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

export interface RunPorts {
  vcs: Vcs;
  agents: Agents;
  verifier: Verifier;
  clock: Clock;
  beads?: Beads | undefined;
  /** File reservations between parallel agents (native, or through agent mail). */
  coordination?: Coordination | undefined;
}
