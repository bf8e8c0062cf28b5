/** `xplan plan`: generate the task plan for the specs (or the ones saved by assess) and save it as a draft. */
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { assessSpecs, type Assessment } from '../core/intake/assess.js';
import { CancelledError, confirmationRequiredError, runInProgressError, UsageError } from '../core/errors.js';
import { planHash, type Branching, type Plan } from '../core/plan/plan.js';
import { configuredEngine, type EngineName } from '../core/config.js';
import { isActiveRun } from '../core/run/run.js';
import { readConflictHistory } from '../adapters/store/conflict-history.js';
import { parseSpecs } from '../core/intake/spec.js';
import { planAssessment, type PlanAssessment } from '../core/plan/plan-verdict.js';
import { secretsInSpecs, secretsWarning } from '../core/secrets.js';
import { chooseEngine, createEngine } from '../engines/engine.js';
import type { State } from '../core/run/state.js';
import { readSpecFiles, type SpecFile } from '../adapters/store/spec-file.js';
import { refuseTaskmasterAsSpec } from '../adapters/store/foreign-plan.js';
import { editablePlan, type Workspace } from '../workspace.js';

export interface PlanOptions {
  specs: string[];
  maxTasks?: number;
  branching?: Branching;
  /** Accept every confirmation. */
  yes: boolean;
  /** Replace an approved or hand-edited plan without asking. */
  force?: boolean;
  /** Asks the user; undefined when nobody can answer (no terminal). */
  confirm?: (message: string) => Promise<boolean>;
  /** Overrides the config's `engine`. */
  engine?: EngineName;
  /** Told what a slow engine is waiting for. */
  progress?: (message: string) => void;
  /** The lead's instruction to the planner; without it, the saved plan's note is kept. */
  note?: string;
}

export interface PlanResult {
  plan: Plan;
  /** Whether the assessment saved by `xplan assess` was reused (same spec contents). */
  reusedAssessment: boolean;
  /** The verdict the plan was made under: one agent or several, and the spec lines behind it. */
  assessment?: PlanAssessment;
  saved?: { path: string; revision: number };
  notSavedReason?: string;
}

export async function plan(options: PlanOptions, ws: Workspace): Promise<PlanResult> {
  const { project } = ws;
  const config = await ws.config();
  const store = project.inGitRepo ? ws.store : undefined;
  const state = await ws.state();
  if (state?.run && isActiveRun(state.run)) throw runInProgressError(state.run, 'replan');

  const paths = options.specs.length > 0 ? options.specs : (state?.specs ?? []).map((s) => relative(ws.cwd, join(project.root, s.path)));
  if (paths.length === 0) {
    throw new UsageError('No spec given, and no spec saved by `xplan assess` in this repository', 'Run `xplan plan <spec.md>` (or `xplan assess <spec.md>` first).');
  }
  const files = await readSpecFiles(paths, ws.cwd);
  refuseTaskmasterAsSpec(files);
  const specs = parseSpecs(files);
  if (options.note !== undefined && !options.note.trim()) throw new UsageError('--note needs the instruction for the planner', 'Say what the planner should know, e.g. --note "Phase 2 is in scope".');
  // A re-plan of the same specs keeps the lead's note; other specs start without one.
  const sameSpecs = state?.plan?.spec.paths.join('\n') === specs.map((s) => s.file).join('\n');
  const note = options.note?.trim() ?? (sameSpecs ? state?.plan?.note : undefined);
  const choice = await chooseEngine(options.engine ?? configuredEngine(config), { config, cwd: ws.cwd, env: ws.env });
  const engine = await createEngine(choice, { config, cwd: ws.cwd, env: ws.env, progress: options.progress });

  const saved = savedAssessmentFor(state, files, project.root);
  const assessment = saved ?? assessSpecs(specs, config.assess.thresholds);
  const settings = {
    branching: options.branching ?? config.plan.branching,
    maxTasks: options.maxTasks ?? config.plan.maxTasks,
    concurrency: config.run.concurrency,
    minHoursPerTask: config.plan.minHoursPerTask,
    tinyTaskRatio: config.plan.tinyTaskRatio,
  };
  // Tasks predicted to touch files that conflicted in earlier runs are planned not to run in parallel.
  const history = project.inGitRepo ? (await readConflictHistory(project.xplanDir)).records : [];
  const planId = `p-${createHash('sha256')
    .update(JSON.stringify(choice.name === 'heuristic' ? [files.map((f) => f.sha256), settings] : [files.map((f) => f.sha256), settings, choice.name, note ?? '']))
    .digest('hex')
    .slice(0, 10)}`;
  const {
    plan: generated,
    confirmations,
    assessment: engineAssessment,
  } = await engine.plan({
    specs: files.map((f, i) => ({ parsed: specs[i]!, text: f.text })),
    assessment,
    options: { planId, ...settings, maxTasksFromUser: options.maxTasks !== undefined, ...(note ? { note } : {}), ...(history.length > 0 ? { conflictHistory: history } : {}) },
  });

  if (confirmations.length > 0 && !options.yes) {
    const reasons = confirmations.map((c) => c.message).join('; ');
    if (!options.confirm) {
      throw confirmationRequiredError(`Not saved: ${reasons}`, 'Review it with `xplan plan --json`, lower --max-tasks, or pass --yes to accept it.');
    }
    for (const c of confirmations) {
      if (!(await options.confirm(`${c.message}. Save this plan anyway?`))) throw new CancelledError('Plan not saved.');
    }
  }

  const found = secretsInSpecs(files);
  const planned = found.length === 0 ? generated : { ...generated, warnings: [...generated.warnings, { code: 'SECRETS_IN_SPEC', message: secretsWarning(found), tasks: [] }] };
  await confirmReplacing(state?.plan, planned, options);

  const reusedAssessment = saved !== undefined && engineAssessment === undefined;
  const verdict = planAssessment(engineAssessment ?? assessment, planned);
  if (!store) return { plan: planned, reusedAssessment, assessment: verdict, notSavedReason: 'not inside a git repository' };
  // A run may have started while the planner worked: checked again under the locks, where it cannot start meanwhile.
  const next = await ws.writePlan('xplan plan', () =>
    store.update((s) => {
      if (s.plan) editablePlan(s);
      return {
        ...s,
        specs: files.map((f) => ({ path: relative(project.root, f.absolutePath), sha256: f.sha256, bytes: f.bytes })),
        assessment: engineAssessment ?? assessment,
        plan: planned,
      };
    }),
  );
  return {
    plan: planned,
    reusedAssessment,
    assessment: verdict,
    saved: { path: relative(ws.cwd, store.path) || store.path, revision: next.revision },
  };
}

/** The saved assessment, if it was made from exactly these spec contents. */
function savedAssessmentFor(state: State | undefined, files: SpecFile[], root: string): Assessment | undefined {
  if (!state?.assessment || state.specs.length !== files.length) return undefined;
  const same = files.every((f, i) => state.specs[i]!.sha256 === f.sha256 && state.specs[i]!.path === relative(root, f.absolutePath));
  return same ? state.assessment : undefined;
}

/** An approved plan, or one edited by hand, is replaced only when the user says so (or with --force/--yes). */
async function confirmReplacing(saved: Plan | undefined, next: Plan, options: Pick<PlanOptions, 'yes' | 'force' | 'confirm'>): Promise<void> {
  if (!saved || options.yes || options.force) return;
  const edited = saved.planId === next.planId && planHash(saved.tasks) !== planHash(next.tasks);
  if (saved.status !== 'approved' && !edited) return;
  const what = saved.status === 'approved' ? 'the approved plan' : 'the plan you edited';
  if (!options.confirm) {
    throw confirmationRequiredError(`Not saved: this would replace ${what}`, 'Keep it (`xplan show`), or replace it with `xplan plan --force`.');
  }
  if (!(await options.confirm(`This replaces ${what}. Go on?`))) throw new CancelledError('Plan not saved.');
}
