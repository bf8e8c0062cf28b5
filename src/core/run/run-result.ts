/** What `xplan run` and `xplan resume` return: a preview (`--dry-run`), or the run's status at its end. */
import type { Config } from '../config.js';
import type { Branching } from '../plan/plan.js';
import type { StatusResult } from './run-status.js';

export interface DryRunTask {
  id: string;
  title: string;
  wave: number;
  dependsOn: string[];
  agent: number;
  branch: string;
  worktree: string;
  prompt: string;
}

export type RunResult =
  | { kind: 'dry-run'; runId: string; branching: Branching; concurrency: number; approved: boolean; tasks: DryRunTask[]; secrets: string[]; secretsPolicy: Config['secrets'] }
  | {
      kind: 'run';
      status: StatusResult;
      /** Ctrl-C paused it. */
      interrupted: boolean;
      /** SIGTERM stopped it (its agents stopped, the run paused). */
      terminated: boolean;
    };

/** What `xplan merge` landed, or would land with --dry-run. */
export interface MergeResult {
  schemaVersion: 1;
  run: string;
  from: string;
  into: string;
  dryRun: boolean;
  /** `fast-forward`, `merge` (one merge commit), `up-to-date`, or `conflict` (dry run only). */
  how: 'fast-forward' | 'merge' | 'up-to-date' | 'conflict';
  commits: number;
  diffStat: string;
  tasks: string[];
  conflicts: string[];
  commit?: string;
}
