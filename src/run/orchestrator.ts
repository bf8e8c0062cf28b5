/**
 * The loop behind `xplan run` and `xplan resume`: dispatches ready tasks to agents, N at a time, watches their
 * exit.json files, settles how each task ended, and follows changes other xplan commands make to the run.
 *
 * The orchestrator never holds an agent's output and owns nothing an agent needs: each agent runs detached, so
 * killing the orchestrator at any moment loses nothing, and a new one adopts the agents still alive. Everything it
 * touches outside its own files goes through the ports; every change of the run is a named function of core/run.ts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { classifyAgentExit, type AgentExit } from '../core/agent-result.js';
import { renderAgentPrompt, type DependencyStatus } from '../core/agent-prompt.js';
import type { Config } from '../core/config.js';
import type { Plan, Task } from '../core/plan.js';
import { pauseForConflicts, pauseRun, type ControlChange } from '../core/run-control.js';
import { appendConflict } from '../adapters/conflict-history.js';
import { saveRunSummary } from '../adapters/run-history.js';
import {
  awaitsMerge,
  beginMerge,
  BUSY,
  conflictCount,
  conflictMerge,
  dispatchTask,
  DONE_STATES,
  endAttempt,
  failIntegration,
  failMerge,
  finishRun,
  interruptTask,
  isActiveRun,
  isSettled,
  landMerge,
  lastAttempt,
  limitHasReset,
  limitReset,
  nextRetryAt,
  nextToMerge,
  noteWaiting,
  resumeTask,
  settleTask,
  stateLabel,
  strayAgentStopped,
  tasksToDispatch,
  unchanged,
  undoMerge,
  useAgentNumber,
  withReservations,
  type Attempt,
  type EventDraft,
  type Failure,
  type RunEvent,
  type RunState,
  type TaskVerdict,
  type Transition,
} from '../core/run.js';
import { claudeArgs } from '../adapters/claude-code.js';
import { readJsonIfPresent, writeJsonAtomic } from '../adapters/atomic-file.js';
import type { Project } from '../adapters/project.js';
import { AGENT_FILES, type RunFiles } from '../adapters/run-files.js';
import type { RunJournal } from '../adapters/run-journal.js';
import type { StateStore } from '../adapters/state-store.js';
import { reservationBrief, waitingOn } from '../core/reservations.js';
import { placeAttempt } from './placement.js';
import { noticeFor, type Coordination } from './coordination.js';
import type { RunPorts } from './ports.js';
import { mergeTask } from './merge-queue.js';
import { checkWork, settlementFor, type StopReason } from './settle.js';

export interface OrchestratorDeps {
  ports: RunPorts;
  project: Project;
  config: Config;
  plan: Plan;
  store: StateStore;
  journal: RunJournal;
  files: RunFiles;
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

const RESUME_PROMPT = 'resume.md';
/** Tries at a merge that git refuses for another reason than a conflict, before the task fails with git's message. */
const GIT_MERGE_ATTEMPTS = 2;

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
  stopping?: StopReason;
  /** Its task was taken out of its hands by another xplan (pause --now, skip, done): it is being stopped. */
  released?: boolean;
  /** Wakes the loop when exit.json appears; polling is the fallback. */
  watcher: FSWatcher | undefined;
}

export class Orchestrator {
  private run!: RunState;
  private readonly live = new Map<string, LiveAgent>();
  /** Agents that ended and whose outcome is being settled (commits, verify). */
  private readonly settling = new Set<Promise<void>>();
  /** Verify commands running, to stop with the run. */
  private readonly verifying = new Set<(graceMs: number) => Promise<void>>();
  /** git failures (not conflicts) of each task's merge in this process: retried, then failed. */
  private readonly gitMergeFailures = new Map<string, number>();
  private writes: Promise<unknown> = Promise.resolve();
  private readonly tasksById: Map<string, Task>;
  /** The state file as this process last wrote it; a different inode means another xplan wrote it since. */
  private stateInode = 0;
  private lastHealthCheck = 0;
  /** Ctrl-C count: the first pauses, the second stops the agents. */
  private interrupts = 0;
  /** SIGTERM: the run is paused with its agents stopped, and the loop lets go. */
  private terminating = false;
  private terminationApplied = false;
  /** Agent numbers handed out in this process, so parallel dispatches never share one. */
  private reservedAgent = 0;
  private wake: (() => void) | undefined;
  /** The merge the queue is working on, if any: one at a time. */
  private merging: string | undefined;
  private lastRenewal = 0;

  constructor(private readonly deps: OrchestratorDeps) {
    this.tasksById = new Map(deps.plan.tasks.map((t) => [t.id, t]));
  }

  get current(): RunState {
    return this.run;
  }

  private get ports(): RunPorts {
    return this.deps.ports;
  }

  private at(): string {
    return this.ports.clock.now().toISOString();
  }

  /** Writes a transition (a change and its events) through the journal, one write at a time. */
  private commit(step: (run: RunState) => Transition): Promise<void> {
    const coordination = this.ports.coordination;
    let events: EventDraft[] = [];
    const change = (r: RunState): RunState => {
      const next = step(r);
      events = next.events;
      return coordination ? withReservations(next.run, coordination.table) : next.run;
    };
    const write = this.writes.then(async () => {
      const result = await this.deps.journal.commit(change, () => events);
      await this.adopted(result.run, result.events);
    });
    this.writes = write.catch(() => {});
    return write;
  }

  private async adopted(run: RunState, events: RunEvent[]): Promise<void> {
    this.run = run;
    this.stateInode = (await stat(this.deps.store.path)).ino;
    for (const e of events) {
      this.deps.onEvent?.(e);
      this.ports.beads?.onEvent(e);
      this.notifyCoordination(e);
    }
  }

  async begin({ run, events }: Transition): Promise<void> {
    await mkdir(this.deps.files.runDir(run.id), { recursive: true });
    const result = await this.deps.journal.begin(run, events);
    await this.adopted(result.run, result.events);
  }

  /**
   * Takes over a run whose orchestrator is gone: agents still alive are watched again, agents that ended meanwhile
   * are settled, and agents that were recorded but never started are started.
   */
  async adopt(change: ControlChange): Promise<void> {
    await this.commit(() => change);
    await this.undoInterruptedMerge();
    await this.recoverReservations();
    for (const [taskId, entry] of Object.entries(this.run.tasks)) {
      const attempt = lastAttempt(entry);
      if (!attempt) continue;
      if (!BUSY.has(entry.state)) {
        // Its task no longer wants it (a pause --now, skip or done was killed before it stopped the agent).
        await this.stopStray(taskId, attempt.agent, `${taskId} is ${entry.state}`);
        continue;
      }
      const dir = this.deps.files.agentDir(this.run.id, attempt.agent);
      const pids = await this.ports.agents.pids(dir);
      if (existsSync(join(dir, AGENT_FILES.exit)) || (pids && this.ports.agents.alive(pids.supervisor))) {
        this.watch(taskId, attempt, dir, pids?.supervisor);
      } else if (!pids && existsSync(join(dir, AGENT_FILES.spec))) {
        // Recorded, then the orchestrator died before the agent started: start it now (unless stopping already).
        if (this.terminating) continue;
        this.watch(taskId, attempt, dir, this.ports.agents.spawn(dir, attempt.worktree, this.ports.coordination?.agentEnv(taskId)));
      } else {
        // A supervisor killed by SIGKILL can leave its Claude Code running, writing to no one: it is stopped before
        // the task continues in place, so one session never has two agents.
        const orphaned = pids !== undefined && this.ports.agents.groupAlive(pids.supervisor);
        if (orphaned) await this.ports.agents.stop(pids.supervisor, this.graceMs);
        const reason = orphaned
          ? `the agent's supervisor (pid ${pids.supervisor}) was killed while no xplan was watching; its Claude Code was still running and was stopped`
          : 'the agent ended while no xplan was watching it';
        await this.commit((r) => interruptTask(r, taskId, reason));
      }
    }
  }

  private get graceMs(): number {
    return this.deps.config.run.stopGraceSeconds * 1000;
  }

  /**
   * Stops whatever still runs of an agent whose task no longer has it: a control command was killed between its
   * state write and its stop, or a supervisor was killed and left Claude Code running. Called before a task gets a
   * new agent, so a worktree, a task and a session only ever have one. Returns whether anything was running.
   */
  private async stopStray(taskId: string, agent: number, why: string): Promise<boolean> {
    if ([...this.live.values()].some((a) => a.attempt.agent === agent)) return false;
    const pids = await this.ports.agents.pids(this.deps.files.agentDir(this.run.id, agent));
    if (!pids || !this.ports.agents.groupAlive(pids.supervisor)) return false;
    await this.ports.agents.stop(pids.supervisor, this.graceMs);
    const reason = `it was still running though ${why}`;
    await this.commit((r) => strayAgentStopped(r, { taskId, agent, pid: pids.supervisor, reason }));
    return true;
  }

  private watch(taskId: string, attempt: Attempt, dir: string, pid: number | undefined): void {
    const now = this.ports.clock.now().getTime();
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
    void this.commit((r) => (r.status === 'running' || r.status === 'waiting' || now ? pauseRun(r, { now, by: now ? 'a second Ctrl-C' : 'Ctrl-C' }) : unchanged(r)))
      .then(() => (now ? this.stopAll() : undefined))
      .catch(() => {}); // the run had already ended: nothing to pause
  }

  /**
   * SIGTERM (a CI job cancelled, `timeout`): what `pause --now` does, from inside. The loop applies it (pause, stop
   * agents and verify commands), starts nothing new, merges nothing more, and ends once everything it ran is gone.
   */
  terminate(): void {
    this.terminating = true;
    this.wake?.();
  }

  get wasTerminated(): boolean {
    return this.terminating;
  }

  /** SIGTERM or a second Ctrl-C: everything stops now, merges included (a merge under way is undone and queued). */
  private get stoppingNow(): boolean {
    return this.terminating || this.interrupts > 1;
  }

  private async applyTermination(): Promise<void> {
    if (!this.terminating || this.terminationApplied) return;
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
    const grace = this.graceMs;
    for (const stop of this.verifying) await stop(grace);
    await Promise.all([...this.live.values()].map((agent) => (agent.pid ? this.ports.agents.stop(agent.pid, grace) : undefined)));
  }

  /** Runs until every task is settled, the run stops, or it is paused and its agents are done. */
  async drive(): Promise<RunState> {
    for (;;) {
      await this.applyTermination();
      await this.followOthers();
      await this.reap();
      await this.checkHealth();
      this.mergeNext();
      if (limitHasReset(this.run, this.ports.clock.now())) {
        await this.commit(limitReset);
      }
      if (!this.run.stop && !this.terminating) {
        // A round's agents start together: worktrees and supervisors in parallel, state writes in turn.
        const held = (id: string) => this.heldBy(id) !== undefined;
        await Promise.all(
          tasksToDispatch(this.run, this.deps.plan, this.ports.clock.now(), held)
            .filter((t) => !this.live.has(t.id))
            .map((t) => this.dispatch(t)),
        );
        await this.noteWaitingForFiles();
      }
      // Completed work is merged before the loop lets go, even of a paused run.
      const mergesLeft = !this.stoppingNow && isActiveRun(this.run) && this.run.stop === undefined && nextToMerge(this.run, this.deps.plan) !== undefined;
      const idle = this.live.size === 0 && this.settling.size === 0 && !mergesLeft;
      if (idle && (this.run.status === 'paused' || this.run.status === 'cancelled' || this.run.stop || isSettled(this.run))) break;
      await this.sleep();
    }
    await this.writes;
    if (this.run.status === 'paused' || this.run.status === 'cancelled') return this.run;
    await this.commit((r) => finishRun(r, this.at()));
    await saveRunSummary(this.deps.project.xplanDir, this.run, this.deps.plan);
    return this.run;
  }

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
    const taskId = nextToMerge(this.run, this.deps.plan);
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
        this.wake?.();
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
      { root: this.deps.project.root, integration, taskId, title: task.title, branch: attempt.branch, merged, verifyTimeoutMinutes: this.deps.config.run.verifyTimeoutMinutes },
      (stop) => {
        this.verifying.add(stop);
        return () => this.verifying.delete(stop);
      },
    );
    const at = this.at();
    switch (outcome.kind) {
      case 'merged':
        return this.commit((r) => landMerge(r, this.deps.plan, taskId, { commit: outcome.commit, diffStat: outcome.diffStat, at }));
      case 'verify-failed': {
        // Stopped with the run (SIGTERM, a second Ctrl-C), not failed: the merge was undone; it runs again on resume.
        if (this.stoppingNow) return this.commit((r) => undoMerge(r, taskId, 'the run was stopped during its verify; it runs again'));
        const log = join(this.deps.files.agentDir(this.run.id, attempt.agent), 'integration-verify.log');
        await writeFile(log, outcome.output);
        return this.commit((r) => failIntegration(r, taskId, outcome.reason, at, relative(this.deps.project.root, log)));
      }
      case 'git-failed': {
        // Nothing of the task's content is at fault: put the worktree back, try again, and fail only if git keeps refusing.
        const integrationNow = this.run.integration;
        if (integrationNow) await this.ports.vcs.resetHard(integrationNow.worktree, integrationNow.head).catch(() => {});
        const failures = (this.gitMergeFailures.get(taskId) ?? 0) + 1;
        this.gitMergeFailures.set(taskId, failures);
        if (failures < GIT_MERGE_ATTEMPTS) {
          return this.commit((r) => undoMerge(r, taskId, `git could not merge it (${outcome.message}); trying again`));
        }
        const reason = `git could not merge the task's branch into the integration branch: ${outcome.message}`;
        return this.commit((r) => failMerge(r, taskId, reason, at));
      }
      case 'conflict': {
        await appendConflict(this.deps.project.xplanDir, { run: this.run.id, tasks: [taskId, ...outcome.with], files: outcome.files, at });
        await this.commit((r) => conflictMerge(r, taskId, { files: outcome.files, with: outcome.with, at }));
        return this.pauseOnTooManyConflicts();
      }
    }
  }

  /** Past run.maxConflicts, parallel tasks keep clashing: dispatching pauses, and the hot files are named. */
  private async pauseOnTooManyConflicts(): Promise<void> {
    const limit = this.deps.config.run.maxConflicts;
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

  /** Another xplan (pause, retry, skip, done) changed the state: take its version of the run. */
  private async followOthers(): Promise<void> {
    await this.writes;
    const { ino } = await stat(this.deps.store.path);
    if (ino === this.stateInode) return;
    const state = await this.deps.store.read();
    if (!state?.run) return;
    this.run = state.run;
    this.stateInode = ino;
    // An agent whose task was taken from it (pause --now, skip, done) is stopped here too, so the change holds even
    // when the command that made it was killed before it stopped the agent.
    for (const [taskId, agent] of this.live) {
      const entry = this.run.tasks[taskId];
      if (agent.released || agent.pid === undefined || (entry && BUSY.has(entry.state) && lastAttempt(entry)?.agent === agent.attempt.agent)) continue;
      agent.released = true;
      void this.ports.agents.stop(agent.pid, this.graceMs);
    }
  }

  private async sleep(): Promise<void> {
    const now = this.ports.clock.now().getTime();
    const wakeups = [now + this.deps.pollMs, nextRetryAt(this.run), this.run.resumeAt ? Date.parse(this.run.resumeAt) : undefined];
    const until = Math.min(...wakeups.filter((t): t is number => t !== undefined));
    // An agent's exit.json and a settled agent wake the loop too, so dependents start at once.
    await Promise.race([
      this.ports.clock.sleep(Math.max(0, until - now)),
      new Promise<void>((resolve) => {
        this.wake = resolve;
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
        if (agent.pid === undefined || this.ports.agents.alive(agent.pid)) continue;
        // The supervisor is gone; it may have written exit.json just before it ended. If it did not, it was killed
        // (it ignores SIGTERM), and the Claude Code it started may still run: that is stopped first.
        exit = await readJsonIfPresent<AgentExit>(exitPath);
        if (!exit) {
          const agentStopped = this.ports.agents.groupAlive(agent.pid);
          if (agentStopped) await this.ports.agents.stop(agent.pid, this.graceMs);
          exit = (await readJsonIfPresent<AgentExit>(exitPath)) ?? {
            exitCode: null,
            signal: null,
            supervisorLost: { pid: agent.pid, agentStopped },
            startedAt: agent.attempt.startedAt,
            endedAt: this.at(),
            lines: 0,
          };
        }
      }
      this.live.delete(taskId);
      agent.watcher?.close();
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
  }

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
      return BUSY.has(entry.state) && attempt ? [{ task: this.coordinated(taskId), attempt: { agent: attempt.agent, worktree: attempt.worktree } }] : [];
    });
    const ended = Object.values(this.run.tasks).flatMap((entry) => (BUSY.has(entry.state) ? [] : entry.attempts.map((a) => a.agent)));
    await coordination.recover(running, ended);
    await this.commit(unchanged);
  }

  private coordinated(taskId: string): Parameters<Coordination['reserve']>[0] {
    const beadsId = this.deps.beadsIds?.[taskId];
    return { id: taskId, title: this.tasksById.get(taskId)?.title ?? taskId, patterns: this.deps.predicted.get(taskId) ?? [], ...(beadsId ? { beadsId } : {}) };
  }

  /** The tracker of the coordination (agent mail) hears how each task went. */
  private notifyCoordination(event: RunEvent): void {
    const coordination = this.ports.coordination;
    const notice = noticeFor(event);
    if (coordination && event.taskId && notice) void coordination.notify(event.taskId, notice);
  }

  /** Stops agents past their wall-clock limit or silent for too long, and renews their reservations. Checked once a second. */
  private async checkHealth(): Promise<void> {
    const now = this.ports.clock.now().getTime();
    if (now - this.lastHealthCheck < 1000) return;
    this.lastHealthCheck = now;
    if (this.ports.coordination && now - this.lastRenewal > 60_000) {
      this.lastRenewal = now;
      for (const taskId of this.live.keys()) await this.ports.coordination.renew(taskId);
    }
    const { timeoutMinutes, stallMinutes, stopGraceSeconds } = this.deps.config.run;
    for (const agent of this.live.values()) {
      if (agent.stopping || agent.pid === undefined) continue;
      const size = await stat(join(agent.dir, AGENT_FILES.transcript)).then(
        (s) => s.size,
        () => 0,
      );
      if (size !== agent.transcriptSize) {
        agent.transcriptSize = size;
        agent.lastOutputAt = now;
      }
      const effort = this.tasksById.get(agent.taskId)?.effort ?? 'M';
      if (now - agent.since > timeoutMinutes[effort] * 60_000) agent.stopping = 'timeout';
      else if (now - agent.lastOutputAt > stallMinutes * 60_000) agent.stopping = 'stalled';
      if (agent.stopping) void this.ports.agents.stop(agent.pid, stopGraceSeconds * 1000);
    }
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
    const { config, plan } = this.deps;
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
        const verifyLogPath = join(agent.dir, AGENT_FILES.verify);
        const check = await checkWork(
          this.ports,
          {
            taskId,
            agent: attempt.agent,
            branch: attempt.branch,
            worktree: attempt.worktree,
            base: attempt.base,
            root: this.deps.project.root,
            verify: this.run.verify,
            verifyTimeoutMinutes: config.run.verifyTimeoutMinutes,
            verifyLogPath,
            permissionDenials: settlement.permissionDenials,
            now: () => this.ports.clock.now(),
          },
          (stop) => {
            this.verifying.add(stop);
            return () => this.verifying.delete(stop);
          },
        );
        if (check.verifyLog !== undefined) await writeFile(verifyLogPath, check.verifyLog);
        return this.settleCommit(taskId, agent, (r) => settleTask(r, plan, taskId, check.verdict, check.detail));
      }
    }
  }

  /** Settling itself broke (git refused, a file vanished): the task fails with the reason instead of hanging. */
  private async settleFailed(taskId: string, agent: LiveAgent, error: unknown): Promise<void> {
    const reason = `xplan could not check the agent's work: ${error instanceof Error ? error.message : String(error)}`;
    await this.settleCommit(taskId, agent, (r) => settleTask(r, this.deps.plan, taskId, { kind: 'failed', failure: 'crash', reason, now: this.at() })).catch(() => {});
  }

  private async fail(taskId: string, agent: LiveAgent, ended: (r: RunState) => RunState, failure: { failure: Failure; reason: string }): Promise<void> {
    // What the agent did commit and what it left behind is reported, and stays in its worktree.
    const { worktree, base } = agent.attempt;
    const commits = await this.ports.vcs.commitsSince(worktree, base).catch(() => undefined);
    const uncommitted = await this.ports.vcs.uncommittedFiles(worktree).catch(() => undefined);
    const verdict: TaskVerdict = { kind: 'failed', failure: failure.failure, reason: failure.reason, commits, uncommitted, now: this.at() };
    return this.settleCommit(taskId, agent, (r) => settleTask(ended(r), this.deps.plan, taskId, verdict));
  }

  private async dispatch(task: Task): Promise<void> {
    const entry = this.run.tasks[task.id]!;
    const previous = lastAttempt(entry);
    if (entry.state === 'interrupted' && previous && existsSync(previous.worktree)) return this.continueInPlace(task, previous);
    const { files, project, plan } = this.deps;
    const run = this.run;
    let agent = Math.max(run.nextAgent, this.reservedAgent);
    while (existsSync(files.agentDir(run.id, agent)) || existsSync(files.worktree(run.id, agent))) agent++;
    // Taken before the first await, so parallel dispatches never share a number.
    this.reservedAgent = agent + 1;
    if (previous) await this.stopStray(task.id, previous.agent, `${task.id} runs again as a new attempt`);
    const coordination = this.ports.coordination;
    // A task whose files another running task holds gets nothing made for it: it waits for the next round.
    if (coordination && !(await coordination.reserve(this.coordinated(task.id), { agent })).granted) return;
    const dir = files.agentDir(run.id, agent);
    await mkdir(dir, { recursive: true });

    const fresh = entry.retryRequest?.fresh === true;
    const placement = await placeAttempt(
      { vcs: this.ports.vcs, root: project.root, run, plan, worktreeOf: (n) => files.worktree(run.id, n), exists: existsSync },
      task,
      agent,
      fresh ? undefined : previous,
    ).catch((error: unknown) => ({ conflict: error instanceof Error ? error.message : String(error) }));
    if ('conflict' in placement) {
      await coordination?.release(task.id);
      const reason = placement.conflict;
      await this.commit((r) => settleTask(useAgentNumber(r, agent), plan, task.id, { kind: 'blocked', failure: 'conflict', reason, now: this.at() }));
      return;
    }

    const sessionId = randomUUID();
    const conflict = entry.conflict;
    const context = [
      conflict ? this.conflictContext(conflict) : '',
      previous && !fresh
        ? `An earlier attempt at this task (agent-${previous.agent}) ended: ${entry.retryRequest?.after ?? entry.reason ?? previous.outcome ?? 'without finishing'}. Its commits are on your branch; continue from there.`
        : '',
      entry.retryRequest?.context ?? '',
    ].filter(Boolean);
    const prompt = renderAgentPrompt(this.deps.template, {
      task,
      specTitle: plan.spec.title,
      specs: this.deps.specs,
      dependencies: this.dependencyStatus(task),
      branch: placement.branch,
      worktree: placement.worktree,
      verify: run.verify,
      ...(context.length > 0 ? { context: context.join('\n\n') } : {}),
      ...(coordination ? { reservations: reservationBrief(coordination.table, task.id) } : {}),
    });
    await coordination?.prepareWorktree(task.id, placement.worktree);
    // The prompt is what the agent reads; with `secrets: warn` it may quote the spec's secrets, so only its owner reads it.
    await writeFile(join(dir, AGENT_FILES.prompt), prompt, { mode: 0o600 });
    await this.writeAgentSpec(dir, placement.worktree, sessionId, false);
    const attempt: Attempt = { agent, branch: placement.branch, worktree: placement.worktree, sessionId, base: placement.base, startedAt: this.at() };
    // Recorded before the agent starts, so a crash right after starting it cannot lose it.
    await this.commit((r) => dispatchTask(r, task.id, attempt, relative(project.root, placement.worktree)));
    // Stopping now: the recorded attempt is started by `xplan resume`, like one a crash left unstarted.
    if (this.terminating) return;
    this.watch(task.id, attempt, dir, this.ports.agents.spawn(dir, placement.worktree, coordination?.agentEnv(task.id)));
    void coordination?.notify(task.id, { kind: 'started' });
  }

  /** An interrupted agent continues its own session in its own worktree (`claude --resume`), or starts it afresh. */
  private async continueInPlace(task: Task, attempt: Attempt): Promise<void> {
    const dir = this.deps.files.agentDir(this.run.id, attempt.agent);
    const resumes = (attempt.resumes ?? 0) + 1;
    // Never two agents in one session: whatever still runs of the last one is stopped before its records move.
    await this.stopStray(task.id, attempt.agent, `${task.id} continues in place`);
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
    await this.commit((r) => resumeTask(r, task.id, resumed, sessionStarted ? 'resumed' : 'new'));
    const coordination = this.ports.coordination;
    if (coordination) await coordination.reserve(this.coordinated(task.id), { agent: attempt.agent });
    if (this.terminating) return;
    this.watch(task.id, resumed, dir, this.ports.agents.spawn(dir, attempt.worktree, coordination?.agentEnv(task.id)));
  }

  private async writeAgentSpec(dir: string, cwd: string, sessionId: string, resume: boolean): Promise<void> {
    await writeJsonAtomic(join(dir, AGENT_FILES.spec), {
      command: this.deps.config.claude.command,
      args: claudeArgs(this.deps.config.claude, { sessionId, verify: this.run.verify, resume }),
      cwd,
      stdin: resume ? RESUME_PROMPT : AGENT_FILES.prompt,
    });
  }

  /** What a task that conflicted is told when it runs again from the integration head. */
  private conflictContext(conflict: { files: string[]; with: string[] }): string {
    const commits = conflict.with.flatMap((id) => (this.run.tasks[id]?.commits ?? []).map((c) => `${c.sha.slice(0, 8)} ${c.subject}`));
    return [
      `Your task's last attempt could not be merged into the integration branch: it conflicted in ${conflict.files.join(', ')}${conflict.with.length > 0 ? ` with the merged work of ${conflict.with.join(', ')}` : ''}.`,
      'This attempt starts from the integration head, which holds that work. Build on it; do not undo it.',
      ...(commits.length > 0 ? ['Their commits:', ...commits.map((c) => `- ${c}`)] : []),
    ].join('\n');
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
