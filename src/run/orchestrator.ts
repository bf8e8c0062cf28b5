/**
 * The loop behind `xplan run` and `xplan resume`: dispatches what the scheduler picks, N at a time, settles how each
 * agent ended, merges completed work in order, and follows changes other xplan commands make to the run.
 *
 * The orchestrator never holds an agent's output and owns nothing an agent needs: each agent runs detached, so
 * killing the orchestrator at any moment loses nothing, and a new one adopts the agents still alive. Everything it
 * touches outside goes through the ports (src/run/ports.ts, wired in src/run/setup.ts); every change of the run is a
 * transition of core/run.ts, with its events. The agents' processes are watched by agent-processes.ts and launched
 * by launch.ts.
 */
import { relative } from 'node:path';
import { classifyAgentExit, type AgentExit } from '../core/agent-result.js';
import type { Config } from '../core/config.js';
import type { Plan, Task } from '../core/plan.js';
import { waitingOn } from '../core/reservations.js';
import { pauseForConflicts, pauseRun, type ControlChange } from '../core/run-control.js';
import {
  awaitsMerge,
  beginMerge,
  BUSY,
  conflictCount,
  conflictMerge,
  endAttempt,
  failIntegration,
  failMerge,
  finishRun,
  isActiveRun,
  isSettled,
  landMerge,
  lastAttempt,
  limitHasReset,
  limitReset,
  nextRetryAt,
  nextToMerge,
  noteWaiting,
  settleTask,
  unchanged,
  undoMerge,
  withReservations,
  type Failure,
  type RunEvent,
  type RunState,
  type TaskVerdict,
  type Transition,
} from '../core/run.js';
import { AgentProcesses, type LiveAgent } from './agent-processes.js';
import { graceMs, type RunContext } from './context.js';
import { noticeFor } from './coordination.js';
import { Launcher } from './launch.js';
import { mergeTask } from './merge-queue.js';
import type { AgentDirs, RunArchive, RunPorts, RunStore } from './ports.js';
import { planOrder } from './scheduler.js';
import { checkWork, settlementFor } from './settle.js';

export interface OrchestratorDeps {
  ports: RunPorts;
  store: RunStore;
  dirs: AgentDirs;
  archive: RunArchive;
  /** The repository root: paths in events are shown relative to it. */
  root: string;
  config: Config;
  plan: Plan;
  template: string;
  specs: Array<{ path: string; text: string }>;
  /** How often running agents are checked for their end, when no file event wakes the loop first. */
  pollMs: number;
  /** Each task's predicted files (its reservations); tasks without an entry reserve nothing. */
  predicted: Map<string, string[]>;
  /** The beads issue of each task, where the plan was exported. */
  beadsIds?: Record<string, string>;
  onEvent?: (event: RunEvent) => void;
}

/** Tries at a merge that git refuses for another reason than a conflict, before the task fails with git's message. */
const GIT_MERGE_ATTEMPTS = 2;

export class Orchestrator implements RunContext {
  private latest!: RunState;
  private readonly processes: AgentProcesses;
  private readonly launcher: Launcher;
  /** Agents that ended and whose outcome is being settled (commits, verify), and the merge under way. */
  private readonly settling = new Set<Promise<void>>();
  /** Verify commands running, to stop with the run. */
  private readonly verifying = new Set<(graceMs: number) => Promise<void>>();
  /** git failures (not conflicts) of each task's merge in this process: retried, then failed. */
  private readonly gitMergeFailures = new Map<string, number>();
  private writes: Promise<unknown> = Promise.resolve();
  private readonly tasksById: Map<string, Task>;
  /** Ctrl-C count: the first pauses, the second stops the agents. */
  private interrupts = 0;
  /** SIGTERM: the run is paused with its agents stopped, and the loop lets go. */
  private terminated = false;
  private terminationApplied = false;
  private wakeLoop: (() => void) | undefined;
  /** The merge the queue is working on, if any: one at a time. */
  private merging: string | undefined;

  constructor(private readonly deps: OrchestratorDeps) {
    this.tasksById = new Map(deps.plan.tasks.map((t) => [t.id, t]));
    this.processes = new AgentProcesses(this);
    this.launcher = new Launcher(this, this.processes, {
      root: deps.root,
      template: deps.template,
      specs: deps.specs,
      predicted: deps.predicted,
      ...(deps.beadsIds ? { beadsIds: deps.beadsIds } : {}),
    });
  }

  get current(): RunState {
    return this.latest;
  }

  // ── RunContext, for the modules the loop drives ──

  get run(): RunState {
    return this.latest;
  }

  get ports(): RunPorts {
    return this.deps.ports;
  }

  get dirs(): AgentDirs {
    return this.deps.dirs;
  }

  get plan(): Plan {
    return this.deps.plan;
  }

  get config(): Config {
    return this.deps.config;
  }

  get terminating(): boolean {
    return this.terminated;
  }

  at(): string {
    return this.ports.clock.now().toISOString();
  }

  wake(): void {
    this.wakeLoop?.();
  }

  /** Writes a transition through the store, one write at a time; the reservations table goes with every write. */
  commit(step: (run: RunState) => Transition): Promise<void> {
    const coordination = this.ports.coordination;
    const withTable = coordination
      ? (r: RunState): Transition => {
          const next = step(r);
          return { run: withReservations(next.run, coordination.table), events: next.events };
        }
      : step;
    const write = this.writes.then(async () => this.adopted(await this.deps.store.commit(withTable)));
    this.writes = write.catch(() => {});
    return write;
  }

  private adopted({ run, events }: { run: RunState; events: RunEvent[] }): void {
    this.latest = run;
    for (const e of events) {
      this.deps.onEvent?.(e);
      this.ports.beads?.onEvent(e);
      this.notifyCoordination(e);
    }
  }

  async begin(start: Transition): Promise<void> {
    this.adopted(await this.deps.store.begin(start));
  }

  /**
   * Takes over a run whose orchestrator is gone: agents still alive are watched again, agents that ended meanwhile
   * are settled, and agents that were recorded but never started are started.
   */
  async adopt(change: ControlChange): Promise<void> {
    await this.commit(() => change);
    await this.undoInterruptedMerge();
    await this.recoverReservations();
    for (const [taskId, entry] of Object.entries(this.run.tasks)) await this.processes.adopt(taskId, entry);
  }

  /** Ctrl-C: the first pauses (agents finish), the second stops the agents now. */
  interrupt(): void {
    this.interrupts++;
    const now = this.interrupts > 1;
    void this.commit((r) => (r.status === 'running' || r.status === 'waiting' || now ? pauseRun(r, { now, by: now ? 'a second Ctrl-C' : 'Ctrl-C' }) : unchanged(r)))
      .then(() => (now ? this.stopAll() : undefined))
      .catch(() => {}); // the run had already ended: nothing to pause
  }

  /**
   * SIGTERM (a CI job cancelled, `timeout`): what `pause --now` does, from inside. The loop applies it (pause, stop
   * agents and verify commands), starts nothing new, merges nothing more, and ends once everything it ran is gone.
   */
  terminate(): void {
    this.terminated = true;
    this.wake();
  }

  get wasTerminated(): boolean {
    return this.terminated;
  }

  /** SIGTERM or a second Ctrl-C: everything stops now, merges included (a merge under way is undone and queued). */
  private get stoppingNow(): boolean {
    return this.terminated || this.interrupts > 1;
  }

  private async applyTermination(): Promise<void> {
    if (!this.terminated || this.terminationApplied) return;
    this.terminationApplied = true;
    await this.commit((r) => (isActiveRun(r) ? pauseRun(r, { now: true, by: 'SIGTERM' }) : unchanged(r))).catch(() => {}); // the run had already ended: nothing to pause
    await this.stopAll();
  }

  /** Waits for the issue tracker to catch up with every event. */
  async drained(): Promise<void> {
    await this.ports.beads?.drain();
  }

  get wasInterrupted(): boolean {
    return this.interrupts > 0;
  }

  private async stopAll(): Promise<void> {
    const grace = graceMs(this.config);
    for (const stop of this.verifying) await stop(grace);
    await this.processes.stopAll();
  }

  /** Runs until every task is settled, the run stops, or it is paused and its agents are done. */
  async drive(): Promise<RunState> {
    const scheduler = this.ports.scheduler ?? planOrder;
    for (;;) {
      await this.applyTermination();
      await this.followOthers();
      await this.settleEnded();
      await this.processes.checkHealth();
      this.mergeNext();
      if (limitHasReset(this.run, this.ports.clock.now())) await this.commit(limitReset);
      if (!this.run.stop && !this.terminated) {
        // A round's agents start together: worktrees and supervisors in parallel, state writes in turn.
        const held = (id: string) => this.heldBy(id) !== undefined;
        const picked = scheduler.next(this.run, this.plan, { now: this.ports.clock.now(), held });
        await Promise.all(
          picked
            .filter((id) => !this.processes.has(id))
            .flatMap((id) => {
              const task = this.tasksById.get(id);
              return task ? [this.launcher.dispatch(task)] : [];
            }),
        );
        await this.noteWaitingForFiles();
      }
      // Completed work is merged before the loop lets go, even of a paused run.
      const mergesLeft = !this.stoppingNow && isActiveRun(this.run) && this.run.stop === undefined && nextToMerge(this.run, this.plan) !== undefined;
      const idle = this.processes.size === 0 && this.settling.size === 0 && !mergesLeft;
      if (idle && (this.run.status === 'paused' || this.run.status === 'cancelled' || this.run.stop || isSettled(this.run))) break;
      await this.sleep();
    }
    await this.writes;
    if (this.run.status === 'paused' || this.run.status === 'cancelled') return this.run;
    await this.commit((r) => finishRun(r, this.at()));
    await this.deps.archive.saveSummary(this.run, this.plan);
    return this.run;
  }

  private async sleep(): Promise<void> {
    const now = this.ports.clock.now().getTime();
    const wakeups = [now + this.deps.pollMs, nextRetryAt(this.run), this.run.resumeAt ? Date.parse(this.run.resumeAt) : undefined];
    const until = Math.min(...wakeups.filter((t): t is number => t !== undefined));
    // An agent's exit.json and a settled agent wake the loop too, so dependents start at once.
    await Promise.race([
      this.ports.clock.sleep(Math.max(0, until - now)),
      new Promise<void>((resolve) => {
        this.wakeLoop = resolve;
      }),
      ...this.settling,
    ]);
    this.wakeLoop = undefined;
  }

  /** Another xplan (pause, retry, skip, done) changed the state: take its version of the run. */
  private async followOthers(): Promise<void> {
    await this.writes;
    const changed = await this.deps.store.changedSince();
    if (!changed) return;
    this.latest = changed;
    this.processes.releaseTaken();
  }

  // ── Settling: what an ended agent's outcome does to its task ──

  /** Settles each agent that ended, in the background. */
  private settleEnded(): Promise<void> {
    return this.processes.reap().then((ended) => {
      for (const { taskId, agent, exit } of ended) {
        const settled: Promise<void> = this.settle(taskId, agent, exit)
          .catch((error: unknown) => this.settleFailed(taskId, agent, error))
          .then(() => this.releaseFiles(taskId))
          .finally(() => {
            this.settling.delete(settled);
            // A completed task enters an idle merge queue at once.
            this.mergeNext();
          });
        this.settling.add(settled);
      }
    });
  }

  /**
   * Applies an agent's outcome, unless its task was meanwhile taken out of its hands (paused now, skipped, done):
   * then nothing changes.
   */
  private settleCommit(taskId: string, agent: LiveAgent, step: (r: RunState) => Transition): Promise<void> {
    return this.commit((r) => {
      const entry = r.tasks[taskId];
      const applies = entry !== undefined && BUSY.has(entry.state) && lastAttempt(entry)?.agent === agent.attempt.agent;
      return applies ? step(r) : unchanged(r);
    });
  }

  private async settle(taskId: string, agent: LiveAgent, exit: AgentExit): Promise<void> {
    const { config, plan } = this;
    const outcome = classifyAgentExit(exit, config.claude.command, this.ports.clock.now());
    const outcomeName = agent.stopping ?? (outcome.kind === 'task-failure' ? outcome.failure : outcome.kind);
    const ended = (r: RunState) => endAttempt(r, taskId, { outcome: outcomeName, usage: outcome.usage, endedAt: exit.endedAt });
    const entry = this.run.tasks[taskId]!;
    if (!BUSY.has(entry.state)) {
      // Taken out of the agent's hands meanwhile: only the attempt's end is recorded.
      await this.commit((r) => unchanged(r.tasks[taskId] ? ended(r) : r));
      return;
    }
    const settlement = settlementFor({
      taskId,
      entry,
      agent: agent.attempt.agent,
      outcome,
      stopped: agent.stopping,
      effort: this.tasksById.get(taskId)?.effort ?? 'M',
      config,
      now: this.ports.clock.now(),
    });
    switch (settlement.kind) {
      case 'verdict':
        return this.settleCommit(taskId, agent, (r) => settleTask(ended(r), plan, taskId, settlement.verdict));
      case 'fail':
        return this.fail(taskId, agent, ended, settlement);
      case 'check-work': {
        await this.settleCommit(taskId, agent, (r) => settleTask(ended(r), plan, taskId, { kind: 'verifying' }));
        if (this.run.tasks[taskId]?.state !== 'verifying') return;
        const { attempt } = agent;
        const check = await checkWork(
          this.ports,
          {
            taskId,
            agent: attempt.agent,
            branch: attempt.branch,
            worktree: attempt.worktree,
            base: attempt.base,
            root: this.deps.root,
            verify: this.run.verify,
            verifyTimeoutMinutes: config.run.verifyTimeoutMinutes,
            verifyLogPath: this.dirs.verifyLogPath(attempt.agent),
            permissionDenials: settlement.permissionDenials,
            now: () => this.ports.clock.now(),
          },
          (stop) => this.whileVerifying(stop),
        );
        if (check.verifyLog !== undefined) await this.dirs.writeVerifyLog(attempt.agent, check.verifyLog);
        return this.settleCommit(taskId, agent, (r) => settleTask(r, plan, taskId, check.verdict, check.detail));
      }
    }
  }

  /** A running verify is stopped with the run; returns what to call once it ended. */
  private whileVerifying(stop: (graceMs: number) => Promise<void>): () => void {
    this.verifying.add(stop);
    return () => this.verifying.delete(stop);
  }

  /** Settling itself broke (git refused, a file vanished): the task fails with the reason instead of hanging. */
  private async settleFailed(taskId: string, agent: LiveAgent, error: unknown): Promise<void> {
    const reason = `xplan could not check the agent's work: ${error instanceof Error ? error.message : String(error)}`;
    await this.settleCommit(taskId, agent, (r) => settleTask(r, this.plan, taskId, { kind: 'failed', failure: 'crash', reason, now: this.at() })).catch(() => {});
  }

  private async fail(taskId: string, agent: LiveAgent, ended: (r: RunState) => RunState, failure: { failure: Failure; reason: string }): Promise<void> {
    // What the agent did commit and what it left behind is reported, and stays in its worktree.
    const { worktree, base } = agent.attempt;
    const commits = await this.ports.vcs.commitsSince(worktree, base).catch(() => undefined);
    const uncommitted = await this.ports.vcs.uncommittedFiles(worktree).catch(() => undefined);
    const verdict: TaskVerdict = { kind: 'failed', failure: failure.failure, reason: failure.reason, commits, uncommitted, now: this.at() };
    return this.settleCommit(taskId, agent, (r) => settleTask(ended(r), this.plan, taskId, verdict));
  }

  // ── The merge queue: completed tasks into the integration branch, one at a time ──

  /**
   * A merge cut short by a crash is undone: the integration worktree goes back to the head recorded before it, and
   * the task takes its turn in the queue again. Nothing is merged twice, and no half-merge stays.
   */
  private async undoInterruptedMerge(): Promise<void> {
    const integration = this.run.integration;
    if (!integration) return;
    const merging = Object.entries(this.run.tasks).find(([, t]) => t.merge?.state === 'merging');
    await this.ports.vcs.resetHard(integration.worktree, merging?.[1].merge?.before ?? integration.head);
    if (merging) await this.commit((r) => undoMerge(r, merging[0], 'the merge was cut short; it runs again'));
  }

  /** Starts the next merge in the queue in the background, when none is under way. */
  private mergeNext(): void {
    if (this.merging !== undefined || !isActiveRun(this.run) || this.stoppingNow) return;
    const taskId = nextToMerge(this.run, this.plan);
    if (!taskId) return;
    this.merging = taskId;
    const merged: Promise<void> = this.merge(taskId)
      .catch((error: unknown) => this.mergeFailed(taskId, error))
      .then(() => this.releaseFiles(taskId))
      .finally(() => {
        this.merging = undefined;
        this.settling.delete(merged);
        // The next merge starts now, not when the loop comes round (it may be busy starting a round of agents); the
        // loop wakes to dispatch what this merge released.
        this.mergeNext();
        this.wake();
      });
    this.settling.add(merged);
  }

  private async merge(taskId: string): Promise<void> {
    const integration = this.run.integration!;
    const task = this.tasksById.get(taskId)!;
    const attempt = lastAttempt(this.run.tasks[taskId])!;
    await this.commit((r) => beginMerge(r, taskId, this.at()));
    const merged = Object.entries(this.run.tasks)
      .filter(([, t]) => t.merge?.state === 'merged')
      .flatMap(([id, t]) => {
        const last = lastAttempt(t);
        return last ? [{ taskId: id, branch: last.branch, base: last.base }] : [];
      });
    const outcome = await mergeTask(
      this.ports,
      { root: this.deps.root, integration, taskId, title: task.title, branch: attempt.branch, merged, verifyTimeoutMinutes: this.config.run.verifyTimeoutMinutes },
      (stop) => this.whileVerifying(stop),
    );
    const at = this.at();
    switch (outcome.kind) {
      case 'merged':
        return this.commit((r) => landMerge(r, this.plan, taskId, { commit: outcome.commit, diffStat: outcome.diffStat, at }));
      case 'verify-failed': {
        // Stopped with the run (SIGTERM, a second Ctrl-C), not failed: the merge was undone; it runs again on resume.
        if (this.stoppingNow) return this.commit((r) => undoMerge(r, taskId, 'the run was stopped during its verify; it runs again'));
        const log = await this.dirs.writeIntegrationLog(attempt.agent, outcome.output);
        return this.commit((r) => failIntegration(r, taskId, outcome.reason, at, relative(this.deps.root, log)));
      }
      case 'git-failed': {
        // Nothing of the task's content is at fault: put the worktree back, try again, and fail only if git keeps refusing.
        const integrationNow = this.run.integration;
        if (integrationNow) await this.ports.vcs.resetHard(integrationNow.worktree, integrationNow.head).catch(() => {});
        const failures = (this.gitMergeFailures.get(taskId) ?? 0) + 1;
        this.gitMergeFailures.set(taskId, failures);
        if (failures < GIT_MERGE_ATTEMPTS) return this.commit((r) => undoMerge(r, taskId, `git could not merge it (${outcome.message}); trying again`));
        const reason = `git could not merge the task's branch into the integration branch: ${outcome.message}`;
        return this.commit((r) => failMerge(r, taskId, reason, at));
      }
      case 'conflict': {
        await this.deps.archive.recordConflict({ run: this.run.id, tasks: [taskId, ...outcome.with], files: outcome.files, at });
        await this.commit((r) => conflictMerge(r, taskId, { files: outcome.files, with: outcome.with, at }));
        return this.pauseOnTooManyConflicts();
      }
    }
  }

  /** Past run.maxConflicts, parallel tasks keep clashing: dispatching pauses, and the hot files are named. */
  private async pauseOnTooManyConflicts(): Promise<void> {
    const limit = this.config.run.maxConflicts;
    if (conflictCount(this.run) < limit || this.run.status !== 'running') return;
    const files = [...new Set(Object.values(this.run.tasks).flatMap((t) => t.conflict?.files ?? []))];
    const reason = `${conflictCount(this.run)} merge conflicts in this run (run.maxConflicts: ${limit}), in ${files.join(', ')}: re-plan so that tasks touching these files do not run in parallel (\`xplan cancel\`, then \`xplan plan\`, which reads the conflict history), or go on with \`xplan resume\``;
    await this.commit((r) => (r.status === 'running' ? pauseForConflicts(r, { reason, files }) : unchanged(r)));
  }

  /** The merge itself broke (git refused): the task fails with the reason, and the integration head is restored. */
  private async mergeFailed(taskId: string, error: unknown): Promise<void> {
    const reason = `xplan could not merge the task's branch: ${error instanceof Error ? error.message : String(error)}`;
    const integration = this.run.integration;
    if (integration) await this.ports.vcs.resetHard(integration.worktree, integration.head).catch(() => {});
    await this.commit((r) => failIntegration(r, taskId, reason, this.at())).catch(() => {});
  }

  // ── File reservations ──

  /**
   * A task's files are released once its work is in the integration branch (or will not be): a task that waited
   * for them then starts from a head that has it, instead of clashing with it at merge time.
   */
  private async releaseFiles(taskId: string): Promise<void> {
    const entry = this.run.tasks[taskId];
    if (!this.ports.coordination || (entry && (BUSY.has(entry.state) || awaitsMerge(this.run, entry)))) return;
    await this.ports.coordination.release(taskId);
  }

  /** Which running task holds a file this ready task would reserve, if any. */
  private heldBy(taskId: string): { taskId: string; file: string } | undefined {
    const coordination = this.ports.coordination;
    const patterns = this.deps.predicted.get(taskId);
    if (!coordination || !patterns || patterns.length === 0) return undefined;
    return waitingOn(coordination.table, taskId, patterns);
  }

  /** Ready tasks held by another task's files say so (status shows it); the reason goes once it no longer holds. */
  private async noteWaitingForFiles(): Promise<void> {
    for (const [taskId, entry] of Object.entries(this.run.tasks)) {
      if (entry.state !== 'ready') continue;
      const holder = this.heldBy(taskId);
      const reason = holder ? `waits for ${holder.taskId}, which holds ${holder.file}` : undefined;
      const shown = entry.reason?.startsWith('waits for ') ? entry.reason : undefined;
      if (reason !== shown) await this.commit((r) => noteWaiting(r, taskId, holder));
    }
  }

  /** On resume nothing held before is trusted: reservations are rebuilt from the tasks that run now. */
  private async recoverReservations(): Promise<void> {
    const coordination = this.ports.coordination;
    if (!coordination) return;
    const running = Object.entries(this.run.tasks).flatMap(([taskId, entry]) => {
      const attempt = lastAttempt(entry);
      return BUSY.has(entry.state) && attempt ? [{ task: this.launcher.coordinated(taskId), attempt: { agent: attempt.agent, worktree: attempt.worktree } }] : [];
    });
    const ended = Object.values(this.run.tasks).flatMap((entry) => (BUSY.has(entry.state) ? [] : entry.attempts.map((a) => a.agent)));
    await coordination.recover(running, ended);
    await this.commit(unchanged);
  }

  /** The tracker of the coordination (agent mail) hears how each task went. */
  private notifyCoordination(event: RunEvent): void {
    const coordination = this.ports.coordination;
    const notice = noticeFor(event);
    if (coordination && event.taskId && notice) void coordination.notify(event.taskId, notice);
  }
}
