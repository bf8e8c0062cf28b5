/** `xplan logs T3 --review`: a task's latest acceptance review, criterion by criterion, and what it cost. */
import type { CriterionVerdictValue, ReviewLogResult } from '../core/run/review.js';
import { formatNumber } from '../core/text.js';
import type { Theme } from './theme.js';

const MARK: Record<CriterionVerdictValue, string> = { met: '✓', 'not-met': '✗', 'cannot-tell': '?' };

export function renderReviewLog(result: ReviewLogResult, theme: Theme): string {
  const r = result.review;
  const met = r.verdicts.filter((v) => v.verdict === 'met').length;
  const outcome = r.outcome === 'accepted' ? theme.ok(r.outcome) : r.outcome === 'rejected' ? theme.error(r.outcome) : theme.warn(r.outcome);
  const lines = [theme.bold(`Review of ${result.taskId} (attempt ${r.attempt}): ${outcome}, ${met}/${r.verdicts.length} criteria met`), theme.dim(`${r.at} · run ${result.runId}`), ''];
  for (const v of r.verdicts) {
    const mark = v.verdict === 'met' ? theme.ok(MARK[v.verdict]) : v.verdict === 'not-met' ? theme.error(MARK[v.verdict]) : theme.warn(MARK[v.verdict]);
    lines.push(`${mark} ${v.index}. ${v.criterion} — ${v.verdict}`);
    if (v.reasoning) lines.push(`    ${v.reasoning}`);
    if (v.evidence.length > 0) lines.push(theme.dim(`    evidence: ${v.evidence.join(', ')}`));
  }
  if (r.outsideTask.length > 0) lines.push('', 'Outside the task:', ...r.outsideTask.map((o) => `  - ${o}`));
  const u = r.usage;
  lines.push(
    '',
    theme.dim(
      `Model: ${r.model ?? 'the default'} · ${formatNumber(u.inputTokens)} input + ${formatNumber(u.outputTokens)} output tokens · ${u.turns} turns · $${u.costUsd.toFixed(2)}${r.repaired ? ' · its first answer was sent back once' : ''}`,
    ),
  );
  return lines.join('\n');
}

/** The JSON document: the review as kept, with its run and task. */
export function reviewLogJson(result: ReviewLogResult): unknown {
  return { schemaVersion: 1, runId: result.runId, taskId: result.taskId, ...result.review };
}
