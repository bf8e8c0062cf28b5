/** The report of `xplan export beads`. */
import type { ExportResult } from '../commands/export-beads.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

export function renderExport(unsafe: ExportResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  if (result.mode === 'jsonl') {
    return [
      `${theme.ok('✓')} ${result.actions[0]}`,
      `  ${theme.dim('→')} Import it into beads with: ${theme.bold(result.importCommand!)}`,
      theme.dim('bd is not on PATH (or --jsonl was given): install beads (`brew install beads` or `npm install -g @beads/bd`) to export directly.'),
    ].join('\n');
  }
  const c = result.counts;
  const lines = [
    `${theme.ok('✓')} ${result.dryRun ? 'Would export' : 'Exported'} to ${result.tool} ${result.version}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged; dependencies +${c.dependenciesAdded} −${c.dependenciesRemoved}${c.statuses ? `; ${c.statuses} status(es) synced` : ''}.`,
  ];
  for (const action of result.actions) lines.push(theme.dim(`  ${action}`));
  return lines.join('\n');
}
