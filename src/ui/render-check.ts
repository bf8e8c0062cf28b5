/** Human output of `xplan check`. */
import type { CheckResult } from '../commands/check.js';
import { formatHours } from './render-plan.js';
import type { Theme } from './theme.js';

const ERRORS_SHOWN = 50;

export function renderCheck(result: CheckResult, theme: Theme): string {
  const { source, stats } = result;
  const what = source.kind === 'state' ? 'the saved plan (.xplan/state.json)' : `${source.path} (${source.format === 'taskmaster' ? `task-master tasks.json${source.tag ? `, tag ${source.tag}` : ''}` : 'xplan plan'})`;
  const path = stats.criticalPath.length > 6 ? [...stats.criticalPath.slice(0, 3), '…', ...stats.criticalPath.slice(-2)] : stats.criticalPath;
  const out = [
    `Checked ${what}`,
    '',
    `Tasks          ${stats.tasks} · ${stats.edges} dependencies · ${stats.roots} roots · ${stats.leaves} leaves`,
    `Waves          ${stats.waves} (widest: ${stats.maxWaveWidth} tasks)`,
    `Critical path  ${path.join(' → ') || '—'} (${stats.criticalPath.length} tasks, ${formatHours(stats.criticalPathHours)} of ${formatHours(stats.totalHours)})`,
  ];
  if (result.errors.length > 0) {
    out.push('', theme.bold('Errors'));
    for (const e of result.errors.slice(0, ERRORS_SHOWN)) out.push(`  ${theme.error('✖')} ${e.code}  ${e.message}`);
    if (result.errors.length > ERRORS_SHOWN) out.push(theme.dim(`  … ${result.errors.length - ERRORS_SHOWN} more (--json lists them)`));
  }
  out.push('', result.ok ? theme.ok('Plan is valid.') : theme.error(`${result.errors.length} error${result.errors.length === 1 ? '' : 's'}.`));
  return out.join('\n');
}
