/**
 * The loop behind `xplan run` and `xplan resume`: dispatches what the scheduler picks, N at a time, settles how each
 * agent ended, merges completed work in order, and follows changes other xplan commands make to the run.
 *
 * The orchestrator never holds an agent's output and owns nothing an agent needs: each agent runs detached, so
 * killing the orchestrator at any moment loses nothing, and a new one adopts the agents still alive. Everything it
 * touches outside goes through the ports (src/run/ports.ts, wired in src/run/setup.ts); every change of the run is a
 * transition of core/run/run.ts, with its events. The agents' processes are watched by agent-processes.ts and launched
 * by launch.ts; ended agents are settled by settling.ts and completed work merged by merging.ts.
 */
import type { Config } from '../core/config.js';
import type { Plan, Task } from '../core/plan/plan.js';
import { waitingOn } from '../core/run/reservations.js';
import { pauseRun, type ControlChange } from '../core/run/run-control.js';
import {
  awaitsMerge,
  BUSY,
  finishRun,
  isActiveRun,
  isSettled,
  lastAttempt,
  limitHasReset,
  limitReset,
  nextRetryAt,
  noteWaiting,
  unchanged,
  withReservations,
  type RunEvent,
  type RunState,
  type Transition,
} from '../core/run/run.js';
import { AgentProcesses } from './agent-processes.js';
import { graceMs, type RunContext } from './context.js';
import { noticeFor } from './coordination.js';
import { Launcher } from './launch.js';
import { MergeQueue } from './merging.js';
import type { AgentDirs, RunArchive, RunPorts, RunStore } from './ports.js';
import { planOrder } from './scheduler.js';
import { Reviews } from './reviewing.js';
import { Settler } from './settling.js';

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
  /** Once the run has ended (or was cancelled): every reservation released, the commit guards taken out. */
  endReservations?: (run: RunState) => Promise<void>;
}

export class Orchestrator implements RunContext {
  private latest!: RunState;
  private readonly processes: AgentProcesses;
  private readonly launcher: Launcher;
  private readonly settler: Settler;
  private readonly merges: MergeQueue;
  private readonly reviews: Reviews;
  /** Agents that ended and whose outcome is being settled (commits, verify), and the merge under way. */
  readonly background = new Set<Promise<void>>();
  /** Verify commands running, to stop with the run. */
  private readonly verifying = new Set<(graceMs: number) => Promise<void>>();
  private writes: Promise<unknown> = Promise.resolve();
  private readonly tasksById: Map<string, Task>;
  /** Ctrl-C count: the first pauses, the second stops the agents. */
  private interrupts = 0;
  /** SIGTERM: the run is paused with its agents stopped, and the loop lets go. */
  private terminated = false;
  private terminationApplied = false;
  private wakeLoop: (() => void) | undefined;

  constructor(private readonly deps: OrchestratorDeps) {
    this.tasksById = new Map(deps.plan.tasks.map((t) => [t.id, t]));
    this.processes = new AgentProcesses(this);
    this.merges = new MergeQueue(this, deps.archive, deps.root);
    this.reviews = new Reviews(this, () => this.merges.next());
    this.settler = new Settler(this, deps.root, () => {
      void this.reviews.next().catch(() => {});
      this.merges.next();
    });
    this.launcher = new Launcher(this, this.processes, {
      root: deps.root,
      template: deps.template,
      specs: deps.specs,
      predicted: deps.predicted,
      ...(deps.beadsIds ? { beadsIds: deps.beadsIds } : {}),
    });
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

  whileVerifying(stop: (graceMs: number) => Promise<void>): () => void {
    this.verifying.add(stop);
    return () => this.verifying.delete(stop);
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
  async adopt(resume: (run: RunState) => ControlChange): Promise<void> {
    // Applied to the state as it is at this write, not as it was read: a `pause --now` that landed in between keeps
    // its interrupted tasks (their agents are being stopped), instead of being written over.
    await this.commit((r) => resume(r));
    await this.merges.undoInterrupted();
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
  get stoppingNow(): boolean {
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
      this.settler.settleAll(await this.processes.reap());
      await this.processes.checkHealth();
      await this.reviews.next();
      this.merges.next();
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
      const idle = this.processes.size === 0 && this.background.size === 0 && !this.merges.pending;
      if (idle && (this.run.status === 'paused' || this.run.status === 'cancelled' || this.run.stop || isSettled(this.run))) break;
      await this.sleep();
    }
    await this.writes;
    if (this.run.status === 'paused') return this.run;
    await this.releaseAllFiles();
    if (this.run.status === 'cancelled') {
      await this.commit((r) => unchanged(r));
      await this.deps.endReservations?.(this.run);
      return this.run;
    }
    await this.commit((r) => finishRun(r, this.at()));
    await this.deps.endReservations?.(this.run);
    await this.deps.archive.saveSummary(this.run, this.plan);
    return this.run;
  }

  /** The run is over: no task holds a file any more (agent mail's server hears it too). */
  private async releaseAllFiles(): Promise<void> {
    const coordination = this.ports.coordination;
    if (!coordination) return;
    for (const taskId of Object.keys(this.run.tasks)) await coordination.release(taskId);
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
      ...this.background,
    ]);
    this.wakeLoop = undefined;
  }

  /** Another xplan (pause, retry, skip, done) changed the state: take its version of the run. */
  private async followOthers(): Promise<void> {
    await this.writes;
    const changed = await this.deps.store.changedSince();
    if (!changed) return;
    this.latest = changed;
    // What the other xplan did (a pause or cancel from another terminal) is said on this run's screen as well.
    for (const e of changed.outbox ?? []) this.deps.onEvent?.(e);
    this.processes.releaseTaken();
  }

  // ── File reservations ──

  /**
   * A task's files are released once its work is in the integration branch (or will not be; a task under review
   * still may be): a task that waited
   * for them then starts from a head that has it, instead of clashing with it at merge time.
   */
  async releaseFiles(taskId: string): Promise<void> {
    const entry = this.run.tasks[taskId];
    if (!this.ports.coordination || (entry && (BUSY.has(entry.state) || entry.state === 'reviewing' || awaitsMerge(this.run, entry)))) return;
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
