/** The report of `xplan clean`: what went, what stayed and why. */
import type { CleanResult } from '../core/run/clean-result.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

export function renderClean(unsafe: CleanResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  const lines: string[] = [];
  const verb = result.dryRun ? 'would remove' : 'removed';
  for (const run of result.runs) {
    lines.push(theme.bold(`Run ${run.id}`));
    for (const path of run.removedWorktrees) lines.push(`  ${theme.ok('−')} ${verb} worktree ${path}`);
    for (const branch of run.deletedBranches) lines.push(`  ${theme.ok('−')} ${result.dryRun ? 'would delete' : 'deleted'} branch ${branch} (merged into ${result.base})`);
    for (const kept of run.keptWorktrees) lines.push(`  ${theme.warn('=')} kept worktree ${kept.path}: ${kept.reason}`);
    for (const kept of run.keptBranches) lines.push(`  ${theme.warn('=')} kept branch ${kept.branch}: ${kept.reason}`);
  }
  for (const skipped of result.skipped) lines.push(theme.dim(`Left run ${skipped.id} alone: ${skipped.reason}.`));
  if (lines.length === 0) lines.push('Nothing to clean: no run has worktrees left.');
  else lines.push(theme.dim('Transcripts and logs stay in .xplan/runs/.'));
  return lines.join('\n');
}
