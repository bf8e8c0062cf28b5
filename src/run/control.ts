/**
 * Steering a run from any terminal, while it runs or while it is stopped: one compare-and-swap write of the run
 * state with its events, then the agents whose tasks no longer want them are stopped, and beads follows. While no
 * orchestrator drives the run, the change holds the run lock from its read to its last stop, so a `resume` (or
 * another change) starts only after it, on the state it left. A change that ends the run releases every file
 * reservation and takes the commit guard out of the worktrees it keeps.
 */
import type { Plan } from '../core/plan/plan.js';
import type { ControlChange, ControlResult } from '../core/run/run-control.js';
import { isActiveRun, type RunState } from '../core/run/run.js';
import { stopAgent } from '../adapters/process/agent-process.js';
import { RunJournal } from '../adapters/store/run-journal.js';
import { acquireCommandLock } from '../adapters/store/run-lock.js';
import type { Workspace } from '../workspace.js';
import { BeadsSync } from '../adapters/tools/beads-sync.js';
import { endReservations } from '../adapters/tools/commit-guard.js';

export type Change = (run: RunState, plan: Plan, by: string, at: string) => ControlChange;

export interface ControlOptions {
  graceSeconds?: number | undefined;
  now?: () => Date;
  /** The command, as the run lock names it to whoever waits for it. */
  command?: string;
  /** Stops the agent whose files are in `dir` (tests stop their own). */
  stopAgent?: (dir: string, graceMs: number) => Promise<void>;
}

export async function applyControl(ws: Workspace, change: Change, describe: (run: RunState, stopped: string[]) => string, options: ControlOptions = {}): Promise<ControlResult> {
  const now = options.now ?? (() => new Date());
  const { run: known } = await ws.requireRun();
  const lock = await acquireCommandLock(ws.project.xplanDir, known.id, options.command ?? 'xplan', now());
  try {
    const { state, plan } = await ws.requireRun();
    const config = await ws.config();
    const by = await ws.user();
    let applied: ControlChange | undefined;
    const { run, events } = await new RunJournal(ws.store, ws.files, now).commit(
      (current) => {
        applied = change(current, plan, by, now().toISOString());
        // A run that ends holds no file any more.
        return isActiveRun(applied.run) ? applied.run : { ...applied.run, reservations: [] };
      },
      () => applied?.events ?? [],
    );
    const grace = (options.graceSeconds ?? config.run.stopGraceSeconds) * 1000;
    const stop = options.stopAgent ?? stopAgent;
    await Promise.all((applied?.stop ?? []).map((s) => stop(ws.files.agentDir(run.id, s.attempt.agent), grace)));
    const stopped = (applied?.stop ?? []).map((s) => s.taskId);
    if (!isActiveRun(run)) await endReservations(ws.files.runDir(run.id), run);
    const beads = await BeadsSync.open(ws.root, state, ws.files, ws.env, config.run.beadsRetrySeconds * 1000);
    for (const event of events) beads?.onEvent(event);
    await beads?.drain();
    const driven = !lock.taken && lock.driver.runId === run.id;
    const next = driven ? undefined : isActiveRun(run) ? 'Continue the run with `xplan resume`.' : undefined;
    return { run: { id: run.id, status: run.status }, message: describe(run, stopped), stopped, driven, ...(next ? { next } : {}) };
  } finally {
    if (lock.taken) await lock.release();
  }
}
