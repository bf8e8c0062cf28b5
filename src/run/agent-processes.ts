/**
 * The agents a run is waiting for: each runs detached (src/adapters/process/agent-process.ts), so this module only watches
 * them. It finds the ones that ended (reap), stops the ones past their time or silent too long (health), stops an
 * agent its task no longer wants (stray), and takes the agents of a crashed engine over (adopt).
 */
import type { AgentExit } from '../core/run/agent-result.js';
import { BUSY, interruptTask, lastAttempt, strayAgentStopped, type Attempt, type TaskRun } from '../core/run/run.js';
import { graceMs, type RunContext } from './context.js';
import type { StopReason } from './settle.js';

/** A dispatched agent the engine is waiting for. */
export interface LiveAgent {
  taskId: string;
  attempt: Attempt;
  pid: number | undefined;
  /** When this engine started watching it, for the timeout. */
  since: number;
  transcriptSize: number;
  lastOutputAt: number;
  /** Why the engine is stopping it, if it is. */
  stopping?: StopReason;
  /** Its task was taken out of its hands by another xplan (pause --now, skip, done): it is being stopped. */
  released?: boolean;
  /** Wakes the loop when exit.json appears; polling is the fallback. */
  watcher: { close(): void } | undefined;
}

/** An agent that ended, with how it ended. */
export interface EndedAgent {
  taskId: string;
  agent: LiveAgent;
  exit: AgentExit;
}

const HEALTH_CHECK_MS = 1000;
const RENEWAL_MS = 60_000;

export class AgentProcesses {
  private readonly live = new Map<string, LiveAgent>();
  private lastHealthCheck = 0;
  private lastRenewal = 0;

  constructor(private readonly ctx: RunContext) {}

  get size(): number {
    return this.live.size;
  }

  has(taskId: string): boolean {
    return this.live.has(taskId);
  }

  /** Starts the agent recorded for `attempt` (its directory holds what it needs) and watches it. */
  start(taskId: string, attempt: Attempt): void {
    const { ports, dirs } = this.ctx;
    this.watch(taskId, attempt, ports.agents.spawn(dirs.path(attempt.agent), attempt.worktree, ports.coordination?.agentEnv(taskId)));
  }

  private watch(taskId: string, attempt: Attempt, pid: number | undefined): void {
    const now = this.ctx.ports.clock.now().getTime();
    const watcher = this.ctx.dirs.watch(attempt.agent, () => this.ctx.wake());
    this.live.set(taskId, { taskId, attempt, pid, since: now, transcriptSize: 0, lastOutputAt: now, watcher });
  }

  /**
   * A task's agent as a crashed engine left it: watched again while alive or once ended, started if it was
   * recorded but never started, and stopped if its task no longer wants it. A task whose agent ended unseen is
   * interrupted, to continue in place.
   */
  async adopt(taskId: string, entry: TaskRun): Promise<void> {
    const attempt = lastAttempt(entry);
    if (!attempt) return;
    const { ports, dirs } = this.ctx;
    if (!BUSY.has(entry.state)) {
      // Its task no longer wants it (a pause --now, skip or done was killed before it stopped the agent).
      await this.stopStray(taskId, attempt.agent, `${taskId} is ${entry.state}`);
      return;
    }
    const pids = await ports.agents.pids(dirs.path(attempt.agent));
    if (dirs.hasExit(attempt.agent) || (pids && ports.agents.alive(pids.supervisor))) {
      this.watch(taskId, attempt, pids?.supervisor);
    } else if (!pids && dirs.launched(attempt.agent)) {
      // Recorded, then the engine died before the agent started: start it now (unless stopping already).
      if (!this.ctx.terminating) this.start(taskId, attempt);
    } else {
      // A supervisor killed by SIGKILL can leave its Claude Code running, writing to no one: it is stopped before
      // the task continues in place, so one session never has two agents.
      const orphaned = pids !== undefined && ports.agents.groupAlive(pids.supervisor);
      if (orphaned) await ports.agents.stop(pids.supervisor, graceMs(this.ctx.config));
      const reason = orphaned
        ? `the agent's supervisor (pid ${pids.supervisor}) was killed while no xplan was watching; its Claude Code was still running and was stopped`
        : 'the agent ended while no xplan was watching it';
      await this.ctx.commit((r) => interruptTask(r, taskId, reason));
    }
  }

  /**
   * Stops whatever still runs of an agent whose task no longer has it: a control command was killed between its
   * state write and its stop, or a supervisor was killed and left Claude Code running. Called before a task gets a
   * new agent, so a worktree, a task and a session only ever have one. Returns whether anything was running.
   */
  async stopStray(taskId: string, agent: number, why: string): Promise<boolean> {
    if ([...this.live.values()].some((a) => a.attempt.agent === agent)) return false;
    const { ports, dirs } = this.ctx;
    const pids = await ports.agents.pids(dirs.path(agent));
    if (!pids || !ports.agents.groupAlive(pids.supervisor)) return false;
    await ports.agents.stop(pids.supervisor, graceMs(this.ctx.config));
    const reason = `it was still running though ${why}`;
    await this.ctx.commit((r) => strayAgentStopped(r, { taskId, agent, pid: pids.supervisor, reason }));
    return true;
  }

  /** The agents that ended since the last look; they are no longer watched. */
  async reap(): Promise<EndedAgent[]> {
    const { ports, dirs } = this.ctx;
    const ended: EndedAgent[] = [];
    for (const [taskId, agent] of this.live) {
      const number = agent.attempt.agent;
      let exit = dirs.hasExit(number) ? await dirs.exit(number) : undefined;
      if (!exit) {
        if (agent.pid === undefined || ports.agents.alive(agent.pid)) continue;
        // The supervisor is gone; it may have written exit.json just before it ended. If it did not, it was killed
        // (it ignores SIGTERM), and the Claude Code it started may still run: that is stopped first.
        exit = await dirs.exit(number);
        if (!exit) {
          const agentStopped = ports.agents.groupAlive(agent.pid);
          if (agentStopped) await ports.agents.stop(agent.pid, graceMs(this.ctx.config));
          exit = (await dirs.exit(number)) ?? {
            exitCode: null,
            signal: null,
            supervisorLost: { pid: agent.pid, agentStopped },
            startedAt: agent.attempt.startedAt,
            endedAt: this.ctx.at(),
            lines: 0,
          };
        }
      }
      this.live.delete(taskId);
      agent.watcher?.close();
      ended.push({ taskId, agent, exit });
    }
    return ended;
  }

  /** Stops agents past their wall-clock limit or silent for too long, and renews their reservations. Checked once a second. */
  async checkHealth(): Promise<void> {
    const { ports, dirs, config, plan } = this.ctx;
    const now = ports.clock.now().getTime();
    if (now - this.lastHealthCheck < HEALTH_CHECK_MS) return;
    this.lastHealthCheck = now;
    if (ports.coordination && now - this.lastRenewal > RENEWAL_MS) {
      this.lastRenewal = now;
      for (const taskId of this.live.keys()) await ports.coordination.renew(taskId);
    }
    const { timeoutMinutes, stallMinutes } = config.run;
    for (const agent of this.live.values()) {
      if (agent.stopping || agent.pid === undefined) continue;
      const size = await dirs.transcriptSize(agent.attempt.agent);
      if (size !== agent.transcriptSize) {
        agent.transcriptSize = size;
        agent.lastOutputAt = now;
      }
      const effort = plan.tasks.find((t) => t.id === agent.taskId)?.effort ?? 'M';
      if (now - agent.since > timeoutMinutes[effort] * 60_000) agent.stopping = 'timeout';
      else if (now - agent.lastOutputAt > stallMinutes * 60_000) agent.stopping = 'stalled';
      if (agent.stopping) void ports.agents.stop(agent.pid, graceMs(config));
    }
  }

  /**
   * Another xplan took tasks out of their agents' hands (pause --now, skip, done): those agents are stopped here
   * too, so the change holds even when the command that made it was killed before it stopped the agent.
   */
  releaseTaken(): void {
    const { run, ports, config } = this.ctx;
    for (const [taskId, agent] of this.live) {
      const entry = run.tasks[taskId];
      if (agent.released || agent.pid === undefined || (entry && BUSY.has(entry.state) && lastAttempt(entry)?.agent === agent.attempt.agent)) continue;
      agent.released = true;
      void ports.agents.stop(agent.pid, graceMs(config));
    }
  }

  /** Stops every agent now (SIGTERM, a second Ctrl-C). */
  async stopAll(): Promise<void> {
    const grace = graceMs(this.ctx.config);
    await Promise.all([...this.live.values()].map((agent) => (agent.pid ? this.ctx.ports.agents.stop(agent.pid, grace) : undefined)));
  }

  /** The tasks whose agents run now. */
  taskIds(): string[] {
    return [...this.live.keys()];
  }
}
