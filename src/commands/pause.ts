/** `xplan pause [--now]`: stop dispatching; with --now, stop the running agents too (their tasks become interrupted). */
import { count } from '../core/text.js';
import { pauseRun, type ControlResult } from '../core/run/run-control.js';
import { applyControl } from '../run/control.js';
import type { Workspace } from '../workspace.js';

export function pause(options: { now: boolean }, ws: Workspace): Promise<ControlResult> {
  return applyControl(
    ws,
    (run, _plan, by) => pauseRun(run, { now: options.now, by: options.now ? `xplan pause --now (${by})` : `xplan pause (${by})` }),
    (run, stopped) =>
      options.now
        ? `Paused run ${run.id} and stopped ${count(stopped.length, 'agent')}${stopped.length ? ` (${stopped.join(', ')}: interrupted)` : ''}.`
        : `Paused run ${run.id}: running agents finish their tasks, no new ones start.`,
    { command: options.now ? 'xplan pause --now' : 'xplan pause' },
  );
}
