/**
 * Launching agents: a new attempt gets its agent number, its reservations, its branch and worktree, its prompt and
 * its launch spec, and is recorded before its agent starts; an interrupted attempt continues in place, in its own
 * session when it began one.
 */
import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import { attemptContext, renderAgentPrompt, resumePrompt, type DependencyStatus } from '../core/run/agent-prompt.js';
import type { Task } from '../core/plan/plan.js';
import { reservationBrief } from '../core/run/reservations.js';
import { reviewRetryContext } from '../core/run/review.js';
import { dispatchTask, DONE_STATES, lastAttempt, lastReview, resumeTask, settleTask, stateLabel, useAgentNumber, type Attempt } from '../core/run/run.js';
import type { AgentProcesses } from './agent-processes.js';
import type { RunContext } from './context.js';
import { placeAttempt } from './placement.js';
import type { CoordinatedTask } from './ports.js';

export interface LaunchSettings {
  /** The repository root: worktrees are shown relative to it. */
  root: string;
  template: string;
  specs: Array<{ path: string; text: string }>;
  /** Each task's predicted files (its reservations); tasks without an entry reserve nothing. */
  predicted: Map<string, string[]>;
  /** The beads issue of each task, where the plan was exported. */
  beadsIds?: Record<string, string>;
}

export class Launcher {
  /** Agent numbers handed out in this process, so parallel dispatches never share one. */
  private reservedAgent = 0;
  private readonly tasksById: Map<string, Task>;

  constructor(
    private readonly ctx: RunContext,
    private readonly processes: AgentProcesses,
    private readonly settings: LaunchSettings,
  ) {
    this.tasksById = new Map(ctx.plan.tasks.map((t) => [t.id, t]));
  }

  /** The task as coordination sees it: its predicted files, and its beads issue. */
  coordinated(taskId: string): CoordinatedTask {
    const beadsId = this.settings.beadsIds?.[taskId];
    return { id: taskId, title: this.tasksById.get(taskId)?.title ?? taskId, patterns: this.settings.predicted.get(taskId) ?? [], ...(beadsId ? { beadsId } : {}) };
  }

  async dispatch(task: Task): Promise<void> {
    const { ctx, processes } = this;
    const { dirs, plan, ports } = ctx;
    const entry = ctx.run.tasks[task.id]!;
    const previous = lastAttempt(entry);
    if (entry.state === 'interrupted' && previous && dirs.exists(previous.worktree)) return this.continueInPlace(task, previous);
    const run = ctx.run;
    let agent = Math.max(run.nextAgent, this.reservedAgent);
    while (dirs.taken(agent)) agent++;
    // Taken before the first await, so parallel dispatches never share a number.
    this.reservedAgent = agent + 1;
    if (previous) await processes.stopStray(task.id, previous.agent, `${task.id} runs again as a new attempt`);
    const coordination = ports.coordination;
    // A task whose files another running task holds gets nothing made for it: it waits for the next round.
    if (coordination && !(await coordination.reserve(this.coordinated(task.id), { agent })).granted) return;
    await dirs.create(agent);

    const fresh = entry.retryRequest?.fresh === true;
    const placement = await placeAttempt(
      { vcs: ports.vcs, root: this.settings.root, run, plan, worktreeOf: (n) => dirs.worktree(n), exists: (p) => dirs.exists(p) },
      task,
      agent,
      fresh ? undefined : previous,
    ).catch((error: unknown) => ({ conflict: error instanceof Error ? error.message : String(error) }));
    if ('conflict' in placement) {
      await coordination?.release(task.id);
      const reason = placement.conflict;
      await ctx.commit((r) => settleTask(useAgentNumber(r, agent), plan, task.id, { kind: 'blocked', failure: 'conflict', reason, now: ctx.at() }));
      return;
    }

    const sessionId = randomUUID();
    const conflict = entry.conflict;
    // A review that found the last attempt short (the automatic retry, or `xplan retry` after failed: review) is
    // the new agent's context, with whatever the lead added.
    const review = lastReview(entry);
    const reviewed = review !== undefined && review.outcome !== 'accepted' && review.attempt === entry.attempts.length;
    const extra = [...(reviewed ? [reviewRetryContext(review)] : []), ...(entry.retryRequest?.context ? [entry.retryRequest.context] : [])];
    const context = attemptContext({
      ...(conflict ? { conflict: { ...conflict, commits: conflict.with.flatMap((id) => ctx.run.tasks[id]?.commits ?? []) } } : {}),
      ...(previous && !fresh ? { previous: { agent: previous.agent, ended: entry.retryRequest?.after ?? entry.reason ?? previous.outcome ?? 'without finishing' } } : {}),
      ...(extra.length > 0 ? { extra: extra.join('\n\n') } : {}),
    });
    const prompt = renderAgentPrompt(this.settings.template, {
      task,
      specTitle: plan.spec.title,
      specs: this.settings.specs,
      dependencies: this.dependencyStatus(task),
      branch: placement.branch,
      worktree: placement.worktree,
      verify: run.verify,
      ...(context !== undefined ? { context } : {}),
      ...(coordination ? { reservations: reservationBrief(coordination.table, task.id) } : {}),
    });
    await coordination?.prepareWorktree(task.id, placement.worktree);
    await dirs.writePrompt(agent, prompt);
    await dirs.writeLaunch(agent, { cwd: placement.worktree, sessionId, resume: false, verify: run.verify });
    const attempt: Attempt = { agent, branch: placement.branch, worktree: placement.worktree, sessionId, base: placement.base, startedAt: ctx.at() };
    // Recorded before the agent starts, so a crash right after starting it cannot lose it.
    await ctx.commit((r) => dispatchTask(r, task.id, attempt, relative(this.settings.root, placement.worktree)));
    // Stopping now: the recorded attempt is started by `xplan resume`, like one a crash left unstarted.
    if (ctx.terminating) return;
    processes.start(task.id, attempt);
    void coordination?.notify(task.id, { kind: 'started' });
  }

  /** An interrupted agent continues its own session in its own worktree (`claude --resume`), or starts it afresh. */
  private async continueInPlace(task: Task, attempt: Attempt): Promise<void> {
    const { ctx } = this;
    const { dirs } = ctx;
    const resumes = (attempt.resumes ?? 0) + 1;
    // Never two agents in one session: whatever still runs of the last one is stopped before its records move.
    await this.processes.stopStray(task.id, attempt.agent, `${task.id} continues in place`);
    // The last process's records are kept beside the new ones.
    await dirs.archiveProcess(attempt.agent, resumes);
    const sessionStarted = await dirs.sessionStarted(attempt.agent);
    const sessionId = sessionStarted ? attempt.sessionId : randomUUID();
    await dirs.writeResumePrompt(attempt.agent, resumePrompt(task.id));
    await dirs.writeLaunch(attempt.agent, { cwd: attempt.worktree, sessionId, resume: sessionStarted, verify: ctx.run.verify });
    const resumed: Attempt = { ...attempt, sessionId, resumes, endedAt: undefined, outcome: undefined };
    await ctx.commit((r) => resumeTask(r, task.id, resumed, sessionStarted ? 'resumed' : 'new'));
    const coordination = ctx.ports.coordination;
    if (coordination) await coordination.reserve(this.coordinated(task.id), { agent: attempt.agent });
    if (ctx.terminating) return;
    this.processes.start(task.id, resumed);
  }

  private dependencyStatus(task: Task): DependencyStatus[] {
    const { run } = this.ctx;
    return task.dependsOn.map((dep) => {
      const entry = run.tasks[dep];
      const depTask = this.tasksById.get(dep) ?? { id: dep, title: dep };
      if (!entry) return { task: depTask, state: 'done before this run' };
      return { task: depTask, state: DONE_STATES.has(entry.state) ? stateLabel(entry) : entry.state, branch: lastAttempt(entry)?.branch, commits: entry.commits };
    });
  }
}
