/** What the loop shares with the modules it drives (agent processes, launching): the run as it stands, and its writes. */
import type { Config } from '../core/config.js';
import type { Plan } from '../core/plan/plan.js';
import type { RunState, Transition } from '../core/run/run.js';
import type { AgentDirs, RunPorts } from './ports.js';

export interface RunContext {
  /** The run as this engine last wrote or read it. */
  readonly run: RunState;
  readonly ports: RunPorts;
  readonly dirs: AgentDirs;
  readonly plan: Plan;
  readonly config: Config;
  /** SIGTERM: nothing new starts. */
  readonly terminating: boolean;
  /** SIGTERM or a second Ctrl-C: everything stops now, merges included. */
  readonly stoppingNow: boolean;
  /** Work under way in the background (settling ended agents, the merge): the loop waits for it before it ends. */
  readonly background: Set<Promise<void>>;
  /** A running verify is stopped with the run; returns what to call once it ended. */
  whileVerifying(stop: (graceMs: number) => Promise<void>): () => void;
  /** Releases a task's reserved files once its work is merged or will not be. */
  releaseFiles(taskId: string): Promise<void>;
  /** Writes a transition, one write at a time, and hands its events on. */
  commit(step: (run: RunState) => Transition): Promise<void>;
  /** Now, as an ISO time. */
  at(): string;
  /** Wakes the loop before its poll interval ends. */
  wake(): void;
}

/** How long a stopped agent gets between SIGTERM and SIGKILL. */
export function graceMs(config: Config): number {
  return config.run.stopGraceSeconds * 1000;
}
