/** `xplan skip T3 [--cascade]`: the task is skipped; its dependents stay blocked unless they are skipped too. */
import { skipTask, type ControlResult } from '../core/run/run-control.js';
import { applyControl } from '../run/control.js';
import type { Workspace } from '../workspace.js';

export function skip(options: { taskId: string; cascade: boolean; reason?: string }, ws: Workspace): Promise<ControlResult> {
  return applyControl(
    ws,
    (run, plan) => skipTask(run, plan, options.taskId, { cascade: options.cascade, ...(options.reason ? { reason: options.reason } : {}) }),
    (run, stopped) => {
      const skipped = Object.entries(run.tasks)
        .filter(([, t]) => t.state === 'skipped')
        .map(([id]) => id);
      return `Skipped ${options.cascade ? skipped.join(', ') : options.taskId}${stopped.length ? `; stopped the agent of ${stopped.join(', ')}` : ''}.${options.cascade ? '' : ' Its dependents stay blocked (--cascade skips them too).'}`;
    },
    { command: `xplan skip ${options.taskId}` },
  );
}
