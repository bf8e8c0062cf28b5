/**
 * `xplan run`: dispatches the approved plan to Claude Code agents, in dependency order, N at a time, each in its own
 * worktree on its own branch, and decides truthfully how each task ended. `--dry-run` previews it.
 */
import type { RunResult } from '../core/run/run-result.js';
import { previewRun, startRun, type StartOptions } from '../run/setup.js';
import type { Workspace } from '../workspace.js';

export interface RunOptions extends StartOptions {
  dryRun?: boolean;
}

export function run(options: RunOptions, ws: Workspace): Promise<RunResult> {
  return options.dryRun ? previewRun(options, ws) : startRun(options, ws);
}
