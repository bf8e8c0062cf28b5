/**
 * `xplan cancel`: ends a run for good. Its agents are stopped as `pause --now` stops them; every branch and
 * worktree is kept; the plan can be edited and planned again.
 */
import { count } from '../core/text.js';
import { cancelRun, type ControlResult } from '../core/run/run-control.js';
import { applyControl } from '../run/control.js';
import type { Workspace } from '../workspace.js';

export function cancel(options: { now: boolean }, ws: Workspace): Promise<ControlResult> {
  return applyControl(
    ws,
    (run, _plan, by, at) => cancelRun(run, { by: `xplan cancel (${by})`, at }),
    (run, stopped) =>
      `Cancelled run ${run.id}${stopped.length ? ` and stopped ${count(stopped.length, 'agent')} (${stopped.join(', ')})` : ''}. Its branches and worktrees are kept; the plan can change again.`,
    { graceSeconds: options.now ? 0 : undefined, command: 'xplan cancel' },
  );
}
