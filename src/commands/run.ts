/**
 * `xplan run`: dispatches the approved plan to Claude Code agents, in dependency order, N at a time, each in its own
 * worktree on its own branch, and decides truthfully how each task ended.
 *
 * `xplan resume` continues a paused or crashed run. The loop itself is in orchestrator.ts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { renderAgentPrompt } from '../core/agent-prompt.js';
import type { Config } from '../core/config.js';
import { InputError, UsageError, XplanError } from '../core/errors.js';
import { branchName, type Plan, type Task } from '../core/plan.js';
import { isActiveRun, newRun, runIdFor, type RunEvent } from '../core/run.js';
import { resumeRun } from '../core/run-control.js';
import { describeFindings, redactSecrets, scanSecrets } from '../core/secrets.js';
import type { State } from '../core/state.js';
import { findExecutable } from '../adapters/claude-code.js';
import { readConfig } from '../adapters/config-file.js';
import { currentBranch, headCommit } from '../adapters/git.js';
import { findProject, type Project } from '../adapters/project.js';
import { RunJournal } from '../adapters/run-journal.js';
import { acquireRunLock, runLockedError, runLockHolder } from '../adapters/run-lock.js';
import { RunFiles } from '../adapters/run-files.js';
import { readSpecFiles, type SpecFile } from '../adapters/spec-file.js';
import { StateStore } from '../adapters/state-store.js';
import { planHash } from './approve.js';
import { BeadsSync } from './beads-sync.js';
import { Logger, type LoggerOptions } from '../adapters/logger.js';
import { Orchestrator } from './orchestrator.js';
import { statusOf, type StatusResult } from './status.js';

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  concurrency?: number;
  dryRun?: boolean;
  only?: string[];
  /** Called for every event as it happens (the CLI prints them). */
  onEvent?: (event: RunEvent) => void;
  now?: () => Date;
  /** How often running agents are checked for their end. */
  pollMs?: number;
  /** Take over Ctrl-C: the first pauses the run, the second stops its agents. */
  signals?: boolean;
  /** Log levels and where human log lines go (the CLI's stderr). */
  log?: Pick<LoggerOptions, 'fileLevel' | 'stderrLevel' | 'stderr'>;
}

export interface DryRunTask {
  id: string;
  title: string;
  wave: number;
  dependsOn: string[];
  agent: number;
  branch: string;
  worktree: string;
  prompt: string;
}

export type RunResult =
  | { kind: 'dry-run'; runId: string; branching: Plan['branching']; concurrency: number; approved: boolean; tasks: DryRunTask[]; secrets: string[]; secretsPolicy: Config['secrets'] }
  | { kind: 'run'; status: StatusResult; interrupted: boolean };

const PROMPT_TEMPLATE = new URL('../../templates/agent-prompt.md', import.meta.url);

/** What a run needs from the repository, loaded and checked once. */
interface RunSetup {
  project: Project;
  config: Config;
  store: StateStore;
  files: RunFiles;
  state: State;
  plan: Plan;
  specs: SpecFile[];
  /** Secrets found in the specs, as `file:line: kind`. */
  secrets: string[];
  template: string;
}

function refuseSecrets(setup: RunSetup): void {
  const { secrets, config } = setup;
  if (secrets.length === 0 || config.secrets !== 'block') return;
  throw new XplanError('SECRETS_FOUND', `The spec holds ${secrets.length} secret(s), so no agent gets it: ${secrets.slice(0, 5).join(', ')}${secrets.length > 5 ? ', …' : ''}`, {
    hint: 'Remove them from the spec, or set `secrets: redact` in .xplan/config.yaml to send it with each value replaced.',
  });
}

async function loadSetup(cwd: string): Promise<RunSetup> {
  const project = findProject(cwd);
  if (!project.inGitRepo) throw new InputError('NOT_A_REPOSITORY', 'Not inside a git repository', 'Run xplan inside the repository the plan is for.');
  const config = await readConfig(project.xplanDir, cwd);
  const store = new StateStore(project.xplanDir);
  const state = await store.read();
  const plan = state?.plan;
  if (!state || !plan) throw new InputError('NO_PLAN', 'There is no saved plan in this repository', 'Run `xplan plan <spec.md>` to create one.');
  const specs = await readSpecFiles(
    plan.spec.paths.map((p) => join(project.root, p)),
    project.root,
  );
  const secrets = specs.flatMap((spec) => describeFindings(scanSecrets(spec.text), spec.path));
  // With `redact`, agents get the spec with every secret value replaced.
  const sent = config.secrets === 'redact' ? specs.map((spec) => ({ ...spec, text: redactSecrets(spec.text) })) : specs;
  return { project, config, store, files: new RunFiles(project.xplanDir), state, plan, specs: sent, secrets, template: await readFile(PROMPT_TEMPLATE, 'utf8') };
}

export async function run(options: RunOptions): Promise<RunResult> {
  const now = options.now ?? (() => new Date());
  const setup = await loadSetup(options.cwd);
  const { project, config, state, plan, files } = setup;
  if (state.run && isActiveRun(state.run)) {
    const holder = await runLockHolder(project.xplanDir);
    if (holder) throw runLockedError(holder);
    throw new XplanError('RUN_IN_PROGRESS', `Run ${state.run.id} is ${state.run.status}, and no xplan process drives it any more`, {
      hint: 'Continue it with `xplan resume`.',
    });
  }
  const selected = selectTasks(plan, options.only);
  const concurrency = options.concurrency ?? config.run.concurrency;
  const approved = plan.status === 'approved' && plan.approval?.hash === planHash(plan.tasks);

  if (options.dryRun) {
    const runId = runIdFor(now());
    let agent = 0;
    const tasks = [...selected].sort((a, b) => a.wave - b.wave).map((task): DryRunTask => {
      agent++;
      const branch = plan.branching === 'single' ? branchName(runId, 1, plan.spec.title) : branchName(runId, agent, task.title);
      const worktree = files.worktree(runId, plan.branching === 'single' ? 1 : agent);
      const prompt = renderAgentPrompt(setup.template, {
        task,
        specTitle: plan.spec.title,
        specs: setup.specs,
        dependencies: task.dependsOn.map((dep) => ({ task: plan.tasks.find((t) => t.id === dep)!, state: 'not run yet' })),
        branch,
        worktree,
        verify: config.run.verify,
      });
      return { id: task.id, title: task.title, wave: task.wave, dependsOn: task.dependsOn, agent, branch, worktree: relative(project.root, worktree), prompt };
    });
    return { kind: 'dry-run', runId, branching: plan.branching, concurrency: plan.branching === 'single' ? 1 : concurrency, approved, tasks, secrets: setup.secrets, secretsPolicy: config.secrets };
  }

  if (!approved) {
    throw new XplanError('PLAN_NOT_APPROVED', plan.status === 'approved' ? 'The plan changed after it was approved' : 'The plan is a draft: only an approved plan runs', {
      hint: 'Review it with `xplan show`, then `xplan approve`. `xplan run --dry-run` previews a draft.',
    });
  }
  refuseSecrets(setup);
  const baseCommit = await headCommit(project.root);
  if (!baseCommit) throw new InputError('NO_COMMITS', 'The repository has no commit yet, so there is nothing to branch from', 'Commit something first (git commit --allow-empty -m init).');
  requireClaude(config, options.env, project.root);

  const runId = await freshRunId(files, now());
  const lock = await acquireRunLock(project.xplanDir, runId, now());
  try {
    const { orchestrator, beads } = await orchestratorFor(setup, options, now);
    const runState = newRun({
      id: runId,
      now: now().toISOString(),
      plan,
      taskIds: selected.map((t) => t.id),
      base: { commit: baseCommit, branch: await currentBranch(project.root) },
      concurrency,
      verify: config.run.verify,
      planHash: planHash(plan.tasks),
    });
    await orchestrator.begin(runState, [
      { type: 'run.started', base: runState.base, branching: runState.branching, concurrency: runState.concurrency, tasks: Object.keys(runState.tasks), verify: runState.verify, pid: process.pid },
      ...(setup.secrets.length > 0 ? [{ type: 'secrets.found', policy: config.secrets, findings: setup.secrets }] : []),
    ]);
    return await drive(orchestrator, options, plan, beads);
  } finally {
    await lock.release();
  }
}

/** `xplan resume`: continues a paused run, or one whose orchestrator crashed, adopting the agents still alive. */
export async function resume(options: Omit<RunOptions, 'dryRun' | 'only' | 'concurrency'>): Promise<RunResult> {
  const now = options.now ?? (() => new Date());
  const setup = await loadSetup(options.cwd);
  const { project, config, state, plan } = setup;
  const current = state.run;
  if (!current) throw new InputError('NO_RUN', 'No run has started in this repository', 'Start one with `xplan run`.');
  const holder = await runLockHolder(project.xplanDir);
  if (holder) throw runLockedError(holder);
  if (current.planHash !== planHash(plan.tasks)) {
    throw new XplanError('PLAN_CHANGED', `The plan changed since run ${current.id} started`, { hint: 'Start a new run with `xplan run` after approving the plan.' });
  }
  const change = resumeRun(current);
  refuseSecrets(setup);
  requireClaude(config, options.env, project.root);
  const lock = await acquireRunLock(project.xplanDir, current.id, now());
  try {
    const { orchestrator, beads } = await orchestratorFor(setup, options, now);
    await orchestrator.adopt(change);
    return await drive(orchestrator, options, plan, beads);
  } finally {
    await lock.release();
  }
}

async function orchestratorFor(setup: RunSetup, options: Pick<RunOptions, 'env' | 'onEvent' | 'pollMs' | 'log'>, now: () => Date): Promise<{ orchestrator: Orchestrator; beads: BeadsSync | undefined }> {
  const logger = new Logger(join(setup.project.xplanDir, 'logs'), { ...setup.config.log, fileLevel: 'info', ...options.log });
  const beads = await BeadsSync.open(setup.project.root, setup.state, setup.files, options.env, (failure) =>
    logger.warn(`beads issue ${String(failure.issue)} of ${failure.taskId} was not set to ${String(failure.status)}: ${String(failure.error)}; \`xplan export beads --sync\` repairs it`, failure),
  );
  const orchestrator = new Orchestrator({
    project: setup.project,
    config: setup.config,
    plan: setup.plan,
    store: setup.store,
    journal: new RunJournal(setup.store, setup.files, now),
    files: setup.files,
    template: setup.template,
    specs: setup.specs,
    env: options.env,
    now,
    pollMs: options.pollMs ?? 50,
    onEvent: (event) => {
      logger.info(event.type, event);
      options.onEvent?.(event);
      beads?.onEvent(event);
    },
  });
  return { orchestrator, beads };
}

/** Drives the run to its end; Ctrl-C pauses it, a second Ctrl-C stops its agents. */
async function drive(orchestrator: Orchestrator, options: Pick<RunOptions, 'signals'>, plan: Plan, beads: BeadsSync | undefined): Promise<RunResult> {
  const onInterrupt = () => orchestrator.interrupt();
  if (options.signals) process.on('SIGINT', onInterrupt);
  try {
    const finished = await orchestrator.drive();
    await beads?.drain();
    return { kind: 'run', status: statusOf(plan, finished), interrupted: orchestrator.wasInterrupted };
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function requireClaude(config: Config, env: NodeJS.ProcessEnv, root: string): void {
  if (!findExecutable(config.claude.command, env, root)) {
    throw new XplanError('CLAUDE_NOT_FOUND', `Claude Code was not found: \`${config.claude.command}\` is not on PATH`, {
      hint: 'Install it with `npm install -g @anthropic-ai/claude-code`, or set claude.command in .xplan/config.yaml.',
    });
  }
}

function selectTasks(plan: Plan, only: string[] | undefined): Task[] {
  if (!only || only.length === 0) return plan.tasks;
  const ids = new Set(only);
  const unknown = only.filter((id) => !plan.tasks.some((t) => t.id === id));
  if (unknown.length > 0) throw new UsageError(`--only names tasks the plan does not have: ${unknown.join(', ')}`, 'See the task ids with `xplan show`.');
  const missing = new Set<string>();
  for (const task of plan.tasks) if (ids.has(task.id)) for (const dep of task.dependsOn) if (!ids.has(dep)) missing.add(dep);
  if (missing.size > 0) {
    throw new UsageError(`--only leaves out dependencies of the tasks it names: ${[...missing].join(', ')}`, `Add them: --only ${[...only, ...missing].join(',')}`);
  }
  return plan.tasks.filter((t) => ids.has(t.id));
}

async function freshRunId(files: RunFiles, now: Date): Promise<string> {
  const stamp = runIdFor(now);
  let id = stamp;
  for (let n = 2; existsSync(files.runDir(id)); n++) id = `${stamp}-${n}`;
  return id;
}
