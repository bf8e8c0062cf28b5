/**
 * Steering a run from any terminal, while it runs or while it is stopped: one compare-and-swap write of the run
 * state with its events, then the agents whose tasks no longer want them are stopped, and beads follows.
 */
import type { Plan } from '../core/plan.js';
import type { ControlChange, ControlResult } from '../core/run-control.js';
import { isActiveRun, type RunState } from '../core/run.js';
import { stopAgent } from '../adapters/agent-process.js';
import { RunJournal } from '../adapters/run-journal.js';
import { runLockHolder } from '../adapters/run-lock.js';
import type { Workspace } from '../workspace.js';
import { BeadsSync } from '../adapters/beads-sync.js';

export type Change = (run: RunState, plan: Plan, by: string, at: string) => ControlChange;

export async function applyControl(
  ws: Workspace,
  change: Change,
  describe: (run: RunState, stopped: string[]) => string,
  options: { graceSeconds?: number | undefined; now?: () => Date } = {},
): Promise<ControlResult> {
  const now = options.now ?? (() => new Date());
  const { state, plan } = await ws.requireRun();
  const config = await ws.config();
  const by = await ws.user();
  let applied: ControlChange | undefined;
  const { run, events } = await new RunJournal(ws.store, ws.files, now).commit(
    (current) => {
      applied = change(current, plan, by, now().toISOString());
      return applied.run;
    },
    () => applied?.events ?? [],
  );
  const grace = (options.graceSeconds ?? config.run.stopGraceSeconds) * 1000;
  await Promise.all((applied?.stop ?? []).map((s) => stopAgent(ws.files.agentDir(run.id, s.attempt.agent), grace)));
  const stopped = (applied?.stop ?? []).map((s) => s.taskId);
  const beads = await BeadsSync.open(ws.root, state, ws.files, ws.env, config.run.beadsRetrySeconds * 1000);
  for (const event of events) beads?.onEvent(event);
  await beads?.drain();
  const driven = (await runLockHolder(ws.project.xplanDir))?.runId === run.id;
  const next = driven ? undefined : isActiveRun(run) ? 'Continue the run with `xplan resume`.' : undefined;
  return { run: { id: run.id, status: run.status }, message: describe(run, stopped), stopped, driven, ...(next ? { next } : {}) };
}
