/** `xplan show`: the plan saved in this repository. */
import { InputError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { findProject } from '../adapters/project.js';
import { StateStore } from '../adapters/state-store.js';

export async function show(options: { cwd: string }): Promise<{ plan: Plan }> {
  const project = findProject(options.cwd);
  const state = project.inGitRepo ? await new StateStore(project.xplanDir).read() : undefined;
  if (!state?.plan) {
    throw new InputError('NO_PLAN', 'There is no saved plan in this repository', 'Run `xplan plan <spec.md>` to create one.');
  }
  return { plan: state.plan };
}
