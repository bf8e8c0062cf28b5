/** `xplan status`: where the run stands, task by task, with what blocks it and the command that moves it on. */
import { isActiveRun } from '../core/run.js';
import { statusOf, type StatusResult } from '../core/run-status.js';
import { runLockHolder } from '../adapters/run-lock.js';
import type { Workspace } from '../workspace.js';

export async function status(options: { now?: () => Date; run?: string | undefined }, ws: Workspace): Promise<StatusResult> {
  const { plan, run } = await ws.requireRun({ runId: options.run, hint: 'Start one with `xplan run` (preview it with `xplan run --dry-run`).' });
  const result = statusOf(plan, run, options.now?.() ?? new Date());
  if (isActiveRun(result.run)) result.run.orphaned = (await runLockHolder(ws.project.xplanDir))?.runId !== result.run.id;
  return result;
}
