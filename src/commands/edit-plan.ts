/**
 * The one way a saved plan changes after generation: load it, refuse while a run uses it, apply an edit,
 * recompute everything derived (the same checks as `xplan plan`), and save it back as a draft with a
 * compare-and-swap on the state revision.
 */
import { join } from 'node:path';
import { CancelledError, InputError, XplanError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { derivePlan } from '../core/plan-derive.js';
import { PlanEditError, removeTask, type EditResult } from '../core/plan-edit.js';
import { parseSpec, type ParsedSpec } from '../core/spec.js';
import type { State } from '../core/state.js';
import { isActiveRun } from '../core/run.js';
import { readConfig } from '../adapters/config-file.js';
import { findProject, type Project } from '../adapters/project.js';
import { readSpecFile } from '../adapters/spec-file.js';
import { StateConflictError, StateStore } from '../adapters/state-store.js';

export interface EditPlanResult {
  plan: Plan;
  message: string;
  /** The plan was approved before this edit and is a draft again. */
  approvalWithdrawn: boolean;
}

export async function loadPlanForEdit(cwd: string): Promise<{ project: Project; store: StateStore; state: State; plan: Plan }> {
  const project = findProject(cwd);
  if (!project.inGitRepo) throw new InputError('NO_PLAN', 'Not inside a git repository, so there is no saved plan', 'Run xplan inside the repository you planned.');
  // Scripted edits from several terminals queue on the state lock: each holds it for one edit, so waiting is safe.
  const store = new StateStore(project.xplanDir, { lockTimeoutMs: 30_000 });
  const state = await store.read();
  if (!state) throw noPlan();
  return { project, store, state, plan: editablePlan(state) };
}

const noPlan = () => new InputError('NO_PLAN', 'There is no saved plan in this repository', 'Run `xplan plan <spec.md>` to create one.');

/** The saved plan, if it may change now: there is one, and no run works from it. */
function editablePlan(state: State): Plan {
  if (!state.plan) throw noPlan();
  if (state.run && isActiveRun(state.run)) {
    throw new XplanError('RUN_IN_PROGRESS', `Run ${state.run.id} is ${state.run.status}: the plan cannot change while agents work from it`, {
      hint: 'Cancel the run and re-plan: stop it with `xplan pause --now`, then edit or run `xplan plan` again.',
    });
  }
  return state.plan;
}

export interface EditSession {
  plan: Plan;
  /** Recomputes everything derived from a new task list, with the same checks as `xplan plan`. */
  derive: (tasks: Plan['tasks'], from?: Plan) => Plan;
  /** Saves a derived plan, refused if the state changed since the session began. */
  save: (next: Plan) => Promise<void>;
  /**
   * Applies `change` to the plan as it is under the state lock, and saves the result. When another process wrote
   * since the session began, the change is applied again to what it wrote, so parallel edits all land.
   */
  apply: (change: (plan: Plan) => Plan) => Promise<Plan>;
}

/** With `expectedRevision`, refuses to start if the state changed since the caller read that revision. */
export async function startEdit(cwd: string, expectedRevision?: number): Promise<EditSession> {
  const { project, store, state, plan } = await loadPlanForEdit(cwd);
  if (expectedRevision !== undefined && state.revision !== expectedRevision) throw new StateConflictError(expectedRevision, state.revision);
  const config = await readConfig(project.xplanDir, cwd);
  const settings = {
    ...(await specsFor(project, state)),
    previousCoverage: plan.summary.coverage,
    concurrency: config.run.concurrency,
    minHoursPerTask: config.plan.minHoursPerTask,
    tinyTaskRatio: config.plan.tinyTaskRatio,
  };
  return {
    plan,
    derive: (tasks, from = plan) => derivePlan({ planId: from.planId, branching: from.branching, spec: from.spec, tasks, streams: from.streams, warnings: from.warnings }, settings),
    save: async (next) => {
      await store.update((s) => ({ ...s, plan: next }), { expectedRevision: state.revision });
    },
    apply: async (change) => {
      const written = await store.update((s) => ({ ...s, plan: change(editablePlan(s)) }), {
        ...(expectedRevision !== undefined ? { expectedRevision } : {}),
      });
      return written.plan!;
    },
  };
}

/**
 * One edit of the saved plan. With `expectedRevision` (an edit made on a copy the user saw), a state changed since
 * is a conflict; without it (`xplan task …`), the edit is applied to the plan as it is when the lock is taken.
 */
export async function editPlan(cwd: string, edit: (plan: Plan) => EditResult, expectedRevision?: number): Promise<EditPlanResult> {
  const session = await startEdit(cwd, expectedRevision);
  let message = '';
  let approvalWithdrawn = false;
  const plan = await session.apply((current) => {
    const result = edit(current);
    message = result.message;
    approvalWithdrawn = current.status === 'approved';
    return session.derive(result.tasks, current);
  });
  return { plan, message, approvalWithdrawn };
}

/** The specs the plan came from, to recompute coverage; unreadable or changed specs keep the old figures. */
async function specsFor(project: Project, state: State): Promise<{ specs?: ParsedSpec[] }> {
  try {
    const files = await Promise.all(state.specs.map((s) => readSpecFile(join(project.root, s.path), project.root)));
    if (files.some((f, i) => f.sha256 !== state.specs[i]!.sha256)) return {};
    const paths = state.plan?.spec.paths ?? [];
    return { specs: files.map((f, i) => parseSpec(f.text, paths[i] ?? f.path)) };
  } catch {
    return {};
  }
}

/** `xplan task rm`: a task others depend on is removed only with --force or the user's yes. */
export async function removeTaskAsking(cwd: string, id: string, force: boolean, confirm?: (message: string) => Promise<boolean>): Promise<EditPlanResult> {
  try {
    return await editPlan(cwd, (plan) => removeTask(plan.tasks, id, force));
  } catch (error) {
    if (!(error instanceof PlanEditError && error.code === 'HAS_DEPENDENTS') || !confirm) throw error;
    if (!(await confirm(`${error.message}. Remove ${id} anyway?`))) throw new CancelledError('Nothing removed.');
    return editPlan(cwd, (plan) => removeTask(plan.tasks, id, true));
  }
}
