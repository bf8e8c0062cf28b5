/** The report of `xplan export beads`. */
import { count } from '../core/text.js';
import type { ExportResult } from '../core/beads/beads-export.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

const PREFIX_SOURCES = { flag: '--prefix', bd: 'the bd workspace', directory: 'the directory name, as `bd init` would pick it' } as const;

/**
 * The export: the counts, then what changed. By default one line per issue created or updated (links are counted,
 * not listed); `detail` (a dry run, or --verbose) lists every call, links included.
 */
export function renderExport(unsafe: ExportResult, theme: Theme, detail = true): string {
  const result = terminalSafe(unsafe);
  const notes = result.notes.map((note) => theme.dim(note));
  if (result.mode === 'jsonl') {
    return [
      ...result.actions.map((action, i) => (i === 0 ? `${theme.ok('✓')} ${action}` : theme.dim(`  ${action}`))),
      theme.dim(`  prefix ${result.prefix} from ${PREFIX_SOURCES[result.prefixSource ?? 'directory']}; another one with --prefix`),
      `  ${theme.dim('→')} Import it into beads with: ${theme.bold(result.importCommand!)}`,
      ...notes,
      theme.dim(result.tool ? '--jsonl was given, so bd was not called.' : 'bd is not on PATH: install beads (`brew install beads` or `npm install -g @beads/bd`) to export directly.'),
    ].join('\n');
  }
  const c = result.counts;
  const how = result.creation === 'graph' ? ' (new issues in one transaction)' : '';
  const lines = [
    `${theme.ok('✓')} ${result.dryRun ? 'Would export' : 'Exported'} to ${result.tool} ${result.version}${result.prefix ? ` (prefix ${result.prefix})` : ''}: ${c.created} created${how}, ${c.updated} updated, ${c.unchanged} unchanged; dependencies +${c.dependenciesAdded} −${c.dependenciesRemoved}${c.statuses ? `; ${count(c.statuses, 'status', 'statuses')} synced` : ''}${c.epics ? `; ${count(c.epics, 'epic')} closed or reopened` : ''}.`,
  ];
  for (const action of detail ? result.actions : summaryOf(result.actions)) lines.push(theme.dim(`  ${action}`));
  lines.push(...notes);
  return lines.join('\n');
}

/** One line per issue created, updated or given a status: the dependency calls and follow-up detail calls go. */
export function summaryOf(actions: readonly string[]): string[] {
  return actions
    .map((action) => action.trim())
    .filter((action) => !action.startsWith('dep ') && !action.endsWith('(not in the graph format)') && !/^create \d+ issues and \d+ dependencies in one transaction/.test(action));
}
