/** `xplan runs`: one line per run, newest first. */
import { formatDate, formatDuration } from './time-format.js';
import type { RunList } from '../core/run/run-history.js';
import { renderTable, type Column } from './table.js';
import type { Theme } from './theme.js';

export function renderRuns(result: RunList & { unreadable?: string[] }, theme: Theme, now: Date = new Date()): string {
  if (result.runs.length === 0) return 'No run has started in this repository yet. Start one with `xplan run`.';
  const rows = result.runs.map((r) => [
    `${theme.bold(r.id)}${r.current ? theme.dim(' (current)') : ''}`,
    statusWord(r.status, theme),
    r.startedAt ? formatDate(r.startedAt) : '—',
    r.startedAt ? took(r.startedAt, r.endedAt, now) : '—',
    r.tasks.total > 0 ? `${r.tasks.done}/${r.tasks.total}${r.tasks.failed ? theme.error(` · ${r.tasks.failed} failed`) : ''}` : '—',
    r.usage ? `$${r.usage.costUsd.toFixed(2)}` : '—',
    r.source === 'events' ? theme.dim('events only') : r.source === 'saved' ? 'saved' : 'state',
  ]);
  const columns: Column[] = [
    { header: 'run' },
    { header: 'status' },
    { header: 'started', optional: 1 },
    { header: 'took', optional: 3 },
    { header: 'done', cut: 'end', min: 12 },
    { header: 'cost*', optional: 2 },
    { header: 'kept as', optional: 0 },
  ];
  const lines = [renderTable(columns, rows, { styleHeader: theme.dim, width: theme.columns })];
  lines.push(theme.dim('* API-equivalent. `xplan report --run <id>` writes a run\'s report; runs kept as "events only" ended before run summaries were saved.'));
  for (const path of result.unreadable ?? []) lines.push(theme.warn(`! ${path} cannot be read; that run is listed from its events.`));
  return lines.join('\n');
}

function took(startedAt: string, endedAt: string | null, now: Date): string {
  const ms = Math.max(0, Date.parse(endedAt ?? now.toISOString()) - Date.parse(startedAt));
  const text = formatDuration(ms);
  return endedAt ? text : `${text} so far`;
}

function statusWord(status: string, theme: Theme): string {
  if (status === 'completed') return theme.ok(status);
  if (status === 'failed' || status === 'stopped') return theme.error(status);
  if (status === 'unknown') return theme.dim(status);
  return theme.accent(status);
}

export function renderReportWritten(
  result: { path: string | null; text: string | null; bytes: number; format: string; report: { run: { id: string; status: string }; progress: { done: number; total: number } } },
  theme: Theme,
): string {
  if (result.text !== null) return result.text.trimEnd();
  const { run, progress } = result.report;
  const size = result.bytes >= 1024 ? `${Math.round(result.bytes / 1024)} KB` : `${result.bytes} bytes`;
  return `${theme.ok('✔')} Wrote ${result.path} (${size}): run ${run.id}, ${run.status}, ${progress.done}/${progress.total} done.${result.format === 'html' ? ` Open it in a browser; it needs no network.` : ''}`;
}

export function renderDashboardListening(url: string, theme: Theme): string {
  return `Dashboard of the current run: ${theme.accent(url)}\n${theme.dim('Read-only, on this machine only; the link carries its access token. Ctrl-C stops it.')}`;
}
