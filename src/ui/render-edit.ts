/** Human output of plan edits (`xplan task …`) and of `xplan approve`. */
import type { ApproveResult } from '../core/results.js';
import type { EditPlanResult } from '../core/plan/plan-edit.js';
import type { Plan } from '../core/plan/plan.js';
import { formatCriticalPath, leftOutLines, warningText } from './render-plan.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

function planLine(plan: Plan): string {
  const s = plan.summary;
  return `${s.tasks} tasks · ${s.streams} streams · ${s.waves} waves · critical path ${formatCriticalPath(plan)}`;
}

/** The plan in a few lines, shown above the edit menu after every change. */
export function renderPlanBrief(unsafe: Plan, theme: Theme): string {
  const plan = terminalSafe(unsafe);
  const lines = ['', theme.bold(`${plan.spec.title} · ${plan.status}`), `  ${planLine(plan)}`];
  for (const t of plan.tasks)
    lines.push(`  ${theme.bold(t.id.padEnd(4))} ${t.title} ${theme.dim(`[${t.effort}, ${t.risk}, ${t.testStrategy}]${t.dependsOn.length > 0 ? ` ← ${t.dependsOn.join(', ')}` : ''}`)}`);
  for (const w of plan.warnings) lines.push(`  ${theme.warn('!')} ${warningText(w)}`);
  return lines.join('\n');
}

export function renderEdit(unsafe: EditPlanResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  const out = [`${theme.ok('✔')} ${result.message}.`, `  ${planLine(result.plan)}`];
  for (const w of result.plan.warnings) out.push(`  ${theme.warn('!')} ${warningText(w)}`);
  if (result.approvalWithdrawn) out.push(theme.warn('The plan was approved; this edit returned it to draft.'));
  out.push(`Next: ${theme.accent('xplan show')} to review, ${theme.accent('xplan approve')} when it is right.`);
  return out.join('\n');
}

export function renderApprove(unsafe: ApproveResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  const a = result.plan.approval!;
  const out = [
    result.alreadyApproved ? `${theme.ok('✔')} Already approved by ${a.by} at ${a.at}.` : `${theme.ok('✔')} Approved by ${a.by} at ${a.at}.`,
    `  ${planLine(result.plan)}`,
    `  plan hash ${a.hash.slice(0, 12)}`,
    ...result.notes.map((n) => `  ${n}`),
    ...(result.plan.leftOut && result.plan.leftOut.length > 0
      ? [`  ${theme.warn('!')} Approved with ${result.plan.leftOut.length} item${result.plan.leftOut.length === 1 ? '' : 's'} left out of the plan:`, ...leftOutLines(result.plan, theme, '    ')]
      : []),
    `Next: ${theme.accent('xplan run')}`,
  ];
  return out.join('\n');
}
