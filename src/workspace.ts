/**
 * A repository as xplan sees it, opened once per command: where it is, its config, its state store and run files,
 * and the one error each for a missing plan, an unapproved plan or a missing run. It is also the one way a saved
 * plan changes after generation (edit sessions). What only some commands need is imported when they need it.
 */
import { join } from 'node:path';
import type { Config } from './core/config.js';
import { noPlanError, noRunError, notARepositoryError, planNotApprovedError, runInProgressError, specChangedError } from './core/errors.js';
import { isApproved, type Plan } from './core/plan/plan.js';
import type { EditPlanResult, EditResult } from './core/plan/plan-edit.js';
import { isActiveRun, type RunState } from './core/run/run.js';
import type { ParsedSpec } from './core/intake/spec.js';
import type { State } from './core/run/state.js';
import { readConfig } from './adapters/store/config-file.js';
import { findProject, type Project } from './adapters/store/project.js';
import { RunFiles } from './adapters/store/run-files.js';
import { StateConflictError, StateStore } from './adapters/store/state-store.js';

export interface EditSession {
  plan: Plan;
  /** Recomputes everything derived from a new task list (of `from`, by default the session's plan), with the same checks as `xplan plan`. */
  derive: (tasks: Plan['tasks'], from?: Plan) => Plan;
  /** Saves a derived plan, refused if the state changed since the session began. */
  save: (next: Plan) => Promise<void>;
  /**
   * Applies `change` to the plan as it is under the state lock, and saves the result. When another process wrote
   * since the session began, the change is applied again to what it wrote, so parallel edits all land.
   */
  apply: (change: (plan: Plan) => Plan) => Promise<Plan>;
}

/** Runs after a plan is approved (exporting it to beads, for one); returns a line for the user, if any. */
export type ApprovalHook = (plan: Plan, ws: Workspace) => Promise<string | undefined>;

export class Workspace {
  readonly project: Project;
  readonly store: StateStore;
  readonly files: RunFiles;
  private configRead: Promise<Config> | undefined;

  private constructor(
    readonly cwd: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.project = findProject(cwd);
    // Edits and control commands from several terminals queue on the state lock; each holds it for one write.
    this.store = new StateStore(this.project.xplanDir, { lockTimeoutMs: 30_000 });
    this.files = new RunFiles(this.project.xplanDir);
  }

  static open(cwd: string, env: NodeJS.ProcessEnv = process.env): Workspace {
    return new Workspace(cwd, env);
  }

  get root(): string {
    return this.project.root;
  }

  config(): Promise<Config> {
    this.configRead ??= readConfig(this.project.xplanDir, this.cwd);
    return this.configRead;
  }

  /** The saved state, read afresh; outside a git repository there is none. */
  async state(): Promise<State | undefined> {
    return this.project.inGitRepo ? this.store.read() : undefined;
  }

  requireRepository(): void {
    if (!this.project.inGitRepo) throw notARepositoryError();
  }

  async requirePlan(): Promise<{ state: State; plan: Plan }> {
    if (!this.project.inGitRepo) throw noPlanError('not-a-repository');
    const state = await this.store.read();
    if (!state?.plan) throw noPlanError('none');
    return { state, plan: state.plan };
  }

  /** The plan, refused while a run works from it. */
  async requireEditablePlan(): Promise<{ state: State; plan: Plan }> {
    const loaded = await this.requirePlan();
    return { state: loaded.state, plan: editablePlan(loaded.state) };
  }

  /** The plan, refused unless it is approved and unchanged since; `purpose` words the refusal. */
  async requireApprovedPlan(purpose: 'run' | 'export'): Promise<{ state: State; plan: Plan }> {
    const loaded = await this.requirePlan();
    if (!isApproved(loaded.plan)) throw planNotApprovedError(loaded.plan, purpose);
    return loaded;
  }

  /**
   * Refuses, naming the files, when a spec the plan was made from changed since (`state.specs` holds their hashes);
   * `force` runs anyway. Reads only: a refusal leaves everything as it was.
   */
  async requireUnchangedSpecs(state: State, command: string, force = false): Promise<void> {
    if (force) return;
    const { changedSpecFiles } = await import('./adapters/store/spec-file.js');
    const changed = await changedSpecFiles(this.root, state.specs);
    if (changed.length > 0) throw specChangedError(changed, command);
  }

  /** The current run, or with `runId` an earlier one (see `xplan runs`). */
  async requireRun(options: { runId?: string | undefined; hint?: string } = {}): Promise<{ state: State; plan: Plan; run: RunState }> {
    const hint = options.hint ?? 'Start one with `xplan run`.';
    if (!this.project.inGitRepo) throw noRunError(hint);
    const { readRunState } = await import('./adapters/store/run-history.js');
    const state = await readRunState(this.project.xplanDir, options.runId);
    if (!state?.run || !state.plan) throw noRunError(hint);
    return { state, plan: state.plan, run: state.run };
  }

  /** Who is at the keyboard, from git's config. */
  async user(): Promise<string> {
    const { gitUser } = await import('./adapters/tools/git.js');
    return gitUser(this.root);
  }

  /** With `expectedRevision`, refuses to start if the state changed since the caller read that revision. */
  async startPlanEdit(expectedRevision?: number): Promise<EditSession> {
    const { state, plan } = await this.requireEditablePlan();
    if (expectedRevision !== undefined && state.revision !== expectedRevision) throw new StateConflictError(expectedRevision, state.revision);
    const config = await this.config();
    const { derivePlan } = await import('./core/plan/plan-derive.js');
    const settings = {
      ...(await this.parsedSpecs(state)),
      previousCoverage: plan.summary.coverage,
      concurrency: config.run.concurrency,
      minHoursPerTask: config.plan.minHoursPerTask,
      tinyTaskRatio: config.plan.tinyTaskRatio,
    };
    return {
      plan,
      derive: (tasks, from = plan) =>
        derivePlan({ planId: from.planId, branching: from.branching, spec: from.spec, tasks, streams: from.streams, warnings: from.warnings, leftOut: from.leftOut, note: from.note }, settings),
      save: async (next) => {
        await this.writePlan('xplan edit', () => this.store.update((s) => ({ ...s, plan: next }), { expectedRevision: state.revision }));
      },
      apply: async (change) => {
        const written = await this.writePlan('xplan task', () => this.store.update((s) => ({ ...s, plan: change(editablePlan(s)) }), expectedRevision !== undefined ? { expectedRevision } : {}));
        return written.plan!;
      },
    };
  }

  /**
   * One edit of the saved plan, re-derived and re-checked, saved as a draft. With `expectedRevision` (an edit made
   * on a copy the user saw), a state changed since is a conflict; without it (`xplan task …`), the edit applies to
   * the plan as it is when the lock is taken.
   */
  async editPlan(edit: (plan: Plan) => EditResult, expectedRevision?: number): Promise<EditPlanResult> {
    const session = await this.startPlanEdit(expectedRevision);
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

  /**
   * A write of the plan, under the run lock that `xplan run` reads the plan under: a run starting at the same moment
   * either sees this plan or, holding the lock first, makes this write fail. Other plan and run changes under way
   * are waited for. `write` itself refuses while a run is active (editablePlan, inside the state lock).
   */
  async writePlan<T>(command: string, write: () => Promise<T>): Promise<T> {
    const { acquireCommandLock } = await import('./adapters/store/run-lock.js');
    const lock = await acquireCommandLock(this.project.xplanDir, '', command, new Date());
    if (!lock.taken) throw runInProgressError({ id: lock.driver.runId, status: 'running' }, 'edit');
    try {
      return await write();
    } finally {
      await lock.release();
    }
  }

  /** The specs the plan came from, to recompute coverage; unreadable or changed specs keep the old figures. */
  private async parsedSpecs(state: State): Promise<{ specs?: ParsedSpec[] }> {
    try {
      const { readSpecFile } = await import('./adapters/store/spec-file.js');
      const { parseSpec } = await import('./core/intake/spec.js');
      const files = await Promise.all(state.specs.map((s) => readSpecFile(join(this.root, s.path), this.root)));
      if (files.some((f, i) => f.sha256 !== state.specs[i]!.sha256)) return {};
      const paths = state.plan?.spec.paths ?? [];
      return { specs: files.map((f, i) => parseSpec(f.text, paths[i] ?? f.path)) };
    } catch {
      return {};
    }
  }
}

/** The saved plan, if it may change now: there is one, and no run works from it. */
export function editablePlan(state: State): Plan {
  if (!state.plan) throw noPlanError('none');
  const run = state.run;
  if (run && isActiveRun(run)) throw runInProgressError(run, 'edit');
  return state.plan;
}
