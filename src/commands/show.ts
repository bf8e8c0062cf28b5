/** `xplan show`: the plan saved in this repository. */
import { planHash, type Plan } from '../core/plan/plan.js';
import { planAssessment, type PlanAssessment } from '../core/plan/plan-verdict.js';
import { DONE_STATES, stateLabel } from '../core/run/run.js';
import type { Workspace } from '../workspace.js';

/**
 * The saved plan, the verdict it was made under (when the saved assessment is of its specs) and, when a run worked
 * from exactly this plan, how far each of its tasks got.
 */
export async function show(ws: Workspace): Promise<{ plan: Plan; assessment?: PlanAssessment; progress?: Record<string, { done: boolean; label: string }> }> {
  const { state, plan } = await ws.requirePlan();
  const assessment = planAssessment(state.assessment, plan);
  const run = state.run;
  if (!run || run.planHash !== planHash(plan.tasks)) return { plan, assessment };
  const progress: Record<string, { done: boolean; label: string }> = {};
  for (const [id, task] of Object.entries(run.tasks)) progress[id] = { done: DONE_STATES.has(task.state), label: `${stateLabel(task)} in run ${run.id}` };
  return { plan, assessment, progress };
}
