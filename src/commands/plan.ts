/** `xplan plan`: generate the task plan for the specs (or the ones saved by assess) and save it as a draft. */
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { assessSpecs, type Assessment } from '../core/assess.js';
import { CancelledError, UsageError, XplanError } from '../core/errors.js';
import type { Branching, Plan } from '../core/plan.js';
import type { EngineName } from '../core/config.js';
import { parseSpec } from '../core/spec.js';
import { createEngine } from '../engines/engine.js';
import type { State } from '../core/state.js';
import { readConfig } from '../adapters/config-file.js';
import { findProject } from '../adapters/project.js';
import { readSpecFiles, type SpecFile } from '../adapters/spec-file.js';
import { StateStore } from '../adapters/state-store.js';

export interface PlanOptions {
  cwd: string;
  specs: string[];
  maxTasks?: number;
  branching?: Branching;
  /** Accept every confirmation. */
  yes: boolean;
  /** Asks the user; undefined when nobody can answer (no terminal). */
  confirm?: (message: string) => Promise<boolean>;
  /** Overrides the config's `engine`. */
  engine?: EngineName;
  env?: NodeJS.ProcessEnv;
  /** Told what a slow engine is waiting for. */
  progress?: (message: string) => void;
}

export interface PlanResult {
  plan: Plan;
  /** Whether the assessment saved by `xplan assess` was reused (same spec contents). */
  reusedAssessment: boolean;
  saved?: { path: string; revision: number };
  notSavedReason?: string;
}

export async function plan(options: PlanOptions): Promise<PlanResult> {
  const project = findProject(options.cwd);
  const config = await readConfig(project.xplanDir, options.cwd);
  const store = project.inGitRepo ? new StateStore(project.xplanDir) : undefined;
  const state = await store?.read();

  const paths = options.specs.length > 0 ? options.specs : (state?.specs ?? []).map((s) => relative(options.cwd, join(project.root, s.path)));
  if (paths.length === 0) {
    throw new UsageError('No spec given, and no spec saved by `xplan assess` in this repository', 'Run `xplan plan <spec.md>` (or `xplan assess <spec.md>` first).');
  }
  const files = await readSpecFiles(paths, options.cwd);
  const specs = files.map((f) => parseSpec(f.text, f.path));
  const engineName = options.engine ?? config.engine;
  const engine = await createEngine(engineName, { config, cwd: options.cwd, env: options.env ?? process.env, progress: options.progress });

  const saved = savedAssessmentFor(state, files, project.root);
  const assessment = saved ?? assessSpecs(specs, config.assess.thresholds);
  const settings = {
    branching: options.branching ?? config.plan.branching,
    maxTasks: options.maxTasks ?? config.plan.maxTasks,
    concurrency: config.run.concurrency,
    minHoursPerTask: config.plan.minHoursPerTask,
    tinyTaskRatio: config.plan.tinyTaskRatio,
  };
  const planId = `p-${createHash('sha256')
    .update(JSON.stringify(engineName === 'heuristic' ? [files.map((f) => f.sha256), settings] : [files.map((f) => f.sha256), settings, engineName]))
    .digest('hex')
    .slice(0, 10)}`;
  const { plan: generated, confirmations } = await engine.plan({
    specs: files.map((f, i) => ({ parsed: specs[i]!, text: f.text })),
    assessment,
    options: { planId, ...settings, maxTasksFromUser: options.maxTasks !== undefined },
  });

  if (confirmations.length > 0 && !options.yes) {
    const reasons = confirmations.map((c) => c.message).join('; ');
    if (!options.confirm) {
      throw new XplanError('CONFIRMATION_REQUIRED', `Not saved: ${reasons}`, {
        exitCode: 1,
        hint: 'Review it with `xplan plan --json`, lower --max-tasks, or pass --yes to accept it.',
      });
    }
    for (const c of confirmations) {
      if (!(await options.confirm(`${c.message}. Save this plan anyway?`))) throw new CancelledError('Plan not saved.');
    }
  }

  if (!store) return { plan: generated, reusedAssessment: saved !== undefined, notSavedReason: 'not inside a git repository' };
  const next = await store.update((s) => ({
    ...s,
    specs: files.map((f) => ({ path: relative(project.root, f.absolutePath), sha256: f.sha256, bytes: f.bytes })),
    assessment,
    plan: generated,
  }));
  return {
    plan: generated,
    reusedAssessment: saved !== undefined,
    saved: { path: relative(options.cwd, store.path) || store.path, revision: next.revision },
  };
}

/** The saved assessment, if it was made from exactly these spec contents. */
function savedAssessmentFor(state: State | undefined, files: SpecFile[], root: string): Assessment | undefined {
  if (!state?.assessment || state.specs.length !== files.length) return undefined;
  const same = files.every((f, i) => state.specs[i]!.sha256 === f.sha256 && state.specs[i]!.path === relative(root, f.absolutePath));
  return same ? state.assessment : undefined;
}
