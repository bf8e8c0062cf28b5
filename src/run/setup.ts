/**
 * Starting and continuing a run: load and check what it needs from the workspace once, build the ports, hand the
 * loop to the orchestrator, and turn its end into the status document. This is the run engine's composition root:
 * the one file of src/run that wires the adapters in (eslint holds the others to the ports). `previewRun` shows what a run would do.
 */
import { count } from '../core/text.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { renderAgentPrompt } from '../core/run/agent-prompt.js';
import type { Config } from '../core/config.js';
import { CancelledError, confirmationRequiredError, InputError, noRunError, planNotApprovedError, runInProgressError, UsageError, XplanError } from '../core/errors.js';
import { integrationBranch, runIdFor, taskBranch, workingAgent } from '../core/branch-names.js';
import { isApproved, planHash, type Plan, type Task } from '../core/plan/plan.js';
import { resumeRun as resumeChange } from '../core/run/run-control.js';
import { isActiveRun, newRun, runStarted, type Integration, type RunEvent } from '../core/run/run.js';
import type { DryRunTask, RunResult } from '../core/run/run-result.js';
import { statusOf } from '../core/run/run-status.js';
import { describeFindings, redactSecrets, scanSecrets } from '../core/secrets.js';
import type { BeadsMapping } from '../core/beads/beads-map.js';
import { predictedFiles } from '../core/run/reservations.js';
import { parseSpec } from '../core/intake/spec.js';
import type { State } from '../core/run/state.js';
import { readConflictHistory } from '../adapters/store/conflict-history.js';
import { runSummaryPath, saveRunSummary } from '../adapters/store/run-history.js';
import { processAgents } from '../adapters/process/agent-process.js';
import { findExecutable } from '../adapters/tools/claude-code.js';
import { gitVcs } from '../adapters/tools/git.js';
import { Logger, type LoggerOptions } from '../adapters/store/logger.js';
import { endReservations } from '../adapters/tools/commit-guard.js';
import { RecordedGroups } from '../adapters/process/process-groups.js';
import { RunJournal } from '../adapters/store/run-journal.js';
import { JournalRunStore } from '../adapters/store/run-store.js';
import { fileAgentDirs } from '../adapters/store/agent-dirs.js';
import { fileRunArchive } from '../adapters/store/run-archive.js';
import { acquireRunLock } from '../adapters/store/run-lock.js';
import { shellVerifier } from '../adapters/tools/shell-verifier.js';
import { reviewTask } from '../adapters/tools/reviewer.js';
import { readSpecFiles, type SpecFile } from '../adapters/store/spec-file.js';
import { systemClock } from '../adapters/process/system-clock.js';
import type { Workspace } from '../workspace.js';
import { BeadsSync } from '../adapters/tools/beads-sync.js';
import { createCoordination } from '../adapters/tools/coordination.js';
import { Orchestrator } from './orchestrator.js';
import type { Reviewer, RunPorts } from './ports.js';

export interface EngineOptions {
  /** Called for every event as it happens (the CLI prints them). */
  onEvent?: (event: RunEvent) => void;
  /** How often running agents are checked for their end. */
  pollMs?: number;
  /** Take over Ctrl-C: the first pauses the run, the second stops its agents. */
  signals?: boolean;
  /** Log levels and where human log lines go (the CLI's stderr). */
  log?: Pick<LoggerOptions, 'fileLevel' | 'stderrLevel' | 'stderr'>;
  /** Replaces the real ports (tests). */
  ports?: Partial<RunPorts>;
  /** Run even though a spec changed since the plan was made from it. */
  force?: boolean;
  /** `--no-review`: no acceptance review in this drive of the run; checked work goes straight to the merge queue. */
  noReview?: boolean;
}

export interface StartOptions extends EngineOptions {
  concurrency?: number;
  only?: string[];
  /** Start again over a completed run without asking. */
  yes?: boolean;
  /** Asks the user; undefined when nobody can answer (no terminal). */
  confirm?: (message: string) => Promise<boolean>;
}

const PROMPT_TEMPLATE = new URL('../../templates/agent-prompt.md', import.meta.url);

/** What a run needs from the repository, loaded and checked once. */
interface RunSetup {
  ws: Workspace;
  config: Config;
  state: State;
  plan: Plan;
  specs: SpecFile[];
  /** Secrets found in the specs, as `file:line: kind`. */
  secrets: string[];
  template: string;
}

async function loadSetup(ws: Workspace): Promise<RunSetup> {
  ws.requireRepository();
  const config = await ws.config();
  const { state, plan } = await ws.requirePlan();
  const specs = await readSpecFiles(
    plan.spec.paths.map((p) => join(ws.root, p)),
    ws.root,
  );
  const secrets = specs.flatMap((spec) => describeFindings(scanSecrets(spec.text), spec.path));
  // With `redact`, agents get the spec with every secret value replaced.
  const sent = config.secrets === 'redact' ? specs.map((spec) => ({ ...spec, text: redactSecrets(spec.text) })) : specs;
  return { ws, config, state, plan, specs: sent, secrets, template: await readFile(PROMPT_TEMPLATE, 'utf8') };
}

function refuseSecrets(setup: RunSetup): void {
  const { secrets, config } = setup;
  if (secrets.length === 0 || config.secrets !== 'block') return;
  throw new XplanError('SECRETS_FOUND', `The spec holds ${count(secrets.length, 'secret')}, so no agent gets it: ${secrets.slice(0, 5).join(', ')}${secrets.length > 5 ? ', …' : ''}`, {
    hint: 'Remove them from the spec, or set `secrets: redact` in .xplan/config.yaml to send it with each value replaced.',
  });
}

/** `xplan run --dry-run`: the waves, branches, worktrees and full prompts, starting nothing; works on a draft too. */
export async function previewRun(options: Pick<StartOptions, 'concurrency' | 'only'>, ws: Workspace, now = new Date()): Promise<RunResult & { kind: 'dry-run' }> {
  const setup = await loadSetup(ws);
  const { config, plan } = setup;
  const selected = selectTasks(plan, options.only);
  const runId = runIdFor(now);
  let agent = 0;
  const tasks = [...selected]
    .sort((a, b) => a.wave - b.wave)
    .map((task): DryRunTask => {
      agent++;
      const branch = taskBranch(runId, plan.branching, agent, task.title, plan.spec.title);
      const worktree = ws.files.worktree(runId, workingAgent(plan.branching, agent));
      const prompt = renderAgentPrompt(setup.template, {
        task,
        specTitle: plan.spec.title,
        specs: setup.specs,
        dependencies: task.dependsOn.map((dep) => ({ task: plan.tasks.find((t) => t.id === dep)!, state: 'not run yet' })),
        branch,
        worktree,
        verify: config.run.verify,
      });
      return { id: task.id, title: task.title, wave: task.wave, dependsOn: task.dependsOn, agent, branch, worktree: relative(ws.root, worktree), prompt };
    });
  const concurrency = options.concurrency ?? config.run.concurrency;
  return {
    kind: 'dry-run',
    runId,
    branching: plan.branching,
    concurrency: plan.branching === 'single' ? 1 : concurrency,
    approved: isApproved(plan),
    tasks,
    secrets: setup.secrets,
    secretsPolicy: config.secrets,
  };
}

/**
 * `xplan run`: a new run of the approved plan, driven to its end (or until paused). The plan is read under the run
 * lock, which every plan edit takes for its write: an edit either landed before (and this run sees the plan it
 * made, unapproved) or is refused once the run has the lock. Never do both succeed.
 */
export async function startRun(options: StartOptions, ws: Workspace): Promise<RunResult & { kind: 'run' }> {
  ws.requireRepository();
  const clock = options.ports?.clock ?? systemClock;
  const runId = freshRunId(ws, clock.now());
  const lock = await acquireRunLock(ws.project.xplanDir, runId, clock.now());
  try {
    const setup = await loadSetup(ws);
    const { config, state, plan } = setup;
    const ports = portsFor(setup, options);
    if (state.run && isActiveRun(state.run)) throw runInProgressError(state.run, 'start');
    const selected = selectTasks(plan, options.only);
    if (!isApproved(plan)) throw planNotApprovedError(plan, 'run');
    await ws.requireUnchangedSpecs(state, 'xplan run', options.force);
    refuseSecrets(setup);
    if (state.run?.status === 'completed' && !options.yes) {
      const question = `Run ${state.run.id} already completed this plan${state.run.landed ? ` and landed on ${state.run.landed.into}` : ''}. Run it again from the start?`;
      if (!options.confirm) throw confirmationRequiredError(`Not started: run ${state.run.id} already completed this plan`, 'See it with `xplan status`; run it again with `xplan run --yes`.');
      if (!(await options.confirm(question))) throw new CancelledError('Not started.');
    }
    const baseCommit = await ports.vcs.headCommit(ws.root);
    if (!baseCommit) throw new InputError('NO_COMMITS', 'The repository has no commit yet, so there is nothing to branch from', 'Commit something first (git commit --allow-empty -m init).');
    if (!options.ports?.agents) requireClaude(config, ws);

    const now = ports.clock.now();
    // The run this one replaces in the state stays listed by `xplan runs`, however it ended.
    if (state.run && !existsSync(runSummaryPath(ws.project.xplanDir, state.run.id))) await saveRunSummary(ws.project.xplanDir, state.run, plan);
    const orchestrator = await orchestratorFor(setup, options, ports, runId);
    const integration = await createIntegration(setup, ports, runId, baseCommit);
    const runState = newRun({
      id: runId,
      now: now.toISOString(),
      plan,
      taskIds: selected.map((t) => t.id),
      base: { commit: baseCommit, branch: await ports.vcs.currentBranch(ws.root) },
      concurrency: options.concurrency ?? config.run.concurrency,
      verify: config.run.verify,
      planHash: planHash(plan.tasks),
      ...(integration ? { integration } : {}),
    });
    return await drive(orchestrator, options, plan, ports, () => orchestrator.begin(runStarted(runState, { pid: process.pid, secrets: { policy: config.secrets, findings: setup.secrets } })));
  } finally {
    await lock.release();
  }
}

/**
 * `xplan resume`: continues a paused run, or one whose orchestrator crashed, adopting the agents still alive. The
 * run is read under the run lock, after any `pause --now` or other change under way: the two never interleave.
 */
export async function resumeRun(options: EngineOptions, ws: Workspace): Promise<RunResult & { kind: 'run' }> {
  ws.requireRepository();
  const known = (await ws.state())?.run;
  if (!known) throw noRunError();
  const clock = options.ports?.clock ?? systemClock;
  const lock = await acquireRunLock(ws.project.xplanDir, known.id, clock.now());
  try {
    const setup = await loadSetup(ws);
    const { config, state, plan } = setup;
    const current = state.run;
    if (!current) throw noRunError();
    if (current.planHash !== planHash(plan.tasks)) {
      throw new XplanError('PLAN_CHANGED', `The plan changed since run ${current.id} started`, { hint: 'Start a new run with `xplan run` after approving the plan.' });
    }
    resumeChange(current); // refused now, before anything starts, if the run cannot go on
    await ws.requireUnchangedSpecs(state, 'xplan resume', options.force);
    refuseSecrets(setup);
    if (!options.ports?.agents) requireClaude(config, ws);
    const ports = portsFor(setup, options);
    const orchestrator = await orchestratorFor(setup, options, ports, current.id);
    return await drive(orchestrator, options, plan, ports, () => orchestrator.adopt(resumeChange));
  } finally {
    await lock.release();
  }
}

/**
 * The run's integration branch and worktree, at the run's base. In `single` branching there is none: its one
 * branch is integrated by construction.
 */
async function createIntegration(setup: RunSetup, ports: RunPorts, runId: string, base: string): Promise<Integration | undefined> {
  if (setup.plan.branching === 'single') return undefined;
  const branch = integrationBranch(runId);
  const worktree = setup.ws.files.integrationWorktree(runId);
  await ports.vcs.addWorktree(setup.ws.root, worktree, branch, base);
  const { verify, integrationVerify } = setup.config.run;
  return { branch, worktree, head: base, verify: integrationVerify === undefined ? verify : integrationVerify };
}

function portsFor(setup: RunSetup, options: EngineOptions): RunPorts {
  const env = setup.ws.env;
  return {
    vcs: options.ports?.vcs ?? gitVcs,
    agents: options.ports?.agents ?? processAgents(env),
    verifier: options.ports?.verifier ?? shellVerifier(env),
    clock: options.ports?.clock ?? systemClock,
    beads: options.ports?.beads,
    scheduler: options.ports?.scheduler,
    reviewer: setup.config.review.enabled && !options.noReview ? (options.ports?.reviewer ?? claudeReviewer(setup)) : undefined,
  };
}

/** The acceptance review as a run makes it, for `xplan review` to run one by hand. */
export async function projectReviewer(ws: Workspace): Promise<Reviewer> {
  return claudeReviewer(await loadSetup(ws));
}

/** The acceptance review with the real Claude Code, given the spec as the agents get it. */
function claudeReviewer(setup: RunSetup): Reviewer {
  const { config, ws } = setup;
  return {
    review: (request) => reviewTask({ ...request, specs: setup.specs, review: config.review, claude: config.claude, env: ws.env }),
  };
}

async function orchestratorFor(setup: RunSetup, options: EngineOptions, ports: RunPorts, runId: string): Promise<Orchestrator> {
  const { ws, plan, config } = setup;
  const logger = new Logger(join(ws.project.xplanDir, 'logs'), { ...setup.config.log, fileLevel: 'info', ...options.log });
  // Each task reserves the files it is predicted to touch: its own, those the spec names for it, and the hot ones.
  const history = await readConflictHistory(ws.project.xplanDir);
  if (history.skippedLines.length > 0) logger.warn(`${history.path}: lines ${history.skippedLines.join(', ')} are not conflict records and were skipped`);
  const specs = setup.specs.map((s) => parseSpec(s.text, s.path));
  const predicted = new Map(plan.tasks.map((t) => [t.id, predictedFiles(t, { specs, history: history.records })]));
  const coordination =
    ports.coordination ??
    createCoordination(config, {
      runId,
      repoRoot: ws.root,
      runDir: ws.files.runDir(runId),
      now: () => ports.clock.now().toISOString(),
      report: (problem) => logger.warn(problem.message, { hint: problem.hint, failure: problem.failure }),
      ...(config.claude.model ? { model: config.claude.model } : {}),
    });
  const mapping = (setup.state as State & { beads?: BeadsMapping }).beads;
  const beads =
    ports.beads ??
    (await BeadsSync.open(ws.root, setup.state, ws.files, ws.env, config.run.beadsRetrySeconds * 1000, (failure) =>
      logger.warn(`beads issue ${failure.issue} of ${failure.taskId} was not set to ${failure.status}: ${failure.error}; \`xplan export beads --sync\` repairs it`, { ...failure }),
    ));
  const groups = ports.groups ?? new RecordedGroups(join(ws.files.runDir(runId), 'processes.json'), () => ports.clock.now());
  return new Orchestrator({
    ports: { ...ports, beads, coordination, groups },
    predicted,
    ...(mapping?.planId === plan.planId ? { beadsIds: mapping.issues } : {}),
    root: ws.root,
    config: setup.config,
    plan: setup.plan,
    store: new JournalRunStore(ws.store, new RunJournal(ws.store, ws.files, () => ports.clock.now()), ws.files),
    dirs: fileAgentDirs(ws.files, runId, config.claude),
    archive: fileRunArchive(ws.project.xplanDir),
    endReservations: (run) => endReservations(ws.files.runDir(runId), run, (message) => logger.warn(message)),
    template: setup.template,
    specs: setup.specs,
    pollMs: options.pollMs ?? 50,
    onEvent: (event) => {
      logger.info(event.type, { ...event });
      options.onEvent?.(event);
    },
  });
}

/**
 * Starts (or adopts) the run and drives it to its end. Ctrl-C pauses it, a second Ctrl-C stops its agents; SIGTERM
 * (a CI job cancelled, `timeout`) pauses it with its agents stopped, like `xplan pause --now`. The handlers are in
 * place from the first write, so a signal never leaves agents running unwatched.
 */
async function drive(orchestrator: Orchestrator, options: Pick<EngineOptions, 'signals'>, plan: Plan, ports: RunPorts, start: () => Promise<void>): Promise<RunResult & { kind: 'run' }> {
  const onInterrupt = () => orchestrator.interrupt();
  const onTerminate = () => orchestrator.terminate();
  if (options.signals) {
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onTerminate);
  }
  try {
    await start();
    const finished = await orchestrator.drive();
    await orchestrator.drained();
    return { kind: 'run', status: statusOf(plan, finished, ports.clock.now()), interrupted: orchestrator.wasInterrupted, terminated: orchestrator.wasTerminated };
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onTerminate);
  }
}

function requireClaude(config: Config, ws: Workspace): void {
  if (!findExecutable(config.claude.command, ws.env, ws.root)) {
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

function freshRunId(ws: Workspace, now: Date): string {
  const stamp = runIdFor(now);
  let id = stamp;
  for (let n = 2; existsSync(ws.files.runDir(id)); n++) id = `${stamp}-${n}`;
  return id;
}
