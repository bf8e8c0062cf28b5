/** Human output of `xplan doctor` and `xplan init`. */
import type { DoctorResult, InitResult } from '../core/results.js';
import { renderTable, type Column } from './table.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

export function renderDoctor(unsafe: DoctorResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  const rows = result.checks.map((c) => [
    c.status === 'ok' ? theme.ok('✔') : c.required ? theme.error('✖') : theme.warn('!'),
    c.name,
    c.version ?? '',
    c.neededFor,
    c.status === 'ok' ? theme.dim(c.detail ?? '') : `${c.status}${c.detail ? `: ${c.detail}` : ''}`,
  ]);
  const columns: Column[] = [
    { header: '' },
    { header: 'Check' },
    { header: 'Version', cut: 'end', min: 8, cutOrder: 0, optional: 0 },
    { header: 'Needed for', cut: 'end', min: 12, cutOrder: 1, optional: 1 },
    { header: 'Status', cut: 'wrap', min: 24, cutOrder: 2 },
  ];
  const out = [renderTable(columns, rows, { styleHeader: theme.dim, width: theme.columns })];
  const fixes = result.checks.filter((c) => c.status !== 'ok' && c.fix);
  if (fixes.length > 0) {
    out.push('', theme.bold('To fix'));
    for (const c of fixes) out.push(`  ${c.name}: ${c.fix}`);
  }
  out.push('', result.ok ? theme.ok('Ready.') : theme.error('Not ready: fix the required checks marked ✖.'));
  return out.join('\n');
}

export function renderInit(unsafe: InitResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  if (result.printed !== undefined) return result.printed.trimEnd();
  const out = [`${theme.ok('✔')} ${result.overwritten ? 'Replaced' : 'Wrote'} ${result.configPath} (every setting with its default) and .xplan/.gitignore.`];
  if (!result.inGitRepo) out.push(theme.warn('! Not inside a git repository: `xplan run` needs one (git init).'));
  out.push(`Next: ${theme.accent('xplan assess <spec.md>')}`);
  return out.join('\n');
}
