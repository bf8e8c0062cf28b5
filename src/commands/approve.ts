/** `xplan approve`: a reviewed plan becomes the one agents may run. Records who, when and the plan's hash. */
import { count } from '../core/text.js';
import { analyzeDag } from '../core/plan/dag.js';
import { CancelledError, confirmationRequiredError, XplanError } from '../core/errors.js';
import { planHash, type Plan } from '../core/plan/plan.js';
import type { ApprovalHook, Workspace } from '../workspace.js';
import type { ApproveResult } from '../core/results.js';
export type { ApproveResult };

export interface ApproveOptions {
  yes: boolean;
  confirm?: (message: string) => Promise<boolean>;
  now?: () => Date;
  hooks?: ApprovalHook[];
}

export async function approve(options: ApproveOptions, ws: Workspace): Promise<ApproveResult> {
  const { state, plan } = await ws.requireEditablePlan();
  if (plan.tasks.length === 0) {
    throw new XplanError('PLAN_EMPTY', 'The plan has no tasks and cannot be approved', {
      exitCode: 1,
      hint: 'Add tasks with `xplan task add --title …`, or plan a spec with `xplan plan <spec.md>`.',
    });
  }
  // The same checks as `xplan check`: every field of every task, then the graph.
  const { validatePlanDocument } = await import('../core/plan/plan-schema.js');
  const fields = validatePlanDocument(plan);
  const errors = [...(fields.ok ? [] : fields.errors), ...analyzeDag(plan.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn }))).errors.map((e) => e.message)];
  if (errors.length > 0) {
    const shown = errors.slice(0, 5).join('; ') + (errors.length > 5 ? `; and ${errors.length - 5} more` : '');
    throw new XplanError('PLAN_HAS_ERRORS', `The plan has ${errors.length} error${errors.length === 1 ? '' : 's'} and cannot be approved: ${shown}`, {
      exitCode: 1,
      hint: 'Fix them with `xplan task …` or `xplan plan --edit`; `xplan check` lists them.',
    });
  }
  const hash = planHash(plan.tasks);
  if (plan.status === 'approved' && plan.approval?.hash === hash) return { plan, alreadyApproved: true, notes: [] };

  if (plan.warnings.length > 0 && !options.yes) {
    const summary = plan.warnings.map((w) => w.message).join('; ');
    if (!options.confirm) {
      throw confirmationRequiredError(`Not approved: the plan has warnings (${summary})`, 'Review them with `xplan show`, then approve with --yes.');
    }
    if (!(await options.confirm(`The plan has ${count(plan.warnings.length, 'warning')}: ${summary}. Approve it anyway?`))) throw new CancelledError('Not approved.');
  }

  const approved: Plan = {
    ...plan,
    status: 'approved',
    approval: { by: await ws.user(), at: (options.now?.() ?? new Date()).toISOString(), hash },
  };
  await ws.writePlan('xplan approve', () => ws.store.update((s) => ({ ...s, plan: approved }), { expectedRevision: state.revision }));
  const notes: string[] = [];
  for (const hook of options.hooks ?? []) {
    const note = await hook(approved, ws);
    if (note) notes.push(note);
  }
  return { plan: approved, alreadyApproved: false, notes };
}
