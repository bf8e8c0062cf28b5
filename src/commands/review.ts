/**
 * `xplan review T3`: the acceptance review once more, by hand, on the task's worktree as it is now (after a fix
 * made there, say). The review runs before the run lock is taken (it takes minutes); its result is then kept on
 * the task in one write, like the other steering commands.
 */
import { XplanError } from '../core/errors.js';
import { ControlError, recordManualReview, type ControlResult } from '../core/run/run-control.js';
import type { ReviewLogResult, TaskReview } from '../core/run/review.js';
import { lastAttempt } from '../core/run/run.js';
import { commitsSince } from '../adapters/tools/git.js';
import { applyControl } from '../run/control.js';
import type { Reviewer } from '../run/ports.js';
import type { Workspace } from '../workspace.js';

export interface ReviewOptions {
  taskId: string;
  /** Who reviews (tests script one); by default Claude Code, as the run's reviews. */
  reviewer?: Reviewer;
  now?: () => Date;
}

/** The review as `xplan logs --review` shows it, and what it changed in the run. */
export interface ReviewCommandResult extends ReviewLogResult {
  control: ControlResult;
  /** Whether the task now waits in the merge queue. */
  requeued: boolean;
}

export async function review(options: ReviewOptions, ws: Workspace): Promise<ReviewCommandResult> {
  const { taskId } = options;
  const { run, plan } = await ws.requireRun();
  const entry = Object.hasOwn(run.tasks, taskId) ? run.tasks[taskId] : undefined;
  const task = plan.tasks.find((t) => t.id === taskId);
  if (!entry || !task) throw new ControlError(`Task ${taskId} is not part of run ${run.id}`, `The run has ${Object.keys(run.tasks).join(', ')}.`);
  const attempt = lastAttempt(entry);
  if (!attempt) throw new ControlError(`${taskId} has no work to review yet (${entry.state})`, 'A task can be reviewed once an attempt has committed work; see where it stands with `xplan status`.');
  let commits: Awaited<ReturnType<typeof commitsSince>>;
  try {
    commits = await commitsSince(attempt.worktree, attempt.base);
  } catch {
    throw new ControlError(`${taskId} has no worktree to review at ${attempt.worktree}`, 'It was removed (`xplan clean`?); run the task again with `xplan retry ' + taskId + '`.');
  }
  if (commits.length === 0)
    throw new ControlError(`${taskId} has no commits since ${attempt.base.slice(0, 7)} to review`, `Commit the work in ${attempt.worktree} first, then run \`xplan review ${taskId}\` again.`);

  const reviewer = options.reviewer ?? (await (await import('../run/setup.js')).projectReviewer(ws));
  const result = await reviewer.review({ task, attempt: entry.attempts.length, worktree: attempt.worktree, base: attempt.base });
  if (!result.ok) throw new XplanError('REVIEW_FAILED', result.failure.message, { hint: result.failure.hint ?? `Try again later with \`xplan review ${taskId}\`.`, exitCode: 2 });
  const made: TaskReview = result.review;

  let requeued = false;
  const control = await applyControl(
    ws,
    (current, currentPlan, _by, at) => {
      const change = recordManualReview(current, currentPlan, taskId, made, at);
      requeued = change.requeued;
      return change;
    },
    (after) =>
      requeued ? `${taskId} is accepted by its review and waits in the merge queue.` : `The review of ${taskId} is ${made.outcome}; it is kept on the task, which stays ${after.tasks[taskId]!.state}.`,
    { command: `xplan review ${taskId}`, ...(options.now ? { now: options.now } : {}) },
  );
  const next = requeued ? (control.driven ? undefined : 'Merge it with `xplan resume`.') : made.outcome === 'accepted' ? control.next : `Run it again with \`xplan retry ${taskId}\`.`;
  const { next: _dropped, ...rest } = control;
  return { runId: run.id, taskId, review: made, requeued, control: { ...rest, ...(next ? { next } : {}) } };
}
