/**
 * The acceptance review of one task: a headless Claude Code call in the task's worktree that may read files and run
 * `git diff`, `git log` and `git show`, and nothing else. It gathers the diff stat and the commits from git, asks,
 * checks the answer against the task's criteria, sends it back once when it breaks the rules, and returns the
 * review, or why it could not be had. A review that could not run is a failure to retry, never a pass.
 */
import type { ClaudeSettings, ReviewSettings } from '../../core/config.js';
import type { Task } from '../../core/plan/plan.js';
import { checkReviewAnswer } from '../../core/run/review-answer.js';
import { REVIEW_JSON_SCHEMA, reviewCriteria, reviewOutcome, reviewPrompt, reviewRepairPrompt, type TaskReview } from '../../core/run/review.js';
import { addUsage, ZERO_USAGE, type Usage } from '../../core/run/run.js';
import { callStructured, StructuredCallError, type StructuredAnswer, type StructuredCallOptions, type ToolAccess } from './claude-structured.js';
import { commitsSince, diffStatByFile, head } from './git.js';

/**
 * Read-only: files, searches, and three git commands that only print. `--output` is the one way those commands
 * write a file, so it is refused; Claude Code refuses redirections and compound commands the rules do not allow.
 */
export const REVIEW_TOOLS: ToolAccess = {
  allowed: ['Read', 'Grep', 'Glob', 'Bash(git diff:*)', 'Bash(git log:*)', 'Bash(git show:*)'],
  denied: ['Bash(git *--output*)'],
};

export interface ReviewRequest {
  task: Task;
  /** The attempt being reviewed, 1-based. */
  attempt: number;
  /** The task's worktree, with its commits checked out. */
  worktree: string;
  /** The commit the task's work is counted from (the attempt's `base`). */
  base: string;
  /** The spec as the task's agent was given it (redacted when `secrets: redact`). */
  specs: Array<{ path: string; text: string }>;
  review: ReviewSettings;
  claude: Pick<ClaudeSettings, 'command' | 'model'>;
  env: NodeJS.ProcessEnv;
  /** Told the output tokens so far, for a progress line. */
  onOutputTokens?: (tokens: number) => void;
  now?: () => Date;
  /** The structured call; tests of the run loop may put a scripted one here. */
  call?: (options: StructuredCallOptions) => Promise<StructuredAnswer>;
}

/**
 * not-found, not-authenticated: nothing will change until the user acts. usage-limit: wait for `resetAt`.
 * timeout, transient: try the review again later (the model could not be reached, crashed, ran over its budget, or
 * answered against the rules twice).
 */
export type ReviewFailureKind = 'not-found' | 'not-authenticated' | 'usage-limit' | 'timeout' | 'transient';

export interface ReviewFailure {
  kind: ReviewFailureKind;
  message: string;
  hint?: string;
  usage: Usage;
  resetAt?: string;
}

export type ReviewResult = { ok: true; review: TaskReview } | { ok: false; failure: ReviewFailure };

/** Reviews the task's work in its worktree. Git failures (a worktree that is gone) are thrown as errors. */
export async function reviewTask(request: ReviewRequest): Promise<ReviewResult> {
  const { task, worktree, base } = request;
  const [commits, diffStat] = await Promise.all([commitsSince(worktree, base), head(worktree).then((tip) => diffStatByFile(worktree, base, tip))]);
  const criteria = reviewCriteria(task);
  const prompt = reviewPrompt({ task, base, diffStat, commits, specs: request.specs });
  const model = request.review.model ?? request.claude.model;
  const call = request.call ?? callStructured;
  const options = (text: string): StructuredCallOptions => ({
    command: request.claude.command,
    schema: REVIEW_JSON_SCHEMA,
    prompt: text,
    cwd: worktree,
    env: request.env,
    timeoutMs: request.review.timeoutSeconds * 1000,
    model,
    maxBudgetUsd: request.review.maxBudgetUsd,
    tools: REVIEW_TOOLS,
    timeoutHint: 'Raise review.timeoutSeconds in .xplan/config.yaml',
    // claude.extraArgs is left out on purpose: nothing there may widen the review's tools or permissions.
    ...(request.onOutputTokens ? { onOutputTokens: request.onOutputTokens } : {}),
  });

  let usage = ZERO_USAGE;
  let answeredBy: string | undefined;
  const ask = async (text: string): Promise<unknown> => {
    try {
      const answer = await call(options(text));
      usage = addUsage(usage, answer.usage);
      if (answer.model) answeredBy = answer.model;
      return answer.output;
    } catch (error) {
      if (!(error instanceof StructuredCallError)) throw error;
      usage = addUsage(usage, error.usage);
      throw new ReviewCallFailed(failureOf(error, usage));
    }
  };

  try {
    const first = await ask(prompt);
    let check = checkReviewAnswer(first, criteria);
    let repaired = false;
    if (!check.ok) {
      repaired = true;
      check = checkReviewAnswer(await ask(reviewRepairPrompt(prompt, first, check.problems)), criteria);
    }
    if (!check.ok) {
      return {
        ok: false,
        failure: { kind: 'transient', message: `The review of ${task.id} still breaks the rules after one repair: ${check.problems.slice(0, 5).join('; ')}`, hint: 'It is tried again', usage },
      };
    }
    const reviewedModel = answeredBy ?? model ?? undefined;
    return {
      ok: true,
      review: {
        attempt: request.attempt,
        at: (request.now ?? (() => new Date()))().toISOString(),
        outcome: reviewOutcome(check.verdicts),
        verdicts: check.verdicts,
        outsideTask: check.outsideTask,
        ...(reviewedModel ? { model: reviewedModel } : {}),
        usage,
        ...(repaired ? { repaired } : {}),
      },
    };
  } catch (error) {
    if (error instanceof ReviewCallFailed) return { ok: false, failure: error.failure };
    throw error;
  }
}

class ReviewCallFailed extends Error {
  constructor(readonly failure: ReviewFailure) {
    super(failure.message);
  }
}

function failureOf(error: StructuredCallError, usage: Usage): ReviewFailure {
  const kind: ReviewFailureKind =
    error.failure === 'not-found' || error.failure === 'not-authenticated' || error.failure === 'usage-limit' || error.failure === 'timeout' ? error.failure : 'transient';
  return {
    kind,
    message: `The review could not run: ${error.message}`,
    ...(error.hint ? { hint: error.hint } : {}),
    usage,
    ...(error.resetAt ? { resetAt: error.resetAt.toISOString() } : {}),
  };
}
