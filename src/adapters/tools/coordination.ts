/**
 * Coordination of parallel agents, for one run: before an attempt starts, its task reserves the files it is
 * predicted to touch; a task whose files a running task holds waits; reservations are renewed while the agent runs
 * and released when it ends. Two implementations:
 *   native      the reservation table (kept in the run state), the reservations file and a commit guard in each
 *               agent worktree;
 *   agent-mail  the same, plus the mcp_agent_mail server: an agent identity per attempt, reservations there with
 *               the beads id as reason, and a thread per task (start, blocked, completion). Any failure of the
 *               server is reported and the run goes on with the native reservations.
 * Nothing here throws into the run for a coordination failure; problems go to `report`.
 */
import { join } from 'node:path';
import type { CoordinatedAttempt, CoordinatedTask, Coordination, CoordinationNotice, ReserveOutcome } from '../../run/ports.js';
import { AgentMailClient, describeFailure, type AgentIdentity, type AgentMailFailure, type AgentMailResult } from './agent-mail.js';
import { installCommitGuard, RESERVATIONS_FILE, writeReservations } from './commit-guard.js';
import type { Config } from '../../core/config.js';
import { recomputeTable, release, reserve, waitingOn, type ReservationTable } from '../../core/run/reservations.js';

export interface CoordinationProblem {
  message: string;
  hint?: string;
  failure?: AgentMailFailure;
}

export interface CoordinationSetup {
  runId: string;
  /** The main repository root (never a worktree). */
  repoRoot: string;
  /** `.xplan/runs/<run>`: the reservations file goes there. */
  runDir: string;
  now: () => string;
  report: (problem: CoordinationProblem) => void;
  /** The model the agents run, for agent mail's directory. */
  model?: string;
}

export function createCoordination(config: Pick<Config, 'coordination' | 'agentMail'>, setup: CoordinationSetup, client?: AgentMailClient): Coordination {
  const native = new NativeCoordination(setup);
  if (config.coordination !== 'agent-mail') return native;
  // Short timeouts: a hanging server must not hold a dispatch for more than a few seconds (2 × 1.5 s, 250 ms apart).
  const mail = client ?? new AgentMailClient({ url: config.agentMail.url, ...(config.agentMail.token ? { token: config.agentMail.token } : {}), attempts: 2, timeoutMs: 1500 });
  return new AgentMailCoordination(setup, native, mail, { installGuard: config.agentMail.installGuard, ttlSeconds: config.agentMail.ttlSeconds });
}

export class NativeCoordination implements Coordination {
  readonly mode = 'native';
  private current: ReservationTable = [];
  private writes: Promise<void> = Promise.resolve();
  readonly reservationsFile: string;

  constructor(private readonly setup: CoordinationSetup) {
    this.reservationsFile = join(setup.runDir, RESERVATIONS_FILE);
  }

  get table(): ReservationTable {
    return this.current;
  }

  async reserve(task: CoordinatedTask, attempt: CoordinatedAttempt): Promise<ReserveOutcome> {
    // Checked and taken before any await, so parallel dispatches of one round see each other.
    const holder = waitingOn(this.current, task.id, task.patterns);
    if (holder) return { granted: false, waitFor: holder.taskId, file: holder.file };
    this.current = reserve(this.current, { taskId: task.id, agent: attempt.agent, since: this.setup.now() }, task.patterns);
    await this.persist();
    return { granted: true };
  }

  async prepareWorktree(taskId: string, worktree: string): Promise<void> {
    try {
      await installCommitGuard({ worktree, runId: this.setup.runId, taskId, reservationsFile: this.reservationsFile });
    } catch (error) {
      this.setup.report({
        message: `could not install the commit guard for ${taskId} in ${worktree}: ${errorText(error)}`,
        hint: 'Its reservations still hold for scheduling; only its commits go unchecked.',
      });
    }
  }

  async renew(): Promise<void> {}

  async release(taskId: string): Promise<void> {
    const next = release(this.current, taskId);
    if (next === this.current) return;
    this.current = next;
    await this.persist();
  }

  async notify(): Promise<void> {}

  async recover(running: ReadonlyArray<{ task: CoordinatedTask; attempt: CoordinatedAttempt & { worktree: string } }>): Promise<void> {
    this.current = recomputeTable(
      running.map(({ task, attempt }) => ({ taskId: task.id, agent: attempt.agent, patterns: task.patterns })),
      this.setup.now(),
    );
    await this.persist();
    for (const { task, attempt } of running) await this.prepareWorktree(task.id, attempt.worktree);
  }

  agentEnv(): Record<string, string> {
    return {};
  }

  /** The file the commit guards read, rewritten whole after every change, in order. */
  private persist(): Promise<void> {
    const write = this.writes.then(() => writeReservations(this.reservationsFile, this.setup.runId, this.current, this.setup.now()));
    this.writes = write.catch(() => {});
    return write.catch((error: unknown) => {
      this.setup.report({ message: `could not write ${this.reservationsFile}: ${errorText(error)}`, hint: 'Commit guards let every commit through until it is written again.' });
    });
  }
}

interface MailAgent {
  identity: AgentIdentity;
  task: CoordinatedTask;
  /** Whether the server holds reservations for it. */
  reserved: boolean;
  guarded: boolean;
}

/** After a connection-level failure, the server is left alone this long before xplan tries it again. */
const QUIET_MS = 60_000;

export class AgentMailCoordination implements Coordination {
  readonly mode = 'agent-mail';
  private projectKey: string | undefined;
  private lead: AgentIdentity | undefined;
  private readonly agents = new Map<string, MailAgent>();
  private quietUntil = 0;
  /** The fall-back to native reservations has been reported. */
  private fellBack = false;

  constructor(
    private readonly setup: CoordinationSetup,
    private readonly native: NativeCoordination,
    private readonly client: AgentMailClient,
    private readonly settings: { installGuard: boolean; ttlSeconds: number },
  ) {}

  get table(): ReservationTable {
    return this.native.table;
  }

  async reserve(task: CoordinatedTask, attempt: CoordinatedAttempt): Promise<ReserveOutcome> {
    const local = await this.native.reserve(task, attempt);
    if (!local.granted) return local;
    const agent = await this.register(task, attempt.agent);
    if (!agent) return local;
    if (task.patterns.length > 0) {
      const result = await this.client.reservePaths(this.projectKey!, agent.identity, [...task.patterns], { reason: threadOf(task), ttlSeconds: this.settings.ttlSeconds, exclusive: true });
      if (!this.check(result)) return local;
      agent.reserved = true;
      const conflict = result.value.conflicts[0];
      if (conflict) {
        // Granted and listed: a conflict is a loss. Give back what was granted, and wait.
        await this.releaseOnServer(agent);
        await this.native.release(task.id);
        const holderName = conflict.holders[0]?.agent ?? 'another agent';
        const holderTask = [...this.agents.values()].find((a) => a.identity.name === holderName)?.task.id;
        return holderTask ? { granted: false, waitFor: holderTask, file: conflict.path } : { granted: false, waitFor: holderName, file: conflict.path, outside: true };
      }
    }
    return local;
  }

  async prepareWorktree(taskId: string, worktree: string): Promise<void> {
    // The native guard first: the server's installer then finds the worktree's own hooks directory and chains to it.
    await this.native.prepareWorktree(taskId, worktree);
    const agent = this.agents.get(taskId);
    if (!agent || !this.settings.installGuard || agent.guarded || this.quiet()) return;
    agent.guarded = this.check(await this.client.installPrecommitGuard(this.projectKey!, worktree));
  }

  async renew(taskId: string): Promise<void> {
    const agent = this.agents.get(taskId);
    if (!agent?.reserved || this.quiet()) return;
    this.check(await this.client.renewReservations(this.projectKey!, agent.identity, this.settings.ttlSeconds));
  }

  async release(taskId: string): Promise<void> {
    const agent = this.agents.get(taskId);
    if (agent?.reserved) await this.releaseOnServer(agent);
    await this.native.release(taskId);
  }

  async notify(taskId: string, notice: CoordinationNotice): Promise<void> {
    const agent = this.agents.get(taskId);
    if (!agent || !this.lead || this.quiet()) return;
    const { task } = agent;
    const thread = threadOf(task);
    const subjectOf = (what: string) => `[${thread}] ${task.id} ${what}: ${task.title}`;
    const message =
      notice.kind === 'started'
        ? { from: this.lead, to: agent.identity, subject: subjectOf('started'), bodyMd: startBody(task, agent.identity.name), ackRequired: true }
        : notice.kind === 'blocked'
          ? { from: agent.identity, to: this.lead, subject: subjectOf('blocked'), bodyMd: `${task.id} is blocked.\n\n${notice.reason}`, importance: 'high' as const }
          : { from: agent.identity, to: this.lead, subject: subjectOf('completed'), bodyMd: `${task.id} is complete.\n\n${notice.summary}` };
    this.check(
      await this.client.sendMessage(this.projectKey!, message.from, {
        to: [message.to.name],
        subject: message.subject,
        bodyMd: message.bodyMd,
        threadId: thread,
        ...('importance' in message ? { importance: message.importance } : {}),
        ...('ackRequired' in message ? { ackRequired: message.ackRequired } : {}),
      }),
    );
  }

  async recover(running: ReadonlyArray<{ task: CoordinatedTask; attempt: CoordinatedAttempt & { worktree: string } }>, endedAgents: readonly number[] = []): Promise<void> {
    await this.native.recover(running);
    const kept = new Set(this.native.table.map((r) => r.taskId));
    // The server may still hold leases from before the crash: give them all back, then take again what is kept.
    for (const number of endedAgents) {
      const identity = await this.registerIdentity(number, 'ended attempt');
      if (identity) this.check(await this.client.releaseReservations(this.projectKey!, identity));
    }
    for (const { task, attempt } of running) {
      const agent = await this.register(task, attempt.agent);
      if (!agent) continue;
      await this.releaseOnServer(agent);
      if (kept.has(task.id) && task.patterns.length > 0) {
        const result = await this.client.reservePaths(this.projectKey!, agent.identity, [...task.patterns], { reason: threadOf(task), ttlSeconds: this.settings.ttlSeconds, exclusive: true });
        if (this.check(result)) agent.reserved = true;
      }
      // A resumed agent is started again with agentEnv: the server's guard must be known to be there.
      await this.prepareWorktree(task.id, attempt.worktree);
    }
  }

  agentEnv(taskId: string): Record<string, string> {
    const agent = this.agents.get(taskId);
    if (!agent) return {};
    // The server's guard knows the committer by AGENT_NAME and runs only where WORKTREES_ENABLED is set.
    return { AGENT_NAME: agent.identity.name, ...(agent.guarded ? { WORKTREES_ENABLED: '1' } : {}) };
  }

  /** The project, xplan's own identity, and an identity for the attempt, each with an open contact policy. */
  private async register(task: CoordinatedTask, agentNumber: number): Promise<MailAgent | undefined> {
    const identity = await this.registerIdentity(agentNumber, `${task.id} ${task.title}`);
    if (!identity) return undefined;
    const agent: MailAgent = { identity, task, reserved: false, guarded: false };
    this.agents.set(task.id, agent);
    return agent;
  }

  private async registerIdentity(agentNumber: number, description: string): Promise<AgentIdentity | undefined> {
    if (this.quiet() || !(await this.session())) return undefined;
    return this.identity(agentNumber, description);
  }

  private async session(): Promise<boolean> {
    if (this.projectKey && this.lead) return true;
    const project = await this.client.ensureProject(this.setup.repoRoot);
    if (!this.check(project)) return false;
    this.projectKey = project.value.human_key ?? this.setup.repoRoot;
    this.lead = await this.identity(0, `xplan run ${this.setup.runId}`);
    return this.lead !== undefined;
  }

  private async identity(agentNumber: number, description: string): Promise<AgentIdentity | undefined> {
    const wanted = `xp-${this.setup.runId}-${agentNumber}`;
    const registered = await this.client.registerAgent({ projectKey: this.projectKey!, name: wanted, program: 'xplan', model: this.setup.model ?? 'claude', taskDescription: description });
    if (!this.check(registered)) return undefined;
    // The server may give another name than the one asked for; from here on, only its answer counts.
    if (registered.value.name !== wanted) this.setup.report({ message: `agent mail registered ${wanted} as ${registered.value.name}` });
    if (!this.check(await this.client.setContactPolicy(this.projectKey!, registered.value, 'open'))) return undefined;
    return registered.value;
  }

  private async releaseOnServer(agent: MailAgent): Promise<void> {
    if (this.quiet()) return;
    if (this.check(await this.client.releaseReservations(this.projectKey!, agent.identity))) agent.reserved = false;
  }

  private quiet(): boolean {
    return Date.now() < this.quietUntil;
  }

  /** True for a success; a failure is reported, and one that says the server is out of reach quiets it a while. */
  private check<T>(result: AgentMailResult<T>): result is { ok: true; value: T } {
    if (result.ok) return true;
    const { message, hint } = describeFailure(result.failure);
    const outOfReach = ['unreachable', 'unauthorized', 'forbidden'].includes(result.failure.kind);
    if (!outOfReach) this.setup.report({ message, hint, failure: result.failure });
    else if (!this.fellBack) {
      // Said once: from here the run keeps to the native reservations whenever the server is out of reach.
      this.fellBack = true;
      this.setup.report({ message, hint: `${hint} Meanwhile the run goes on with native reservations.`, failure: result.failure });
    }
    if (outOfReach) this.quietUntil = Date.now() + QUIET_MS;
    return false;
  }
}

function threadOf(task: CoordinatedTask): string {
  return task.beadsId ?? task.id;
}

function startBody(task: CoordinatedTask, agentName: string): string {
  const files = task.patterns.length > 0 ? task.patterns.map((p) => `- \`${p}\``).join('\n') : '- none predicted';
  return [`${agentName} works on ${task.id}: ${task.title}.`, '', 'Reserved files:', files, '', 'Please acknowledge.'].join('\n');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
