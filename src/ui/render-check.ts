/** Human output of `xplan check`: what was checked, the DAG statistics, every error, the verdict. */
import type { CheckResult, CheckSource } from '../core/results.js';
import { formatHours } from '../core/text.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

/** Errors listed before "… N more"; --json always lists them all. */
export const ERRORS_SHOWN = 50;
const WARNINGS_SHOWN = 10;
const PATH_SHOWN = 8;

export function renderCheck(unsafe: CheckResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  const { stats } = result;
  const path = stats.criticalPath.length > PATH_SHOWN ? [...stats.criticalPath.slice(0, PATH_SHOWN - 3), '…', ...stats.criticalPath.slice(-2)] : stats.criticalPath;
  const out = [
    `Checked ${describeSource(result.source)}`,
    '',
    `Tasks          ${count(stats.tasks, 'task')} · ${count(stats.edges, 'dependency', 'dependencies')} · ${count(stats.roots, 'root')} · ${count(stats.leaves, 'leaf', 'leaves')}`,
    `Waves          ${stats.waves} (widest: ${stats.maxWaveWidth} task${stats.maxWaveWidth === 1 ? '' : 's'})`,
    `Critical path  ${path.length > 0 ? path.join(' → ') : '—'} (${stats.criticalPath.length} task${stats.criticalPath.length === 1 ? '' : 's'}, ${formatHours(stats.criticalPathHours)} of ${formatHours(stats.totalHours)} in all)`,
  ];

  if (result.errors.length > 0) {
    out.push('', theme.bold('Errors'));
    for (const e of result.errors.slice(0, ERRORS_SHOWN)) out.push(`  ${theme.error('✖')} ${e.code}  ${e.message}`);
    if (result.errors.length > ERRORS_SHOWN) out.push(theme.dim(`  … ${result.errors.length - ERRORS_SHOWN} more (--json lists them)`));
    if (result.errors.some((e) => e.code === 'CYCLE')) out.push(theme.dim('  In a cycle, A → B reads "A depends on B"; remove one dependency of the cycle to break it.'));
  }
  if (result.warnings.length > 0) {
    out.push('', theme.bold('Warnings'));
    for (const w of result.warnings.slice(0, WARNINGS_SHOWN)) out.push(`  ${theme.warn('!')} ${w.message}`);
    if (result.warnings.length > WARNINGS_SHOWN) out.push(theme.dim(`  … ${result.warnings.length - WARNINGS_SHOWN} more (--json lists them)`));
  }

  const n = result.errors.length;
  out.push('', result.ok ? theme.ok('Plan is valid.') : theme.error(`${n} error${n === 1 ? '' : 's'}.`));
  return out.join('\n');
}

function describeSource(source: CheckSource): string {
  if (source.kind === 'state') return `the saved plan (${source.path ?? '.xplan/state.json'})`;
  if (source.format === 'xplan') return `${source.path} (xplan plan${source.detected ? '' : ', --from xplan'})`;
  const details = [
    source.detected ? 'detected' : '--from taskmaster',
    source.layout === 'tagged' ? `tag ${source.tag}` : source.layout === 'array' ? 'a bare list' : 'legacy layout',
    `subtasks ${source.subtasks ?? 'folded'}`,
  ];
  return `${source.path} (task-master tasks.json: ${details.join(', ')})`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
