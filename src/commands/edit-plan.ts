/** `xplan task add|set|dep|move|rm`: scripted edits of the saved plan, each re-derived and re-checked. */
import { CancelledError } from '../core/errors.js';
import type { Plan } from '../core/plan/plan.js';
import { PlanEditError, removeTask as removeFromTasks, type EditPlanResult, type EditResult } from '../core/plan/plan-edit.js';
import type { Workspace } from '../workspace.js';

export function editPlan(edit: (plan: Plan) => EditResult, ws: Workspace): Promise<EditPlanResult> {
  return ws.editPlan(edit);
}

/** `xplan task rm`: a task others depend on is removed only with --force or the user's yes. */
export async function removeTask(options: { id: string; force: boolean; confirm?: (message: string) => Promise<boolean> }, ws: Workspace): Promise<EditPlanResult> {
  const { id, force, confirm } = options;
  try {
    return await ws.editPlan((plan) => removeFromTasks(plan.tasks, id, force));
  } catch (error) {
    if (!(error instanceof PlanEditError && error.code === 'HAS_DEPENDENTS') || !confirm) throw error;
    if (!(await confirm(`${error.message}. Remove ${id} anyway?`))) throw new CancelledError('Nothing removed.');
    return ws.editPlan((plan) => removeFromTasks(plan.tasks, id, true));
  }
}
