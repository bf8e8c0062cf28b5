/**
 * The loop behind `xplan run` and `xplan resume`: dispatches ready tasks to agents, N at a time, watches their
 * exit.json files, decides how each task ended, and follows changes other xplan commands make to the run.
 *
 * The orchestrator never holds an agent's output and owns nothing an agent needs: each agent runs under a detached
 * supervisor, so killing the orchestrator at any moment loses nothing, and a new one adopts the agents still alive.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { classifyAgentExit, type AgentExit } from '../core/agent-result.js';
import { renderAgentPrompt, type DependencyStatus } from '../core/agent-prompt.js';
import type { Config } from '../core/config.js';
import { branchName, type Plan, type Task } from '../core/plan.js';
import { pauseRun, type ControlChange } from '../core/run-control.js';
import { redactSecrets } from '../core/secrets.js';
import {
  applyVerdict,
  backoffMs,
  BUSY,
  DONE_STATES,
  endAttempt,
  finalStatus,
  isSettled,
  lastAttempt,
  nextRetryAt,
  startAttempt,
  stateLabel,
  tasksToDispatch,
  withTask,
  type Attempt,
  type Failure,
  type RunEvent,
  type RunState,
  type TaskVerdict,
} from '../core/run.js';
import { readPids, spawnSupervisor, stopGroup } from '../adapters/agent-process.js';
import { claudeArgs } from '../adapters/claude-code.js';
import { addWorktree, branchHead, commitsSince, isValidBranchName, mergeBranches, uncommittedFiles } from '../adapters/git.js';
import type { Project } from '../adapters/project.js';
import { isAlive } from '../adapters/run-lock.js';
import { AGENT_FILES, readJsonIfPresent, writeJsonAtomic, type RunFiles } from '../adapters/run-files.js';
import type { EventDraft, RunJournal } from '../adapters/run-journal.js';
import type { StateStore } from '../adapters/state-store.js';

export interface OrchestratorDeps {
  project: Project;
  config: Config;
  plan: Plan;
  store: StateStore;
  journal: RunJournal;
  files: RunFiles;
  template: string;
  specs: Array<{ path: string; text: string }>;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  pollMs: number;
  onEvent?: (event: RunEvent) => void;
}

const RESUME_PROMPT = 'resume.md';

/** A dispatched agent the orchestrator is waiting for. */
interface LiveAgent {
  taskId: string;
  attempt: Attempt;
  dir: string;
  pid: number | undefined;
  /** When this orchestrator started watching it, for the timeout. */
  since: number;
  transcriptSize: number;
  lastOutputAt: number;
  /** Why the orchestrator is stopping it, if it is. */
  stopping?: 'timeout' | 'stalled';
  /** Wakes the loop when exit.json appears; polling is the fallback. */
  watcher: FSWatcher | undefined;
}

export class Orchestrator {
  private run!: RunState;
  private readonly live = new Map<string, LiveAgent>();
  /** Agents that ended and whose outcome is being settled (commits, verify). */
  private readonly settling = new Set<Promise<void>>();
  private readonly verifying = new Map<string, ResultPromise>();
  private writes: Promise<unknown> = Promise.resolve();
  private readonly tasksById: Map<string, Task>;
  /** The state file as this process last wrote it; a different inode means another xplan wrote it since. */
  private stateInode = 0;
  private lastHealthCheck = 0;
  /** Ctrl-C count: the first pauses, the second stops the agents. */
  private interrupts = 0;
  /** Agent numbers handed out in this process, so parallel dispatches never share one. */
  private reservedAgent = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly deps: OrchestratorDeps) {
    this.tasksById = new Map(deps.plan.tasks.map((t) => [t.id, t]));
  }

  get current(): RunState {
    return this.run;
  }

  private at(): string {
    return this.deps.now().toISOString();
  }

  /** Writes a change and its events through the journal, one write at a time. */
  private commit(change: (run: RunState) => RunState, events: EventDraft[] | ((run: RunState) => EventDraft[]) = []): Promise<void> {
    const write = this.writes.then(async () => {
      const result = await this.deps.journal.commit(change, events);
      await this.adopted(result.run, result.events);
    });
    this.writes = write.catch(() => {});
    return write;
  }

  private async adopted(run: RunState, events: RunEvent[]): Promise<void> {
    this.run = run;
    this.stateInode = (await stat(this.deps.store.path)).ino;
    for (const e of events) this.deps.onEvent?.(e);
  }

  async begin(run: RunState, events: EventDraft[]): Promise<void> {
    await mkdir(this.deps.files.runDir(run.id), { recursive: true });
    const result = await this.deps.journal.begin(run, events);
    await this.adopted(result.run, result.events);
  }

  /**
   * Takes over a run whose orchestrator is gone: agents still alive are watched again, agents that ended meanwhile
   * are settled, and agents that were recorded but never started are started.
   */
  async adopt(change: ControlChange): Promise<void> {
    await this.commit(() => change.run, change.events);
    for (const [taskId, entry] of Object.entries(this.run.tasks)) {
      if (!BUSY.has(entry.state)) continue;
      const attempt = lastAttempt(entry);
      if (!attempt) continue;
      const dir = this.deps.files.agentDir(this.run.id, attempt.agent);
      const pids = await readPids(dir);
      if (existsSync(join(dir, AGENT_FILES.exit)) || (pids && isAlive(pids.supervisor))) {
        this.watch(taskId, attempt, dir, pids?.supervisor);
      } else if (!pids && existsSync(join(dir, AGENT_FILES.spec))) {
        // Recorded, then the orchestrator died before the agent started: start it now.
        this.watch(taskId, attempt, dir, spawnSupervisor(dir, attempt.worktree, this.deps.env));
      } else {
        await this.commit((r) => withTask(r, taskId, (t) => ({ ...t, state: 'interrupted', reason: 'the agent ended while no xplan was watching it' })), [
          { type: 'task.interrupted', taskId, reason: 'the agent ended while no xplan was watching it' },
        ]);
      }
    }
  }

  private watch(taskId: string, attempt: Attempt, dir: string, pid: number | undefined): void {
    const now = Date.now();
    let watcher: FSWatcher | undefined;
    try {
      watcher = fsWatch(dir, (_event, file) => {
        if (file === AGENT_FILES.exit) this.wake?.();
      });
      watcher.on('error', () => {}); // polling still finds the end
    } catch {
      watcher = undefined;
    }
    this.live.set(taskId, { taskId, attempt, dir, pid, since: now, transcriptSize: 0, lastOutputAt: now, watcher });
  }

  /** Ctrl-C: the first pauses (agents finish), the second stops the agents now. */
  interrupt(): void {
    this.interrupts++;
    const now = this.interrupts > 1;
    let change: ControlChange | undefined;
    void this.commit(
      (r) => {
        change = r.status === 'running' || r.status === 'waiting' || now ? pauseRun(r, { now, by: now ? 'a second Ctrl-C' : 'Ctrl-C' }) : undefined;
        return change?.run ?? r;
      },
      () => change?.events ?? [],
    )
      .then(() => (now ? this.stopAll() : undefined))
      .catch(() => {}); // the run had already ended: nothing to pause
  }

  get wasInterrupted(): boolean {
    return this.interrupts > 0;
  }

  private async stopAll(): Promise<void> {
    const grace = this.deps.config.run.stopGraceSeconds * 1000;
    for (const verify of this.verifying.values()) if (verify.pid) await stopGroup(verify.pid, grace);
    await Promise.all([...this.live.values()].map((agent) => (agent.pid ? stopGroup(agent.pid, grace) : undefined)));
  }

  /** Runs until every task is settled, the run stops, or it is paused and its agents are done. */
  async drive(): Promise<RunState> {
    for (;;) {
      await this.followOthers();
      await this.reap();
      await this.checkHealth();
      if (this.run.status === 'waiting' && this.run.resumeAt && Date.parse(this.run.resumeAt) <= this.deps.now().getTime()) {
        await this.commit((r) => ({ ...r, status: 'running', resumeAt: undefined }), [{ type: 'run.resumed', reason: 'usage limit reset' }]);
      }
      if (!this.run.stop) {
        // A round's agents start together: worktrees and supervisors in parallel, state writes in turn.
        await Promise.all(tasksToDispatch(this.run, this.deps.plan, this.deps.now()).filter((t) => !this.live.has(t.id)).map((t) => this.dispatch(t)));
      }
      const idle = this.live.size === 0 && this.settling.size === 0;
      if (idle && (this.run.status === 'paused' || this.run.stop || isSettled(this.run))) break;
      await this.sleep();
    }
    await this.writes;
    if (this.run.status === 'paused') return this.run;
    const status = finalStatus(this.run);
    await this.commit((r) => ({ ...r, status, endedAt: this.at() }), (r) => [{ type: 'run.ended', status, stop: r.stop }]);
    return this.run;
  }

  /** Another xplan (pause, retry, skip, done) changed the state: take its version of the run. */
  private async followOthers(): Promise<void> {
    await this.writes;
    const { ino } = await stat(this.deps.store.path);
    if (ino === this.stateInode) return;
    const state = await this.deps.store.read();
    if (!state?.run) return;
    this.run = state.run;
    this.stateInode = ino;
  }

  private async sleep(): Promise<void> {
    const now = this.deps.now().getTime();
    const wakeups = [now + this.deps.pollMs, nextRetryAt(this.run), this.run.resumeAt ? Date.parse(this.run.resumeAt) : undefined];
    const until = Math.min(...wakeups.filter((t): t is number => t !== undefined));
    // An agent's exit.json and a settled agent wake the loop too, so dependents start at once.
    await Promise.race([
      new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.max(0, until - now));
      }),
      ...this.settling,
    ]);
    this.wake = undefined;
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
      agent.watcher?.close();
      const settled: Promise<void> = this.settle(taskId, agent, exit)
        .catch((error: unknown) => this.settleFailed(taskId, agent, error))
        .finally(() => this.settling.delete(settled));
      this.settling.add(settled);
    }
  }

  /** Stops agents past their wall-clock limit or silent for too long. Checked once a second. */
  private async checkHealth(): Promise<void> {
    const now = Date.now();
    if (now - this.lastHealthCheck < 1000) return;
    this.lastHealthCheck = now;
    const { timeoutMinutes, stallMinutes, stopGraceSeconds } = this.deps.config.run;
    for (const agent of this.live.values()) {
      if (agent.stopping || agent.pid === undefined) continue;
      const size = await stat(join(agent.dir, AGENT_FILES.transcript)).then((s) => s.size, () => 0);
      if (size !== agent.transcriptSize) {
        agent.transcriptSize = size;
        agent.lastOutputAt = now;
      }
      const effort = this.tasksById.get(agent.taskId)?.effort ?? 'M';
      if (now - agent.since > timeoutMinutes[effort] * 60_000) agent.stopping = 'timeout';
      else if (now - agent.lastOutputAt > stallMinutes * 60_000) agent.stopping = 'stalled';
      if (agent.stopping) void stopGroup(agent.pid, stopGraceSeconds * 1000);
    }
  }

  /**
   * Applies an agent's outcome, unless its task was meanwhile taken out of its hands (paused now, skipped, done):
   * then only the attempt's end is recorded.
   */
  private settleCommit(taskId: string, agent: LiveAgent, change: (r: RunState) => RunState, events: EventDraft[]): Promise<void> {
    let applied = false;
    return this.commit(
      (r) => {
        const entry = r.tasks[taskId];
        applied = entry !== undefined && BUSY.has(entry.state) && lastAttempt(entry)?.agent === agent.attempt.agent;
        return applied ? change(r) : r;
      },
      () => (applied ? events : []),
    );
  }

  private async settle(taskId: string, agent: LiveAgent, exit: AgentExit): Promise<void> {
    const { config, plan } = this.deps;
    const outcome = classifyAgentExit(exit, config.claude.command, this.deps.now());
    const outcomeName = agent.stopping ?? (outcome.kind === 'task-failure' ? outcome.failure : outcome.kind);
    const ended = (r: RunState) => endAttempt(r, taskId, { outcome: outcomeName, usage: outcome.usage, endedAt: exit.endedAt });
    const entry = this.run.tasks[taskId]!;
    if (!BUSY.has(entry.state)) {
      await this.commit((r) => (r.tasks[taskId] ? ended(r) : r));
      return;
    }
    if (agent.stopping) {
      const what = agent.stopping === 'timeout' ? `ran past its ${config.run.timeoutMinutes[this.tasksById.get(taskId)?.effort ?? 'M']} min limit` : `printed nothing for ${config.run.stallMinutes} min`;
      if ((entry.stops ?? 0) < 1) {
        const reason = `the agent ${what}; trying once more`;
        return this.settleCommit(taskId, agent, (r) => applyVerdict(ended(r), plan, taskId, { kind: 'stopped', reason, retryAt: this.at() }), [
          { type: 'task.retrying', taskId, agent: agent.attempt.agent, reason, retryAt: this.at(), attempt: entry.attempts.length + 1 },
        ]);
      }
      return this.fail(taskId, agent, ended, { failure: agent.stopping, reason: `the agent ${what}, twice` });
    }
    switch (outcome.kind) {
      case 'fatal':
        return this.settleCommit(
          taskId,
          agent,
          (r) => ({ ...applyVerdict(ended(r), plan, taskId, { kind: 'requeue', reason: outcome.reason }), stop: { message: outcome.reason, hint: outcome.hint } }),
          [{ type: 'run.stopping', taskId, reason: outcome.reason, hint: outcome.hint }],
        );
      case 'usage-limit': {
        const resumeAt = (outcome.resetAt ?? new Date(this.deps.now().getTime() + config.run.usageLimitWaitMinutes * 60_000)).toISOString();
        return this.settleCommit(
          taskId,
          agent,
          (r) => ({ ...applyVerdict(ended(r), plan, taskId, { kind: 'requeue', reason: outcome.reason }), ...(r.status === 'running' ? { status: 'waiting' as const } : {}), resumeAt }),
          [{ type: 'run.waiting', taskId, reason: outcome.reason, resumeAt }],
        );
      }
      case 'transient': {
        if (entry.transientFailures >= config.run.retries) {
          return this.fail(taskId, agent, ended, { failure: 'transient', reason: `${outcome.reason} (gave up after ${entry.transientFailures + 1} attempts)` });
        }
        const retryAt = new Date(this.deps.now().getTime() + backoffMs(config.run.backoffSeconds * 1000, entry.transientFailures)).toISOString();
        return this.settleCommit(taskId, agent, (r) => applyVerdict(ended(r), plan, taskId, { kind: 'retry', reason: outcome.reason, retryAt }), [
          { type: 'task.retrying', taskId, agent: agent.attempt.agent, reason: outcome.reason, retryAt, attempt: entry.attempts.length + 1 },
        ]);
      }
      case 'task-failure':
        return this.fail(taskId, agent, ended, { failure: outcome.failure, reason: outcome.reason });
      case 'success':
        await this.settleCommit(taskId, agent, (r) => applyVerdict(ended(r), plan, taskId, { kind: 'verifying' }), [{ type: 'task.verifying', taskId, agent: agent.attempt.agent }]);
        if (this.run.tasks[taskId]?.state !== 'verifying') return;
        return this.verify(taskId, agent, outcome.permissionDenials);
    }
  }

  /** Settling itself broke (git refused, a file vanished): the task fails with the reason instead of hanging. */
  private async settleFailed(taskId: string, agent: LiveAgent, error: unknown): Promise<void> {
    const reason = `xplan could not check the agent's work: ${error instanceof Error ? error.message : String(error)}`;
    await this.settleCommit(taskId, agent, (r) => applyVerdict(r, this.deps.plan, taskId, { kind: 'failed', failure: 'crash', reason, now: this.at() }), [
      { type: 'task.failed', taskId, failure: 'crash', reason },
    ]).catch(() => {});
  }

  private async fail(taskId: string, agent: LiveAgent, ended: (r: RunState) => RunState, failure: { failure: Failure; reason: string }): Promise<void> {
    // What the agent did commit and what it left behind is reported, and stays in its worktree.
    const { worktree, base } = agent.attempt;
    const commits = await commitsSince(worktree, base).catch(() => undefined);
    const uncommitted = await uncommittedFiles(worktree).catch(() => undefined);
    const verdict: TaskVerdict = { kind: 'failed', ...failure, commits, uncommitted, now: this.at() };
    return this.settleCommit(taskId, agent, (r) => applyVerdict(ended(r), this.deps.plan, taskId, verdict), [{ type: 'task.failed', taskId, ...failure }]);
  }

  /** Completion users can trust: new commits on the branch, and the verify command passing in the worktree. */
  private async verify(taskId: string, agent: LiveAgent, permissionDenials: string[]): Promise<void> {
    const { worktree, base } = agent.attempt;
    const commits = await commitsSince(worktree, base);
    const uncommitted = await uncommittedFiles(worktree);
    const { plan, project } = this.deps;
    if (commits.length === 0) {
      const notes = [
        uncommitted.length > 0 ? `${uncommitted.length} uncommitted file(s) left in ${relative(project.root, worktree)}` : '',
        permissionDenials.length > 0 ? `permission denied: ${permissionDenials.slice(0, 3).join(', ')}` : '',
      ].filter(Boolean);
      const reason = `the agent made no commits${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
      return this.settleCommit(taskId, agent, (r) => applyVerdict(r, plan, taskId, { kind: 'failed', failure: 'no commits', reason, commits, uncommitted, now: this.at() }), [
        { type: 'task.failed', taskId, failure: 'no commits', reason, uncommitted },
      ]);
    }
    const command = this.run.verify;
    if (command) {
      const minutes = this.deps.config.run.verifyTimeoutMinutes;
      // Its own process group, so stopping the run stops the whole test run it started.
      const child = execa(command, { shell: true, cwd: worktree, reject: false, all: true, stdin: 'ignore', detached: true, timeout: minutes * 60_000, env: this.deps.env });
      this.verifying.set(taskId, child);
      const result = await child.finally(() => this.verifying.delete(taskId));
      const output = String(result.all ?? '');
      await writeFile(join(agent.dir, AGENT_FILES.verify), redactSecrets(output));
      if (result.exitCode !== 0 || result.timedOut) {
        const why = result.timedOut ? `timed out after ${minutes} min` : `exited with ${result.exitCode ?? result.signal}`;
        const last = output.trim().split('\n').pop()?.trim();
        const reason = redactSecrets(`\`${command}\` ${why}${last ? `: ${last.slice(0, 200)}` : ''}`);
        return this.settleCommit(taskId, agent, (r) => applyVerdict(r, plan, taskId, { kind: 'failed', failure: 'verify', reason, commits, uncommitted, now: this.at() }), [
          { type: 'task.failed', taskId, failure: 'verify', reason, log: relative(project.root, join(agent.dir, AGENT_FILES.verify)) },
        ]);
      }
    }
    return this.settleCommit(taskId, agent, (r) => applyVerdict(r, plan, taskId, { kind: 'completed', verified: command !== null, commits, uncommitted, now: this.at() }), [
      { type: 'task.completed', taskId, agent: agent.attempt.agent, branch: agent.attempt.branch, verified: command !== null, commits: commits.length, uncommitted },
    ]);
  }

  private async dispatch(task: Task): Promise<void> {
    const entry = this.run.tasks[task.id]!;
    const previous = lastAttempt(entry);
    if (entry.state === 'interrupted' && previous && existsSync(previous.worktree)) return this.continueInPlace(task, previous);
    const { files, project } = this.deps;
    const run = this.run;
    let agent = Math.max(run.nextAgent, this.reservedAgent);
    while (existsSync(files.agentDir(run.id, agent)) || existsSync(files.worktree(run.id, agent))) agent++;
    this.reservedAgent = agent + 1;
    const dir = files.agentDir(run.id, agent);
    await mkdir(dir, { recursive: true });

    const fresh = entry.retryRequest?.fresh === true;
    const placement = await this.place(task, agent, fresh ? undefined : previous).catch((error: unknown) => ({ conflict: error instanceof Error ? error.message : String(error) }));
    if ('conflict' in placement) {
      const reason = placement.conflict;
      await this.commit((r) => applyVerdict({ ...r, nextAgent: Math.max(r.nextAgent, agent + 1) }, this.deps.plan, task.id, { kind: 'blocked', failure: 'conflict', reason, now: this.at() }), [
        { type: 'task.blocked', taskId: task.id, reason },
      ]);
      return;
    }

    const sessionId = randomUUID();
    const context = [
      previous && !fresh ? `An earlier attempt at this task (agent-${previous.agent}) ended: ${entry.retryRequest?.after ?? entry.reason ?? previous.outcome ?? 'without finishing'}. Its commits are on your branch; continue from there.` : '',
      entry.retryRequest?.context ?? '',
    ].filter(Boolean);
    const prompt = renderAgentPrompt(this.deps.template, {
      task,
      specTitle: this.deps.plan.spec.title,
      specs: this.deps.specs,
      dependencies: this.dependencyStatus(task),
      branch: placement.branch,
      worktree: placement.worktree,
      verify: run.verify,
      ...(context.length > 0 ? { context: context.join('\n\n') } : {}),
    });
    // The prompt is what the agent reads; with `secrets: warn` it may quote the spec's secrets, so only its owner reads it.
    await writeFile(join(dir, AGENT_FILES.prompt), prompt, { mode: 0o600 });
    await this.writeAgentSpec(dir, placement.worktree, sessionId, false);
    const attempt: Attempt = { agent, branch: placement.branch, worktree: placement.worktree, sessionId, base: placement.base, startedAt: this.at() };
    // Recorded before the agent starts, so a crash right after starting it cannot lose it.
    await this.commit((r) => startAttempt(r, task.id, attempt), [
      { type: 'task.dispatched', taskId: task.id, agent, attempt: entry.attempts.length + 1, branch: placement.branch, worktree: relative(project.root, placement.worktree), sessionId },
    ]);
    this.watch(task.id, attempt, dir, spawnSupervisor(dir, placement.worktree, this.deps.env));
  }

  /** An interrupted agent continues its own session in its own worktree (`claude --resume`), or starts it afresh. */
  private async continueInPlace(task: Task, attempt: Attempt): Promise<void> {
    const dir = this.deps.files.agentDir(this.run.id, attempt.agent);
    const resumes = (attempt.resumes ?? 0) + 1;
    // The last process's records are kept beside the new ones.
    for (const file of [AGENT_FILES.exit, AGENT_FILES.pid]) {
      if (existsSync(join(dir, file))) await rename(join(dir, file), join(dir, `${file}.${resumes}`));
    }
    const transcript = await readFile(join(dir, AGENT_FILES.transcript), 'utf8').catch(() => '');
    const sessionStarted = transcript.includes('"subtype":"init"');
    const sessionId = sessionStarted ? attempt.sessionId : randomUUID();
    await writeFile(
      join(dir, RESUME_PROMPT),
      `Your work on task ${task.id} was interrupted. Continue where you stopped: check \`git status\` and \`git log\`, finish the task as described earlier, and commit with the [${task.id}] prefix.\n`,
    );
    await this.writeAgentSpec(dir, attempt.worktree, sessionId, sessionStarted);
    const resumed: Attempt = { ...attempt, sessionId, resumes, endedAt: undefined, outcome: undefined };
    await this.commit(
      (r) => withTask(r, task.id, (t) => ({ ...t, state: 'running', reason: undefined, attempts: [...t.attempts.slice(0, -1), resumed] })),
      [{ type: 'task.resumed', taskId: task.id, agent: attempt.agent, session: sessionStarted ? 'resumed' : 'new', sessionId }],
    );
    this.watch(task.id, resumed, dir, spawnSupervisor(dir, attempt.worktree, this.deps.env));
  }

  private async writeAgentSpec(dir: string, cwd: string, sessionId: string, resume: boolean): Promise<void> {
    await writeJsonAtomic(join(dir, AGENT_FILES.spec), {
      command: this.deps.config.claude.command,
      args: claudeArgs(this.deps.config.claude, { sessionId, verify: this.run.verify, resume }),
      cwd,
      stdin: resume ? RESUME_PROMPT : AGENT_FILES.prompt,
    });
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
    const depBranches = run.branching === 'stacked' ? task.dependsOn.map((dep) => lastAttempt(run.tasks[dep])?.branch).filter((b): b is string => b !== undefined) : [];
    if (depBranches.length === 0) {
      await addWorktree(project.root, worktree, branch, run.base.commit);
      return { branch, worktree, base: run.base.commit };
    }
    await addWorktree(project.root, worktree, branch, await branchHead(project.root, depBranches[0]!));
    if (depBranches.length > 1) {
      const merged = await mergeBranches(worktree, depBranches.slice(1), `Merge the dependencies of ${task.id}`);
      if (!merged.ok) return { conflict: `merging the branches of ${task.dependsOn.join(', ')} conflicts in ${merged.files.join(', ')}` };
    }
    return { branch, worktree, base: await branchHead(project.root, branch) };
  }

  private dependencyStatus(task: Task): DependencyStatus[] {
    return task.dependsOn.map((dep) => {
      const entry = this.run.tasks[dep];
      const depTask = this.tasksById.get(dep) ?? { id: dep, title: dep };
      if (!entry) return { task: depTask, state: 'done before this run' };
      return { task: depTask, state: DONE_STATES.has(entry.state) ? stateLabel(entry) : entry.state, branch: lastAttempt(this.run.tasks[dep])?.branch, commits: entry.commits };
    });
  }
}

