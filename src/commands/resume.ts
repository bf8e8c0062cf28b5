/** `xplan resume`: continues a paused or crashed run; agents still working are adopted, not restarted. */
import type { RunResult } from '../core/run/run-result.js';
import { resumeRun, type EngineOptions } from '../run/setup.js';
import type { Workspace } from '../workspace.js';

export function resume(options: EngineOptions, ws: Workspace): Promise<RunResult> {
  return resumeRun(options, ws);
}
