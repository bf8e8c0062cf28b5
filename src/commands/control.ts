/**
 * `xplan pause`, `retry`, `skip` and `done`: steer a run from any terminal, while it runs or while it is stopped.
 * Each is one compare-and-swap write of the run state; agents whose tasks no longer want them are stopped after it.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { forceDone, pauseRun, retryTask, skipTask, type ControlChange } from '../core/run-control.js';
import { isActiveRun, type RunState } from '../core/run.js';
import { stopAgent } from '../adapters/agent-process.js';
import { readConfig } from '../adapters/config-file.js';
import { findProject } from '../adapters/project.js';
import { RunJournal } from '../adapters/run-journal.js';
import { runLockHolder } from '../adapters/run-lock.js';
import { RunFiles } from '../adapters/run-files.js';
import { StateStore } from '../adapters/state-store.js';
import { gitUser } from './approve.js';
import { BeadsSync } from './beads-sync.js';

export interface ControlResult {
  run: { id: string; status: RunState['status'] };
  /** What changed, in a sentence. */
  message: string;
  /** Tasks whose agents were stopped. */
  stopped: string[];
  /** Whether an orchestrator is driving the run (it picks the change up by itself). */
  driven: boolean;
  next?: string;
}

type Change = (run: RunState, plan: Plan, by: string, at: string) => ControlChange;

async function control(cwd: string, env: NodeJS.ProcessEnv, change: Change, describe: (run: RunState, stopped: string[]) => string, now: () => Date = () => new Date()): Promise<ControlResult> {
  const project = findProject(cwd);
  const store = new StateStore(project.xplanDir);
  const state = project.inGitRepo ? await store.read() : undefined;
  if (!state?.run || !state.plan) throw new InputError('NO_RUN', 'No run has started in this repository', 'Start one with `xplan run`.');
  const plan = state.plan;
  const config = await readConfig(project.xplanDir, cwd);
  const files = new RunFiles(project.xplanDir);
  const by = await gitUser(project.root);
  let applied: ControlChange | undefined;
  const { run, events } = await new RunJournal(store, files, now).commit(
    (current) => {
      applied = change(current, plan, by, now().toISOString());
      return applied.run;
    },
    () => applied?.events ?? [],
  );
  const grace = config.run.stopGraceSeconds * 1000;
  await Promise.all((applied?.stop ?? []).map((s) => stopAgent(files.agentDir(run.id, s.attempt.agent), grace)));
  const stopped = (applied?.stop ?? []).map((s) => s.taskId);
  const beads = await BeadsSync.open(project.root, state, files, env);
  for (const event of events) beads?.onEvent(event);
  await beads?.drain();
  const driven = (await runLockHolder(project.xplanDir))?.runId === run.id;
  const active = isActiveRun(run);
  const next = driven ? undefined : active ? 'Continue the run with `xplan resume`.' : undefined;
  return { run: { id: run.id, status: run.status }, message: describe(run, stopped), stopped, driven, ...(next ? { next } : {}) };
}

export function pause(options: { cwd: string; env: NodeJS.ProcessEnv; now: boolean }): Promise<ControlResult> {
  return control(
    options.cwd,
    options.env,
    (run, _plan, by) => pauseRun(run, { now: options.now, by: options.now ? `xplan pause --now (${by})` : `xplan pause (${by})` }),
    (run, stopped) =>
      options.now
        ? `Paused run ${run.id} and stopped ${stopped.length} agent(s)${stopped.length ? ` (${stopped.join(', ')}: interrupted)` : ''}.`
        : `Paused run ${run.id}: running agents finish their tasks, no new ones start.`,
  );
}

export async function retry(options: { cwd: string; env: NodeJS.ProcessEnv; taskId: string; context?: string; contextFile?: string; fresh: boolean }): Promise<ControlResult> {
  const context = options.contextFile ? await readContextFile(options.cwd, options.contextFile) : options.context;
  return control(
    options.cwd,
    options.env,
    (run, plan) => retryTask(run, plan, options.taskId, { ...(context ? { context } : {}), fresh: options.fresh }),
    (run) => `${options.taskId} will run again as a new attempt${options.fresh ? ' from a fresh branch' : ' continuing from its last branch'}${context ? ', with your context added to its prompt' : ''} (${run.tasks[options.taskId]!.state}).`,
  );
}

export function skip(options: { cwd: string; env: NodeJS.ProcessEnv; taskId: string; cascade: boolean; reason?: string }): Promise<ControlResult> {
  return control(
    options.cwd,
    options.env,
    (run, plan) => skipTask(run, plan, options.taskId, { cascade: options.cascade, ...(options.reason ? { reason: options.reason } : {}) }),
    (run, stopped) => {
      const skipped = Object.entries(run.tasks).filter(([, t]) => t.state === 'skipped').map(([id]) => id);
      return `Skipped ${options.cascade ? skipped.join(', ') : options.taskId}${stopped.length ? `; stopped the agent of ${stopped.join(', ')}` : ''}.${options.cascade ? '' : ' Its dependents stay blocked (--cascade skips them too).'}`;
    },
  );
}

export function done(options: { cwd: string; env: NodeJS.ProcessEnv; taskId: string; reason: string }): Promise<ControlResult> {
  return control(
    options.cwd,
    options.env,
    (run, plan, by, at) => forceDone(run, plan, options.taskId, { reason: options.reason, by, at }),
    (_run, stopped) => `${options.taskId} is completed by hand${stopped.length ? ' (its agent was stopped)' : ''}; its dependents are released.`,
  );
}

async function readContextFile(cwd: string, path: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new InputError('CONTEXT_FILE', `Cannot read the context file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Pass a readable text file to --context-file.');
  }
}
