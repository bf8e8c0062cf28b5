/**
 * `xplan run`: dispatches the approved plan to Claude Code agents, in dependency order, N at a time, each in its own
 * worktree on its own branch, and decides truthfully how each task ended.
 *
 * The orchestrator never holds an agent's output: each agent runs under a detached supervisor (`xplan __agent`)
 * that writes transcript.jsonl and exit.json, and the orchestrator watches for exit.json.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { classifyAgentExit, type AgentExit } from '../core/agent-result.js';
import { renderAgentPrompt, type DependencyStatus } from '../core/agent-prompt.js';
import type { Config } from '../core/config.js';
import { InputError, UsageError, XplanError } from '../core/errors.js';
import { branchName, type Plan, type Task } from '../core/plan.js';
import {
  ACTIVE_RUN_STATUSES,
  applyVerdict,
  backoffMs,
  DONE_STATES,
  endAttempt,
  finalStatus,
  isSettled,
  newRun,
  nextRetryAt,
  runIdFor,
  startAttempt,
  stateLabel,
  tasksToDispatch,
  type Attempt,
  type RunState,
  type TaskVerdict,
} from '../core/run.js';
import { claudeArgs, findExecutable } from '../adapters/claude-code.js';
import { readConfig } from '../adapters/config-file.js';
import { addWorktree, branchHead, commitsSince, currentBranch, headCommit, isValidBranchName, mergeBranches, uncommittedFiles } from '../adapters/git.js';
import { findProject, type Project } from '../adapters/project.js';
import { acquireRunLock, isAlive } from '../adapters/run-lock.js';
import { AGENT_FILES, readJsonIfPresent, RunFiles, writeJsonAtomic, type RunEvent } from '../adapters/run-files.js';
import { readSpecFiles } from '../adapters/spec-file.js';
import { StateStore } from '../adapters/state-store.js';
import { planHash } from './approve.js';
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
  | { kind: 'dry-run'; runId: string; branching: Plan['branching']; concurrency: number; approved: boolean; tasks: DryRunTask[] }
  | { kind: 'run'; status: StatusResult };

const SUPERVISOR_ENTRY = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const PROMPT_TEMPLATE = new URL('../../templates/agent-prompt.md', import.meta.url);

export async function run(options: RunOptions): Promise<RunResult> {
  const now = options.now ?? (() => new Date());
  const project = findProject(options.cwd);
  if (!project.inGitRepo) throw new InputError('NOT_A_REPOSITORY', 'Not inside a git repository', 'Run xplan inside the repository the plan is for.');
  const config = await readConfig(project.xplanDir, options.cwd);
  const store = new StateStore(project.xplanDir);
  const state = await store.read();
  const plan = state?.plan;
  if (!plan) throw new InputError('NO_PLAN', 'There is no saved plan in this repository', 'Run `xplan plan <spec.md>` to create one.');
  if (state.run && (ACTIVE_RUN_STATUSES as readonly string[]).includes(state.run.status)) {
    throw new XplanError('RUN_IN_PROGRESS', `Run ${state.run.id} is ${state.run.status}`, { hint: 'Follow it with `xplan status`; a run whose orchestrator is gone continues with `xplan resume`.' });
  }
  const selected = selectTasks(plan, options.only);
  const concurrency = options.concurrency ?? config.run.concurrency;
  const specs = await readSpecFiles(
    plan.spec.paths.map((p) => join(project.root, p)),
    project.root,
  );
  const template = await readFile(PROMPT_TEMPLATE, 'utf8');
  const files = new RunFiles(project.xplanDir);
  const approved = plan.status === 'approved' && plan.approval?.hash === planHash(plan.tasks);

  if (options.dryRun) {
    const runId = runIdFor(now());
    let agent = 0;
    const tasks = [...selected].sort((a, b) => a.wave - b.wave).map((task): DryRunTask => {
      agent++;
      const branch = plan.branching === 'single' ? branchName(runId, 1, plan.spec.title) : branchName(runId, agent, task.title);
      const worktree = files.worktree(runId, plan.branching === 'single' ? 1 : agent);
      const prompt = renderAgentPrompt(template, {
        task,
        specTitle: plan.spec.title,
        specs,
        dependencies: task.dependsOn.map((dep) => ({ task: plan.tasks.find((t) => t.id === dep)!, state: 'not run yet' })),
        branch,
        worktree,
        verify: config.run.verify,
      });
      return { id: task.id, title: task.title, wave: task.wave, dependsOn: task.dependsOn, agent, branch, worktree: relative(project.root, worktree), prompt };
    });
    return { kind: 'dry-run', runId, branching: plan.branching, concurrency: plan.branching === 'single' ? 1 : concurrency, approved, tasks };
  }

  if (!approved) {
    throw new XplanError('PLAN_NOT_APPROVED', plan.status === 'approved' ? 'The plan changed after it was approved' : 'The plan is a draft: only an approved plan runs', {
      hint: 'Review it with `xplan show`, then `xplan approve`. `xplan run --dry-run` previews a draft.',
    });
  }
  const baseCommit = await headCommit(project.root);
  if (!baseCommit) throw new InputError('NO_COMMITS', 'The repository has no commit yet, so there is nothing to branch from', 'Commit something first (git commit --allow-empty -m init).');
  if (!findExecutable(config.claude.command, options.env, project.root)) {
    throw new XplanError('CLAUDE_NOT_FOUND', `Claude Code was not found: \`${config.claude.command}\` is not on PATH`, {
      hint: 'Install it with `npm install -g @anthropic-ai/claude-code`, or set claude.command in .xplan/config.yaml.',
    });
  }

  const runId = await freshRunId(files, now());
  const lock = await acquireRunLock(project.xplanDir, runId, now());
  try {
    const orchestrator = new Orchestrator({ project, config, plan, store, files, template, specs, env: options.env, now, pollMs: options.pollMs ?? 50, onEvent: options.onEvent });
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
    await orchestrator.start(runState);
    const finished = await orchestrator.drive();
    return { kind: 'run', status: statusOf(plan, finished) };
  } finally {
    await lock.release();
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

interface OrchestratorDeps {
  project: Project;
  config: Config;
  plan: Plan;
  store: StateStore;
  files: RunFiles;
  template: string;
  specs: Array<{ path: string; text: string }>;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  pollMs: number;
  onEvent?: (event: RunEvent) => void;
}

/** A dispatched agent the orchestrator is waiting for. */
interface LiveAgent {
  taskId: string;
  attempt: Attempt;
  dir: string;
  pid: number | undefined;
}

class Orchestrator {
  private run!: RunState;
  private readonly live = new Map<string, LiveAgent>();
  /** Agents that ended and whose outcome is being settled (commits, verify). */
  private readonly settling = new Set<Promise<void>>();
  private writes: Promise<unknown> = Promise.resolve();
  private readonly tasksById: Map<string, Task>;

  constructor(private readonly deps: OrchestratorDeps) {
    this.tasksById = new Map(deps.plan.tasks.map((t) => [t.id, t]));
  }

  private at(): string {
    return this.deps.now().toISOString();
  }

  private event(type: string, fields: Record<string, unknown> = {}): RunEvent {
    return { type, at: this.at(), runId: this.run.id, ...fields };
  }

  /** Applies a change to the saved run (compare-and-swap through the store), then records its events. */
  private commit(change: (run: RunState) => RunState, events: RunEvent[] = []): Promise<void> {
    const write = this.writes.then(async () => {
      const saved = await this.deps.store.update((state) => ({ ...state, run: change(state.run as unknown as RunState) as unknown as typeof state.run }));
      this.run = saved.run as unknown as RunState;
      await this.deps.files.appendEvents(events);
      for (const e of events) this.deps.onEvent?.(e);
    });
    this.writes = write.catch(() => {});
    return write;
  }

  async start(run: RunState): Promise<void> {
    this.run = run;
    await mkdir(this.deps.files.runDir(run.id), { recursive: true });
    await this.commit(() => run, [
      this.event('run.started', { base: run.base, branching: run.branching, concurrency: run.concurrency, tasks: Object.keys(run.tasks), verify: run.verify, pid: process.pid }),
    ]);
  }

  /** Runs until every task is settled or the run stops; returns the final run. */
  async drive(): Promise<RunState> {
    for (;;) {
      await this.reap();
      if (this.run.status === 'waiting' && this.run.resumeAt && Date.parse(this.run.resumeAt) <= this.deps.now().getTime()) {
        await this.commit((r) => ({ ...r, status: 'running', resumeAt: undefined }), [this.event('run.resumed', { reason: 'usage limit reset' })]);
      }
      if (!this.run.stop) {
        for (const task of tasksToDispatch(this.run, this.deps.plan, this.deps.now())) await this.dispatch(task);
      }
      if (this.live.size === 0 && this.settling.size === 0 && (this.run.stop || isSettled(this.run))) break;
      await this.sleep();
    }
    const status = finalStatus(this.run);
    await this.commit((r) => ({ ...r, status, endedAt: this.at() }), [this.event('run.ended', { status, stop: this.run.stop })]);
    return this.run;
  }

  private async sleep(): Promise<void> {
    const now = this.deps.now().getTime();
    const wakeups = [now + this.deps.pollMs, nextRetryAt(this.run), this.run.resumeAt ? Date.parse(this.run.resumeAt) : undefined];
    const until = Math.min(...wakeups.filter((t): t is number => t !== undefined));
    // Settling agents wake the loop too, so their dependents start at once.
    await Promise.race([new Promise((resolve) => setTimeout(resolve, Math.max(0, until - now))), ...this.settling]);
  }

  /** Finds agents that ended and settles each in the background. */
  private async reap(): Promise<void> {
    for (const [taskId, agent] of this.live) {
      const exitPath = join(agent.dir, AGENT_FILES.exit);
      let exit = existsSync(exitPath) ? await readJsonIfPresent<AgentExit>(exitPath) : undefined;
      if (!exit) {
        if (agent.pid === undefined || isAlive(agent.pid)) continue;
        // The supervisor is gone; it may have written exit.json just before it ended.
        exit = (await readJsonIfPresent<AgentExit>(exitPath)) ?? {
          exitCode: null,
          signal: 'SIGKILL',
          stderrTail: 'the agent supervisor ended without recording an outcome',
          startedAt: agent.attempt.startedAt,
          endedAt: this.at(),
          lines: 0,
        };
      }
      this.live.delete(taskId);
      const settled: Promise<void> = this.settle(taskId, agent, exit).finally(() => this.settling.delete(settled));
      this.settling.add(settled);
    }
  }

  private async settle(taskId: string, agent: LiveAgent, exit: AgentExit): Promise<void> {
    const { config } = this.deps;
    const outcome = classifyAgentExit(exit, config.claude.command, this.deps.now());
    const ended = (r: RunState) => endAttempt(r, taskId, { outcome: outcome.kind === 'task-failure' ? outcome.failure : outcome.kind, usage: outcome.usage, endedAt: exit.endedAt });
    const entry = this.run.tasks[taskId]!;
    switch (outcome.kind) {
      case 'fatal':
        return this.commit(
          (r) => ({ ...applyVerdict(ended(r), this.deps.plan, taskId, { kind: 'requeue', reason: outcome.reason }), stop: { message: outcome.reason, hint: outcome.hint } }),
          [this.event('run.stopping', { taskId, reason: outcome.reason, hint: outcome.hint })],
        );
      case 'usage-limit': {
        const resumeAt = (outcome.resetAt ?? new Date(this.deps.now().getTime() + config.run.usageLimitWaitMinutes * 60_000)).toISOString();
        return this.commit(
          (r) => ({ ...applyVerdict(ended(r), this.deps.plan, taskId, { kind: 'requeue', reason: outcome.reason }), status: 'waiting', resumeAt }),
          [this.event('run.waiting', { taskId, reason: outcome.reason, resumeAt })],
        );
      }
      case 'transient': {
        if (entry.transientFailures >= config.run.retries) {
          return this.fail(taskId, ended, { failure: 'transient', reason: `${outcome.reason} (gave up after ${entry.transientFailures + 1} attempts)` });
        }
        const retryAt = new Date(this.deps.now().getTime() + backoffMs(config.run.backoffSeconds * 1000, entry.transientFailures)).toISOString();
        return this.commit(
          (r) => applyVerdict(ended(r), this.deps.plan, taskId, { kind: 'retry', reason: outcome.reason, retryAt }),
          [this.event('task.retrying', { taskId, agent: agent.attempt.agent, reason: outcome.reason, retryAt, attempt: entry.attempts.length + 1 })],
        );
      }
      case 'task-failure':
        return this.fail(taskId, ended, { failure: outcome.failure, reason: outcome.reason, worktree: agent.attempt.worktree, base: agent.attempt.base });
      case 'success':
        await this.commit((r) => applyVerdict(ended(r), this.deps.plan, taskId, { kind: 'verifying' }), [this.event('task.verifying', { taskId, agent: agent.attempt.agent })]);
        return this.verify(taskId, agent, outcome.permissionDenials);
    }
  }

  private async fail(taskId: string, ended: (r: RunState) => RunState, failure: { failure: Extract<TaskVerdict, { kind: 'failed' }>['failure']; reason: string; worktree?: string; base?: string }): Promise<void> {
    // What the agent did commit and what it left behind is reported, and stays in its worktree.
    const commits = failure.worktree && failure.base ? await commitsSince(failure.worktree, failure.base).catch(() => undefined) : undefined;
    const uncommitted = failure.worktree ? await uncommittedFiles(failure.worktree).catch(() => undefined) : undefined;
    const verdict: TaskVerdict = { kind: 'failed', failure: failure.failure, reason: failure.reason, commits, uncommitted, now: this.at() };
    return this.commit((r) => applyVerdict(ended(r), this.deps.plan, taskId, verdict), [this.event('task.failed', { taskId, failure: failure.failure, reason: failure.reason })]);
  }

  /** Completion users can trust: new commits on the branch, and the verify command passing in the worktree. */
  private async verify(taskId: string, agent: LiveAgent, permissionDenials: string[]): Promise<void> {
    const { worktree, base } = agent.attempt;
    const commits = await commitsSince(worktree, base);
    const uncommitted = await uncommittedFiles(worktree);
    const now = this.at();
    if (commits.length === 0) {
      const notes = [
        uncommitted.length > 0 ? `${uncommitted.length} uncommitted file(s) left in ${relative(this.deps.project.root, worktree)}` : '',
        permissionDenials.length > 0 ? `permission denied: ${permissionDenials.slice(0, 3).join(', ')}` : '',
      ].filter(Boolean);
      const reason = `the agent made no commits${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
      return this.commit((r) => applyVerdict(r, this.deps.plan, taskId, { kind: 'failed', failure: 'no commits', reason, commits, uncommitted, now }), [
        this.event('task.failed', { taskId, failure: 'no commits', reason, uncommitted }),
      ]);
    }
    const command = this.run.verify;
    if (command) {
      const result = await execa(command, {
        shell: true,
        cwd: worktree,
        reject: false,
        all: true,
        stdin: 'ignore',
        timeout: this.deps.config.run.verifyTimeoutMinutes * 60_000,
        env: this.deps.env,
      });
      const output = String(result.all ?? '');
      await writeFile(join(agent.dir, AGENT_FILES.verify), output);
      if (result.exitCode !== 0 || result.timedOut) {
        const why = result.timedOut ? `timed out after ${this.deps.config.run.verifyTimeoutMinutes} min` : `exited with ${result.exitCode ?? result.signal}`;
        const last = output.trim().split('\n').pop()?.trim();
        const reason = `\`${command}\` ${why}${last ? `: ${last.slice(0, 200)}` : ''}`;
        return this.commit((r) => applyVerdict(r, this.deps.plan, taskId, { kind: 'failed', failure: 'verify', reason, commits, uncommitted, now: this.at() }), [
          this.event('task.failed', { taskId, failure: 'verify', reason, log: relative(this.deps.project.root, join(agent.dir, AGENT_FILES.verify)) }),
        ]);
      }
    }
    return this.commit((r) => applyVerdict(r, this.deps.plan, taskId, { kind: 'completed', verified: command !== null, commits, uncommitted, now: this.at() }), [
      this.event('task.completed', { taskId, agent: agent.attempt.agent, branch: agent.attempt.branch, verified: command !== null, commits: commits.length, uncommitted }),
    ]);
  }

  private async dispatch(task: Task): Promise<void> {
    const { files, project } = this.deps;
    const run = this.run;
    const entry = run.tasks[task.id]!;
    const previous = entry.attempts[entry.attempts.length - 1];
    let agent = run.nextAgent;
    while (existsSync(files.agentDir(run.id, agent)) || existsSync(files.worktree(run.id, agent))) agent++;
    const dir = files.agentDir(run.id, agent);
    await mkdir(dir, { recursive: true });

    let placement: { branch: string; worktree: string; base: string } | { conflict: string };
    try {
      placement = await this.place(task, agent, previous);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.commit((r) => applyVerdict({ ...r, nextAgent: agent + 1 }, this.deps.plan, task.id, { kind: 'blocked', failure: 'conflict', reason, now: this.at() }), [
        this.event('task.blocked', { taskId: task.id, reason }),
      ]);
      return;
    }
    if ('conflict' in placement) {
      const reason = placement.conflict;
      await this.commit((r) => applyVerdict({ ...r, nextAgent: agent + 1 }, this.deps.plan, task.id, { kind: 'blocked', failure: 'conflict', reason, now: this.at() }), [
        this.event('task.blocked', { taskId: task.id, reason }),
      ]);
      return;
    }

    const sessionId = randomUUID();
    const prompt = renderAgentPrompt(this.deps.template, {
      task,
      specTitle: this.deps.plan.spec.title,
      specs: this.deps.specs,
      dependencies: this.dependencyStatus(task),
      branch: placement.branch,
      worktree: placement.worktree,
      verify: run.verify,
    });
    await writeFile(join(dir, AGENT_FILES.prompt), prompt);
    await writeJsonAtomic(join(dir, AGENT_FILES.spec), {
      command: this.deps.config.claude.command,
      args: claudeArgs(this.deps.config.claude, { sessionId, verify: run.verify }),
      cwd: placement.worktree,
    });
    const attempt: Attempt = { agent, branch: placement.branch, worktree: placement.worktree, sessionId, base: placement.base, startedAt: this.at() };
    // Recorded before the agent starts, so a crash right after spawning cannot lose it.
    await this.commit((r) => startAttempt(r, task.id, attempt), [
      this.event('task.dispatched', {
        taskId: task.id,
        agent,
        attempt: entry.attempts.length + 1,
        branch: placement.branch,
        worktree: relative(project.root, placement.worktree),
        sessionId,
      }),
    ]);
    const supervisor = spawn(process.execPath, [SUPERVISOR_ENTRY, '__agent', dir], { cwd: placement.worktree, detached: true, stdio: 'ignore', env: this.deps.env });
    supervisor.on('error', () => {}); // a failed start shows as a dead pid without exit.json
    supervisor.unref();
    this.live.set(task.id, { taskId: task.id, attempt, dir, pid: supervisor.pid });
  }

  /** The branch and worktree of a new attempt, and the commit its work is counted from. */
  private async place(task: Task, agent: number, previous: Attempt | undefined): Promise<{ branch: string; worktree: string; base: string } | { conflict: string }> {
    const { files, project, plan } = this.deps;
    const run = this.run;
    if (run.branching === 'single') {
      // One branch and one worktree for the whole run; tasks take turns on it.
      const worktree = files.worktree(run.id, 1);
      const branch = branchName(run.id, 1, plan.spec.title);
      if (!existsSync(worktree)) await addWorktree(project.root, worktree, branch, run.base.commit);
      return { branch, worktree, base: previous?.base ?? (await branchHead(project.root, branch)) };
    }
    const branch = branchName(run.id, agent, task.title);
    if (!(await isValidBranchName(project.root, branch))) throw new Error(`\`${branch}\` is not a valid branch name`);
    const worktree = files.worktree(run.id, agent);
    if (previous) {
      // A new attempt continues from where the last one stopped; its work still counts from the task's start.
      await addWorktree(project.root, worktree, branch, await branchHead(project.root, previous.branch));
      return { branch, worktree, base: previous.base };
    }
    const depBranches = run.branching === 'stacked' ? task.dependsOn.map((dep) => lastAttempt(run, dep)?.branch).filter((b): b is string => b !== undefined) : [];
    if (depBranches.length === 0) {
      await addWorktree(project.root, worktree, branch, run.base.commit);
      return { branch, worktree, base: run.base.commit };
    }
    await addWorktree(project.root, worktree, branch, await branchHead(project.root, depBranches[0]!));
    if (depBranches.length > 1) {
      const merged = await mergeBranches(worktree, depBranches.slice(1), `Merge the dependencies of ${task.id}`);
      if (!merged.ok) {
        return { conflict: `merging the branches of ${task.dependsOn.join(', ')} conflicts in ${merged.files.join(', ')}` };
      }
    }
    return { branch, worktree, base: await branchHead(project.root, branch) };
  }

  private dependencyStatus(task: Task): DependencyStatus[] {
    return task.dependsOn.map((dep) => {
      const entry = this.run.tasks[dep];
      const depTask = this.tasksById.get(dep) ?? { id: dep, title: dep };
      if (!entry) return { task: depTask, state: 'done before this run' };
      return { task: depTask, state: DONE_STATES.has(entry.state) ? stateLabel(entry) : entry.state, branch: lastAttempt(this.run, dep)?.branch, commits: entry.commits };
    });
  }
}

function lastAttempt(run: RunState, taskId: string): Attempt | undefined {
  const attempts = run.tasks[taskId]?.attempts ?? [];
  return attempts[attempts.length - 1];
}
