/** `xplan merge`: what landed where, or what would. */
import { count } from '../core/text.js';
import type { MergeResult } from '../core/run/run-result.js';
import type { Theme } from './theme.js';

export function renderMerge(result: MergeResult, theme: Theme): string {
  const what = `${result.from} (${result.tasks.length} task${result.tasks.length === 1 ? '' : 's'}: ${result.tasks.join(', ') || 'none'})`;
  if (result.how === 'up-to-date') return `${result.into} already has everything in ${what}.`;
  const stat = result.diffStat ? ` · ${result.diffStat}` : '';
  if (result.how === 'conflict') return `${theme.error('✖')} Landing ${what} on ${result.into} would conflict in ${result.conflicts.join(', ')}.`;
  const verb = result.how === 'fast-forward' ? 'fast-forward' : 'one merge commit';
  if (result.dryRun) return `Would land ${what} on ${result.into} as ${verb}: ${count(result.commits, 'commit')}${stat}. Nothing changed.`;
  return `${theme.ok('✓')} Landed ${what} on ${result.into} as ${verb} (${result.commit?.slice(0, 8)}): ${count(result.commits, 'commit')}${stat}. Nothing was pushed.`;
}
