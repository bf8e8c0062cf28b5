/** `xplan show`: the plan saved in this repository. */
import type { Plan } from '../core/plan.js';
import type { Workspace } from '../workspace.js';

export async function show(ws: Workspace): Promise<{ plan: Plan }> {
  const { plan } = await ws.requirePlan();
  return { plan };
}
