/**
 * Settling ended agents: each outcome is classified (settle.ts), a success is checked (commits, verify), and the
 * verdict is recorded, unless the task was meanwhile taken out of the agent's hands (paused now, skipped, done).
 */
import { classifyAgentExit, type AgentExit } from '../core/run/agent-result.js';
import { BUSY, endAttempt, lastAttempt, settleTask, unchanged, type Failure, type RunState, type TaskVerdict, type Transition } from '../core/run/run.js';
import type { EndedAgent, LiveAgent } from './agent-processes.js';
import type { RunContext } from './context.js';
import { checkWork, settlementFor } from './settle.js';

export class Settler {
  constructor(
    private readonly ctx: RunContext,
    /** The repository root: the verify log is named relative to it. */
    private readonly root: string,
    /** Called once each agent is settled (a completed task enters an idle merge queue at once). */
    private readonly onSettled: () => void,
  ) {}

  /** Settles each ended agent in the background. */
  settleAll(ended: EndedAgent[]): void {
    const { ctx } = this;
    for (const { taskId, agent, exit } of ended) {
      const settled: Promise<void> = this.settle(taskId, agent, exit)
        .catch((error: unknown) => this.settleFailed(taskId, agent, error))
        .then(() => ctx.releaseFiles(taskId))
        .finally(() => {
          ctx.background.delete(settled);
          this.onSettled();
        });
      ctx.background.add(settled);
    }
  }

  /** Applies an agent's outcome, unless its task is no longer this agent's: then nothing changes. */
  private settleCommit(taskId: string, agent: LiveAgent, step: (r: RunState) => Transition): Promise<void> {
    return this.ctx.commit((r) => {
      const entry = r.tasks[taskId];
      const applies = entry !== undefined && BUSY.has(entry.state) && lastAttempt(entry)?.agent === agent.attempt.agent;
      return applies ? step(r) : unchanged(r);
    });
  }

  private async settle(taskId: string, agent: LiveAgent, exit: AgentExit): Promise<void> {
    const { ctx } = this;
    const { config, plan, ports } = ctx;
    const outcome = classifyAgentExit(exit, config.claude.command, ports.clock.now());
    const outcomeName = agent.stopping ?? (outcome.kind === 'task-failure' ? outcome.failure : outcome.kind);
    const ended = (r: RunState) => endAttempt(r, taskId, { outcome: outcomeName, usage: outcome.usage, endedAt: exit.endedAt });
    const entry = ctx.run.tasks[taskId]!;
    if (!BUSY.has(entry.state)) {
      // Taken out of the agent's hands meanwhile: only the attempt's end is recorded.
      await ctx.commit((r) => unchanged(r.tasks[taskId] ? ended(r) : r));
      return;
    }
    const effort = plan.tasks.find((t) => t.id === taskId)?.effort ?? 'M';
    const settlement = settlementFor({ entry, outcome, stopped: agent.stopping, effort, config, now: ports.clock.now() });
    switch (settlement.kind) {
      case 'verdict':
        return this.settleCommit(taskId, agent, (r) => settleTask(ended(r), plan, taskId, settlement.verdict));
      case 'fail':
        return this.fail(taskId, agent, ended, settlement);
      case 'check-work': {
        await this.settleCommit(taskId, agent, (r) => settleTask(ended(r), plan, taskId, { kind: 'verifying' }));
        if (ctx.run.tasks[taskId]?.state !== 'verifying') return;
        const { attempt } = agent;
        const check = await checkWork(
          ports,
          {
            worktree: attempt.worktree,
            base: attempt.base,
            root: this.root,
            verify: ctx.run.verify,
            verifyTimeoutMinutes: config.run.verifyTimeoutMinutes,
            verifyLogPath: ctx.dirs.verifyLogPath(attempt.agent),
            permissionDenials: settlement.permissionDenials,
            now: () => ports.clock.now(),
            ...(ports.groups ? { track: ports.groups.track.bind(ports.groups) } : {}),
          },
          (stop) => ctx.whileVerifying(stop),
        );
        if (check.verifyLog !== undefined) await ctx.dirs.writeVerifyLog(attempt.agent, check.verifyLog);
        // Checked work is reviewed against its criteria before it may merge, when the run reviews.
        const verdict = check.verdict.kind === 'completed' && ports.reviewer ? { ...check.verdict, kind: 'reviewing' as const } : check.verdict;
        return this.settleCommit(taskId, agent, (r) => settleTask(r, plan, taskId, verdict, check.detail));
      }
    }
  }

  /** Settling itself broke (git refused, a file vanished): the task fails with the reason instead of hanging. */
  private async settleFailed(taskId: string, agent: LiveAgent, error: unknown): Promise<void> {
    const reason = `xplan could not check the agent's work: ${error instanceof Error ? error.message : String(error)}`;
    await this.settleCommit(taskId, agent, (r) => settleTask(r, this.ctx.plan, taskId, { kind: 'failed', failure: 'crash', reason, now: this.ctx.at() })).catch(() => {});
  }

  private async fail(taskId: string, agent: LiveAgent, ended: (r: RunState) => RunState, failure: { failure: Failure; reason: string }): Promise<void> {
    // What the agent did commit and what it left behind is reported, and stays in its worktree.
    const { worktree, base } = agent.attempt;
    const { vcs } = this.ctx.ports;
    const commits = await vcs.commitsSince(worktree, base).catch(() => undefined);
    const uncommitted = await vcs.uncommittedFiles(worktree).catch(() => undefined);
    const verdict: TaskVerdict = { kind: 'failed', failure: failure.failure, reason: failure.reason, commits, uncommitted, now: this.ctx.at() };
    return this.settleCommit(taskId, agent, (r) => settleTask(ended(r), this.ctx.plan, taskId, verdict));
  }
}
