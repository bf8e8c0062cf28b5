/** What `xplan clean` removed and kept, and why: the result its renderer and `--json` show. */

export interface KeptWorktree {
  path: string;
  reason: string;
  /** Files git ignores that only this worktree holds (an ignored directory ends in `/`). */
  ignored?: string[];
  /** Commits only this worktree holds (no branch or tag has them), as `sha subject`. */
  commits?: string[];
}

export interface CleanedRun {
  id: string;
  removedWorktrees: string[];
  keptWorktrees: KeptWorktree[];
  deletedBranches: string[];
  keptBranches: Array<{ branch: string; reason: string }>;
}

export interface CleanResult {
  base: string;
  dryRun: boolean;
  runs: CleanedRun[];
  /** Runs left alone, with why (the active run, too recent). */
  skipped: Array<{ id: string; reason: string }>;
}
