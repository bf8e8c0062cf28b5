/** `xplan status`: where the run stands, task by task, with what blocks it and the command that moves it on. */
import { XplanError } from '../core/errors.js';
import { isActiveRun } from '../core/run/run.js';
import { statusOf, type StatusResult } from '../core/run/run-status.js';
import { runDriver } from '../adapters/store/run-lock.js';
import type { Workspace } from '../workspace.js';

export async function status(options: { now?: () => Date; run?: string | undefined }, ws: Workspace): Promise<StatusResult> {
  const { plan, run } = await ws.requireRun({ runId: options.run, hint: 'Start one with `xplan run` (preview it with `xplan run --dry-run`).' });
  const result = statusOf(plan, run, options.now?.() ?? new Date());
  if (isActiveRun(result.run)) result.run.orphaned = (await runDriver(ws.project.xplanDir))?.runId !== result.run.id;
  // A run with work to do that nothing drives goes on only when someone resumes it.
  if (result.run.orphaned && result.next === null) result.next = 'xplan resume';
  return result;
}

export type StatusUpdate = { waiting: true } | { status: StatusResult };

/**
 * `xplan status --watch`: the status every interval until the run ends (or nothing drives it any more). Before a run
 * has started it says once that it waits for one.
 */
export async function* watchStatus(options: { now?: () => Date; run?: string | undefined; intervalMs?: number }, ws: Workspace): AsyncGenerator<StatusUpdate> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000));
  let started = false;
  let told = false;
  for (;;) {
    let result: StatusResult;
    try {
      result = await status(options, ws);
    } catch (error) {
      if (started || !(error instanceof XplanError && error.code === 'NO_RUN')) throw error;
      if (!told) yield { waiting: true };
      told = true;
      await pause();
      continue;
    }
    started = true;
    yield { status: result };
    if (result.run.orphaned || !isActiveRun(result.run)) return;
    await pause();
  }
}
