/** `xplan status`: progress, the task table, blockers with the next command, usage. */
import { formatDate, formatDuration, relativeTime } from './time-format.js';
import type { StatusResult, TaskStatus } from '../core/run/run-status.js';
import { formatNumber, truncate } from '../core/text.js';
import { renderTable, type Column } from './table.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

const ORDER = ['completed', 'unverified', 'skipped', 'running', 'verifying', 'reviewing', 'held', 'retrying', 'ready', 'waiting', 'interrupted', 'failed', 'blocked', 'conflict'] as const;

export function renderStatus(unsafe: StatusResult, theme: Theme, now: Date = new Date()): string {
  const status = terminalSafe(unsafe);
  const { run } = status;
  const done = (status.counts.completed ?? 0) + (status.counts.unverified ?? 0) + (status.counts.skipped ?? 0);
  const lines = [
    `${theme.bold(`Run ${run.id}`)} · ${statusWord(run.status, theme)} · started ${formatDate(run.startedAt)} (${relativeTime(run.startedAt, now)})${run.endedAt ? ` · took ${formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt))}` : ''}`,
    `${progressBar(done, status.total, theme)} ${done}/${status.total} done · ${ORDER.filter((s) => status.counts[s])
      .map((s) => `${status.counts[s]} ${s}`)
      .join(' · ')}`,
  ];
  if (run.status === 'waiting' && run.resumeAt) lines.push(theme.warn(`Waiting for a usage limit to reset at ${formatDate(run.resumeAt)} (${relativeTime(run.resumeAt, now)}).`));
  if (run.stop) lines.push(`${theme.error('■')} Stopped: ${run.stop.message}${run.stop.hint ? `\n  ${theme.dim('→')} ${run.stop.hint}` : ''}`);
  if (run.status === 'paused' && run.pauseReason) lines.push(theme.warn(`Paused by xplan: ${run.pauseReason}`));
  if (run.orphaned) lines.push(theme.warn('No xplan process is driving this run: `xplan resume` continues it.'));
  lines.push('');
  const reviewed = status.tasks.some((t) => t.review !== null);
  const rows = status.tasks.map((t) => [
    theme.bold(t.id),
    stateCell(t, theme),
    t.agent ? `agent-${t.agent}` : '—',
    t.attempt > 1 ? String(t.attempt) : t.attempt === 1 ? '1' : '—',
    t.durationMs !== null ? formatDuration(t.durationMs) : '—',
    t.usage.inputTokens + t.usage.outputTokens > 0 ? formatNumber(t.usage.inputTokens + t.usage.outputTokens) : '—',
    t.usage.costUsd > 0 ? `$${t.usage.costUsd.toFixed(2)}` : '—',
    ...(status.integration ? [t.merge ?? '—'] : []),
    ...(reviewed ? [t.review ? reviewCell(t.review, theme) : '—'] : []),
    t.branch ? theme.dim(branchInRun(t.branch, run.id)) : '—',
    titleCell(t, theme),
  ]);
  // The title gets the room; on a narrow terminal the branch is shortened first, then the figures are left out.
  const header: Column[] = [
    { header: 'task' },
    { header: 'state' },
    { header: 'agent', optional: 5 },
    { header: 'try', optional: 1 },
    { header: 'time', optional: 4 },
    { header: 'tokens', optional: 0 },
    { header: 'cost', optional: 3 },
    ...(status.integration ? [{ header: 'merge', optional: 6 }] : []),
    ...(reviewed ? [{ header: 'review' }] : []),
    { header: 'branch', cut: 'middle', min: 22, cutOrder: 0, optional: 2 },
    { header: 'title', cut: 'end', min: 30, cutOrder: 1 },
  ];
  lines.push(renderTable(header, rows, { styleHeader: theme.dim, width: theme.columns }));
  // The criteria a review found not met, or could not judge, named under the table.
  const short = status.tasks.filter((t) => t.review && t.review.outcome !== 'accepted' && t.state !== 'completed' && t.state !== 'unverified');
  for (const t of short) {
    lines.push('', theme.bold(`Review of ${t.id} (attempt ${t.review!.attempt}): ${t.review!.met}/${t.review!.total} criteria met`));
    for (const v of t.review!.verdicts.filter((v) => v.verdict !== 'met')) {
      lines.push(
        `  ${v.verdict === 'not-met' ? theme.error('✗ not met') : theme.warn('? cannot tell')} ${v.index}. ${truncate(v.criterion, 90)} ${theme.dim(`· ${truncate(v.reasoning, 90)}${v.evidence.length > 0 ? ` (${v.evidence.join('; ')})` : ''}`)}`,
      );
    }
  }
  if (status.integration) {
    const merged = status.tasks.filter((t) => t.merge === 'merged').length;
    const landed = status.integration.landed;
    lines.push('', `Integration: ${status.integration.branch} · ${merged}/${status.total} merged${landed ? ` · landed on ${landed.into} (${landed.commit.slice(0, 8)})` : ''}`);
  }
  // Only what needs a person is listed; a task that merely waits for unfinished work is counted.
  const states = new Map(status.tasks.map((t) => [t.id, t.state]));
  const needsPerson = status.blockers.filter((b) => b.waitingOn.includes(b.task) || b.waitingOn.some((id) => states.get(id) === 'skipped'));
  const waiting = status.blockers.length - needsPerson.length;
  if (needsPerson.length > 0) {
    lines.push('', theme.bold('Blocked'));
    const labels = new Map(status.tasks.map((t) => [t.id, t.label]));
    // The reason in full: the table may have cut it to fit.
    const reasons = new Map(status.tasks.map((t) => [t.id, t.reason?.replace(/\s+/g, ' ').trim()]));
    for (const b of needsPerson) {
      const held = status.blockers.filter((other) => other.task !== b.task && other.waitingOn.includes(b.task)).map((other) => other.task);
      const what =
        b.waitingOn.length === 1 && b.waitingOn[0] === b.task
          ? `${b.task} is ${labels.get(b.task)}${reasons.get(b.task) ? ` — ${reasons.get(b.task)}` : ''}${held.length > 0 ? ` (holds ${held.join(', ')})` : ''}`
          : `${b.task} waits for ${b.waitingOn.map((id) => `${id} (${labels.get(id) ?? 'not in this run'})`).join(', ')}`;
      lines.push(`  ${what} ${theme.dim('→')} ${b.next}`);
    }
  }
  if (waiting > 0) lines.push('', theme.dim(`${waiting} task${waiting === 1 ? '' : 's'} waiting for unfinished dependencies.`));
  if (status.next) lines.push('', `${theme.bold('Next:')} ${status.next}`);
  const u = status.usage;
  const r = u.review;
  const reviews = r.inputTokens + r.outputTokens > 0 ? ` · reviews: ${formatNumber(r.inputTokens + r.outputTokens)} tokens, $${r.costUsd.toFixed(2)}` : '';
  lines.push('', theme.dim(`Usage: ${formatNumber(u.inputTokens)} input + ${formatNumber(u.outputTokens)} output tokens · ${u.turns} turns · $${u.costUsd.toFixed(2)}${reviews}`));
  return lines.join('\n');
}

/** The title, with why the task stands where it does (a failure, a skip reason) after it. */
function titleCell(t: TaskStatus, theme: Theme): string {
  const title = t.title.replace(/\s+/g, ' ').trim();
  return t.reason ? `${title} ${theme.dim(`— ${t.reason.replace(/\s+/g, ' ').trim()}`)}` : title;
}

/** A task branch as its run's own table shows it: the run id every branch of the run shares is left out. */
export function branchInRun(branch: string, runId: string): string {
  const prefix = `xplan/${runId}/`;
  return branch.startsWith(prefix) ? branch.slice(prefix.length) : branch;
}

function reviewCell(review: NonNullable<TaskStatus['review']>, theme: Theme): string {
  const text = `review ${review.met}/${review.total}`;
  return review.outcome === 'accepted' ? theme.ok(text) : review.outcome === 'rejected' ? theme.error(text) : theme.warn(text);
}

function stateCell(t: TaskStatus, theme: Theme): string {
  if (t.state === 'completed' || t.state === 'skipped') return theme.ok(t.label);
  if (t.state === 'unverified' || t.state === 'retrying' || t.state === 'interrupted' || t.state === 'held') return theme.warn(t.label);
  if (t.state === 'failed' || t.state === 'blocked') return theme.error(t.label);
  if (t.state === 'running' || t.state === 'verifying' || t.state === 'reviewing') return theme.accent(t.label);
  return t.label;
}

function statusWord(status: StatusResult['run']['status'], theme: Theme): string {
  if (status === 'completed') return theme.ok(status);
  if (status === 'failed' || status === 'stopped') return theme.error(status);
  return theme.accent(status);
}

export function progressBar(done: number, total: number, theme: Theme, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `${theme.ok('█'.repeat(filled))}${theme.dim('░'.repeat(width - filled))}`;
}
