/** Human output of `xplan assess`. */
import type { Verdict } from '../core/intake/assess.js';
import type { SourceRef } from '../core/intake/spec.js';
import type { AssessResult } from '../core/results.js';
import { formatNumber, truncate } from '../core/text.js';
import { describeEngineRun } from './render-plan.js';
import { renderTable, type Column } from './table.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

const SEVERITY: Record<Verdict, 0 | 1 | 2> = { 'single-agent': 0, 'multi-agent': 1, 'decomposition-required': 2 };
const KIND_LABEL = { prd: 'PRD', 'technical-spec': 'technical spec', 'debug-investigation': 'debug investigation', mixed: 'several kinds' } as const;
const LINES_SHOWN = 4;
const WARNING_EVIDENCE_SHOWN = 5;

export function renderAssess(unsafe: AssessResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  const a = result.assessment;
  const manyFiles = a.spec.paths.length > 1;
  const out: string[] = [];

  out.push(`${theme.bold(a.spec.title)} ${theme.dim(`· ${KIND_LABEL[a.spec.kind]} · ${a.spec.paths.join(', ')}`)}`);
  out.push('');
  out.push(`Verdict     ${theme.level(theme.bold(a.verdict), SEVERITY[a.verdict])}  ${theme.dim(`(confidence: ${a.confidence})`)}`);
  for (const reason of a.reasons) out.push(`            ${reason}`);
  if (a.engine) out.push(`Engine      ${theme.dim(describeEngineRun(a.engine))}`);
  out.push('');

  const rows = a.drivers.map((d) => [
    d.label,
    formatNumber(d.value),
    `≤ ${formatNumber(d.threshold.single)}`,
    `≤ ${formatNumber(d.threshold.multi)}`,
    d.affects === 'confidence' ? (d.level === 'single-agent' ? '—' : theme.warn('lower confidence')) : theme.level(d.level, SEVERITY[d.level]),
    lines(d.evidence, d.id === 'effortHours' ? d.evidence.length : d.value, manyFiles),
  ]);
  const columns: Column[] = [
    { header: 'Driver', cut: 'end', min: 16, cutOrder: 1 },
    { header: 'Value' },
    { header: 'Single', optional: 1 },
    { header: 'Multi', optional: 2 },
    { header: 'Points to', cut: 'end', min: 11, cutOrder: 2 },
    { header: 'Spec lines', cut: 'wrap', min: 12, cutOrder: 0, optional: 0 },
  ];
  out.push(renderTable(columns, rows, { styleHeader: theme.dim, width: theme.columns }));

  if (a.split.length > 0) {
    out.push('');
    out.push(theme.bold('Split by section'));
    const rows = a.split.map((s) => [where(s, manyFiles), s.title, theme.dim(`${s.requirements} requirements`)]);
    const columns: Column[] = [
      { header: 'Where', cut: 'middle', min: 8, cutOrder: 0 },
      { header: 'Section', cut: 'end', min: 16, cutOrder: 1 },
      { header: 'Size', optional: 0 },
    ];
    out.push(renderTable(columns, rows, { indent: '  ', styleHeader: theme.dim, width: theme.columns }));
  }

  if (a.warnings.length > 0) {
    out.push('');
    out.push(theme.bold('Warnings'));
    for (const w of a.warnings) {
      out.push(`  ${theme.warn('!')} ${w.message}`);
      for (const e of w.evidence.slice(0, WARNING_EVIDENCE_SHOWN)) out.push(`      ${theme.dim(where(e, manyFiles))}  ${truncate(e.text, 90)}`);
      if (w.evidence.length > WARNING_EVIDENCE_SHOWN) out.push(theme.dim(`      … ${w.evidence.length - WARNING_EVIDENCE_SHOWN} more (--json lists them)`));
    }
  }

  out.push('');
  out.push(`Next: ${theme.accent(a.next)}`);
  if (result.saved) out.push(theme.dim(`Saved to ${result.saved.path} (revision ${result.saved.revision}).`));
  else if (result.notSavedReason) out.push(theme.dim(`Not saved: ${result.notSavedReason}.`));
  return out.join('\n');
}

function where(ref: { file: string; line: number }, withFile: boolean): string {
  return withFile ? `${ref.file}:${ref.line}` : `line ${ref.line}`;
}

/** The first lines an item came from, and how many more there are. */
function lines(evidence: SourceRef[], total: number, withFile: boolean): string {
  if (evidence.length === 0) return '—';
  const sorted = [...evidence].sort((x, y) => (x.file === y.file ? x.line - y.line : x.file < y.file ? -1 : 1));
  const labels = [...new Set(sorted.map((e) => (withFile ? `${e.file}:${e.line}` : String(e.line))))];
  const shown = labels.slice(0, LINES_SHOWN);
  const more = Math.max(labels.length, total - (evidence.length - labels.length)) - shown.length;
  return shown.join(', ') + (more > 0 ? ` +${more}` : '');
}
