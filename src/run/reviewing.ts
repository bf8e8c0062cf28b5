/**
 * The acceptance reviews of a run: a task whose work passed its checks is reviewed in the background, like its
 * verify, while other agents go on. Its result is recorded (core/run/run.ts `recordReview`) in the same write that
 * sends the task on (merge queue, retry, failed, held); a review that could not run is tried again later.
 */
import { lastAttempt, recordReview, reviewCouldNotRun, reviewDue, skipReview, unchanged, type RunState } from '../core/run/run.js';
import type { RunContext } from './context.js';

export class Reviews {
  /** Tasks whose review is under way in this process. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly ctx: RunContext,
    /** Called once each review is recorded (an accepted task enters an idle merge queue at once). */
    private readonly onReviewed: () => void,
  ) {}

  /** Starts the review of every task that waits for one and is due; without a reviewer, their work goes to the merge queue. */
  async next(): Promise<void> {
    const { ctx } = this;
    const { run } = ctx;
    if (run.stop || ctx.stoppingNow || run.status === 'waiting' || run.status === 'cancelled') return;
    const now = ctx.ports.clock.now();
    for (const [taskId, entry] of Object.entries(run.tasks)) {
      if (this.inFlight.has(taskId) || !reviewDue(entry, now)) continue;
      if (!ctx.ports.reviewer) {
        await ctx.commit((r) => (r.tasks[taskId]?.state === 'reviewing' ? skipReview(r, ctx.plan, taskId, ctx.at()) : unchanged(r)));
        continue;
      }
      this.start(taskId);
    }
  }

  private start(taskId: string): void {
    const { ctx } = this;
    this.inFlight.add(taskId);
    const reviewed: Promise<void> = this.review(taskId)
      .catch((error: unknown) =>
        // The worktree is gone, git refused: counted as a review that could not run, never as a pass.
        this.record(taskId, (r) =>
          reviewCouldNotRun(
            r,
            taskId,
            { kind: 'transient', message: `The review could not run: ${error instanceof Error ? error.message : String(error)}`, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 } },
            this.settings(),
            ctx.ports.clock.now(),
          ),
        ),
      )
      .catch(() => {})
      .then(() => ctx.releaseFiles(taskId))
      .catch(() => {})
      .finally(() => {
        this.inFlight.delete(taskId);
        ctx.background.delete(reviewed);
        this.onReviewed();
        ctx.wake();
      });
    ctx.background.add(reviewed);
  }

  private async review(taskId: string): Promise<void> {
    const { ctx } = this;
    const entry = ctx.run.tasks[taskId]!;
    const attempt = lastAttempt(entry)!;
    const task = ctx.plan.tasks.find((t) => t.id === taskId)!;
    const number = entry.attempts.length;
    const result = await ctx.ports.reviewer!.review({ task, attempt: number, worktree: attempt.worktree, base: attempt.base });
    const { review } = ctx.config;
    if (result.ok) {
      await this.record(taskId, (r) => recordReview(r, ctx.plan, taskId, result.review, { autoRetry: review.autoRetry, onUncertain: review.onUncertain }, ctx.at()), number);
    } else {
      await this.record(taskId, (r) => reviewCouldNotRun(r, taskId, result.failure, this.settings(), ctx.ports.clock.now()), number);
    }
  }

  /** Applies the review's outcome, unless the task was meanwhile taken out of the review's hands (skipped, done, retried). */
  private record(taskId: string, step: (r: RunState) => ReturnType<typeof unchanged>, attempt?: number): Promise<void> {
    return this.ctx.commit((r) => {
      const entry = r.tasks[taskId];
      const applies = entry?.state === 'reviewing' && (attempt === undefined || entry.attempts.length === attempt);
      return applies ? step(r) : unchanged(r);
    });
  }

  private settings(): { retries: number; backoffMs: number; usageLimitWaitMs: number } {
    const { run } = this.ctx.config;
    return { retries: run.retries, backoffMs: run.backoffSeconds * 1000, usageLimitWaitMs: run.usageLimitWaitMinutes * 60_000 };
  }
}
