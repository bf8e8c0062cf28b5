/**
 * The acceptance review of a task: after its verify passes and before it merges, a model with read-only tools
 * judges each acceptance criterion against the task's diff. This file holds what needs no process: the prompt, the
 * answer's schema and its checks, the outcome, and the context a retried agent is given. Pure.
 */
import type { Task } from '../plan/plan.js';
import type { Commit, Usage } from './run.js';

export const CRITERION_VERDICTS = ['met', 'not-met', 'cannot-tell'] as const;
export type CriterionVerdictValue = (typeof CRITERION_VERDICTS)[number];

/** accepted: every criterion met; rejected: at least one not met; uncertain: none not met, some cannot be told. */
export const REVIEW_OUTCOMES = ['accepted', 'rejected', 'uncertain'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

/** What `review.onUncertain` says to do with an uncertain review. */
export type UncertainPolicy = 'merge' | 'hold';

/** The reviewer's judgement of one criterion, with the criterion's text kept for status and the report. */
export interface CriterionVerdict {
  /** 1-based, in the order of the task's acceptance criteria. */
  index: number;
  criterion: string;
  verdict: CriterionVerdictValue;
  /** `file:line`, or the test that shows it. */
  evidence: string[];
  reasoning: string;
}

/** A review kept on the task: one per reviewed attempt. */
export interface TaskReview {
  /** The task's attempt this review judged (1-based, as in `xplan logs --attempt`). */
  attempt: number;
  at: string;
  outcome: ReviewOutcome;
  verdicts: CriterionVerdict[];
  /** What the diff does that the task did not ask for. */
  outsideTask: string[];
  model?: string;
  /** Both calls together when the first answer needed a repair. */
  usage: Usage;
  /** The first answer broke the rules and was sent back once. */
  repaired?: boolean;
}

/** `xplan logs T3 --review`: a task's review, with the run and task it belongs to. */
export interface ReviewLogResult {
  runId: string;
  taskId: string;
  review: TaskReview;
}

/** What the task is judged against: its criteria, or, when it lists none, its description as the one criterion. */
export function reviewCriteria(task: Pick<Task, 'acceptanceCriteria'>): string[] {
  const criteria = task.acceptanceCriteria.map((c) => c.trim()).filter(Boolean);
  return criteria.length > 0 ? criteria : ['The change does what the task description says.'];
}

export interface ReviewPromptInput {
  task: Pick<Task, 'id' | 'title' | 'description' | 'acceptanceCriteria'>;
  /** The commit the task's work starts from, so the reviewer can run `git diff <base>..HEAD`. */
  base: string;
  /** `git diff --stat <base> HEAD`. */
  diffStat: string;
  commits: Commit[];
  specs: Array<{ path: string; text: string }>;
}

/** The review prompt: the task, its criteria numbered, what changed, the spec whole, and how to answer. */
export function reviewPrompt(input: ReviewPromptInput): string {
  const { task } = input;
  const criteria = reviewCriteria(task);
  const short = input.base.slice(0, 12);
  return [
    `# Acceptance review of Task ${task.id}: ${task.title}`,
    '',
    'You review finished work before it is merged. The working directory is the task’s git worktree, with its',
    `commits on top of ${short}. You may read files and run \`git diff\`, \`git log\` and \`git show\`; you cannot`,
    'change anything, and you must not try.',
    '',
    '## The task',
    '',
    task.description.trim() || task.title,
    '',
    '## Acceptance criteria',
    '',
    ...criteria.map((c, i) => `${i + 1}. ${c}`),
    '',
    `## What changed (\`git diff --stat ${short} HEAD\`)`,
    '',
    '```',
    input.diffStat.replace(/^\n+/, '').trimEnd() || '(no changes)',
    '```',
    '',
    '## The task’s commits',
    '',
    ...(input.commits.length > 0 ? input.commits.map((c) => `- ${c.sha.slice(0, 12)} ${c.subject}`) : ['(none)']),
    '',
    '## How to answer',
    '',
    `For every criterion, 1 to ${criteria.length}, give exactly one verdict, by its number:`,
    '- `met`: the change does what the criterion asks. Evidence: the file and line that do it (`src/notes.ts:42`), or the test that shows it.',
    '- `not-met`: it does not, or only in part. Evidence: where it falls short (file and line), or the test that fails or is missing.',
    '- `cannot-tell`: the diff and the repository do not let you decide (for example, it needs a service that is not there). Say what is missing.',
    'Give one sentence of reasoning for each. Read the code before you judge: a commit message is not evidence.',
    'Under `outsideTask`, list anything the diff does that the task did not ask for (one line each; an empty list when there is nothing).',
    '',
    '## The spec',
    '',
    input.specs.map((s) => (input.specs.length > 1 ? `### ${s.path}\n\n${s.text}` : s.text)).join('\n\n'),
    '',
  ].join('\n');
}

/** The JSON schema given to Claude Code (`--json-schema`); `checkReviewAnswer` checks the rules it cannot say. */
export const REVIEW_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['criteria', 'outsideTask'],
  properties: {
    criteria: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['index', 'verdict', 'evidence', 'reasoning'],
        properties: {
          index: { type: 'integer', minimum: 1 },
          verdict: { type: 'string', enum: [...CRITERION_VERDICTS] },
          evidence: { type: 'array', items: { type: 'string' } },
          reasoning: { type: 'string' },
        },
      },
    },
    outsideTask: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** The prompt again, with the previous answer and what is wrong with it. */
export function reviewRepairPrompt(basePrompt: string, previous: unknown, problems: string[]): string {
  return [
    basePrompt.trimEnd(),
    '',
    '## Your previous answer',
    '',
    '```json',
    JSON.stringify(previous),
    '```',
    '',
    '## Problems with it',
    '',
    ...problems.map((p) => `- ${p}`),
    '',
    'Answer again with the complete, corrected review: every criterion, once each.',
    '',
  ].join('\n');
}

export function reviewOutcome(verdicts: Array<Pick<CriterionVerdict, 'verdict'>>): ReviewOutcome {
  if (verdicts.some((v) => v.verdict === 'not-met')) return 'rejected';
  if (verdicts.some((v) => v.verdict === 'cannot-tell')) return 'uncertain';
  return 'accepted';
}

/**
 * What the run does with a review: merge it; retry the task with the review as the agent's context (a rejection,
 * while `autoRetry` allows); fail it (`failed: review`); or hold it for the lead (uncertain, with
 * `onUncertain: hold`). `earlier` are the task's reviews before this one; each rejection among them spent a retry.
 */
export type ReviewNext = { action: 'merge' } | { action: 'retry'; context: string; reason: string } | { action: 'fail'; reason: string } | { action: 'hold'; reason: string };

export function afterReview(review: TaskReview, earlier: Array<Pick<TaskReview, 'outcome'>>, settings: { autoRetry: number; onUncertain: UncertainPolicy }): ReviewNext {
  const summary = reviewSummary(review);
  if (review.outcome === 'accepted') return { action: 'merge' };
  if (review.outcome === 'uncertain') return settings.onUncertain === 'merge' ? { action: 'merge' } : { action: 'hold', reason: `review: ${summary}` };
  const retried = earlier.filter((r) => r.outcome === 'rejected').length;
  if (retried < settings.autoRetry) return { action: 'retry', context: reviewRetryContext(review), reason: `review: ${summary}` };
  return { action: 'fail', reason: `review: ${summary}` };
}

/** One line for status, the report and the task's reason: "2 of 3 criteria met; not met: 2 (…)". */
export function reviewSummary(review: Pick<TaskReview, 'outcome' | 'verdicts'>): string {
  const met = review.verdicts.filter((v) => v.verdict === 'met').length;
  const of = `${met} of ${review.verdicts.length} criteria met`;
  const notMet = review.verdicts.filter((v) => v.verdict === 'not-met');
  const unsure = review.verdicts.filter((v) => v.verdict === 'cannot-tell');
  if (review.outcome === 'rejected') return `${of}; not met: ${notMet.map((v) => `${v.index} (${v.reasoning})`).join('; ')}`;
  if (review.outcome === 'uncertain') return `${of}; cannot tell: ${unsure.map((v) => `${v.index} (${v.reasoning})`).join('; ')}`;
  return of;
}

/** The context a retried agent is given: what the review found wrong with the previous attempt, and where. */
export function reviewRetryContext(review: Pick<TaskReview, 'verdicts' | 'outsideTask'>): string {
  const notMet = review.verdicts.filter((v) => v.verdict === 'not-met');
  const unsure = review.verdicts.filter((v) => v.verdict === 'cannot-tell');
  const line = (v: CriterionVerdict) => `${v.index}. ${v.criterion}\n   ${v.reasoning}${v.evidence.length > 0 ? ` (${v.evidence.join('; ')})` : ''}`;
  const parts: string[] = [];
  if (notMet.length > 0) parts.push('A review of the previous attempt found these criteria not met:', '', ...notMet.map(line));
  if (unsure.length > 0) parts.push(...(parts.length > 0 ? [''] : []), 'It could not tell whether these are met; make them checkable (a test that shows each):', '', ...unsure.map(line));
  if (review.outsideTask.length > 0) parts.push('', 'It also found work outside the task; keep to the task:', ...review.outsideTask.map((o) => `- ${o}`));
  parts.push('', 'Fix what is listed, keep what already meets its criterion, and commit.');
  return parts.join('\n');
}
