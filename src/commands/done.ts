/** `xplan done T3 --reason …`: the task counts as completed by hand (who and why are recorded); dependents go on. */
import { forceDone, type ControlResult } from '../core/run/run-control.js';
import { applyControl } from '../run/control.js';
import type { Workspace } from '../workspace.js';

export function done(options: { taskId: string; reason: string }, ws: Workspace): Promise<ControlResult> {
  return applyControl(
    ws,
    (run, plan, by, at) => forceDone(run, plan, options.taskId, { reason: options.reason, by, at }),
    (_run, stopped) => `${options.taskId} is completed by hand${stopped.length ? ' (its agent was stopped)' : ''}; its dependents are released.`,
    { command: `xplan done ${options.taskId}` },
  );
}
