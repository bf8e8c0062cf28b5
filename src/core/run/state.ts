/**
 * The shape of `.xplan/state.json`, checked deeply on every read. Unknown fields are kept, so a newer xplan's state
 * survives an older one's write.
 */
import { z } from 'zod/v3';
import type { Assessment } from '../intake/assess.js';
import { analyzeDag } from '../plan/dag.js';
import { BRANCHINGS, type Branching, type Plan } from '../plan/plan.js';
import { validateTasks } from '../plan/plan-schema.js';
import { CRITERION_VERDICTS, REVIEW_OUTCOMES } from './review.js';
import { TASK_STATES, type RunState, type RunStatus } from './run.js';

export const STATE_SCHEMA_VERSION = 1;

const SpecRefSchema = z.object({
  path: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
});

const nullishString = z.string().nullish();
const count = z.number().int().nonnegative();
const strings = z.array(z.string());
/** Keys of run.tasks are task ids: an id such as `__proto__` would turn a record lookup into a prototype lookup. */
const taskIdKey = z.string().regex(/^T\d+$/, { message: 'task ids look like T1, T2, …' });

const RUN_STATUSES = ['running', 'waiting', 'paused', 'completed', 'failed', 'stopped', 'cancelled'] as const satisfies readonly RunStatus[];
// A run status added to RunStatus must be added here too, or the state it writes would not read back.
const runStatusesComplete: Exclude<RunStatus, (typeof RUN_STATUSES)[number]> extends never ? true : never = true;
void runStatusesComplete;

const UsageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number(), turns: z.number() }).passthrough();

const AttemptSchema = z
  .object({
    agent: z.number().int().positive(),
    branch: z.string(),
    worktree: z.string(),
    sessionId: z.string(),
    base: z.string(),
    startedAt: z.string(),
    endedAt: nullishString,
    outcome: nullishString,
    usage: UsageSchema.nullish(),
    resumes: count.nullish(),
  })
  .passthrough();

/** An acceptance review kept on its task (core/run/review.ts TaskReview). */
const TaskReviewSchema = z
  .object({
    attempt: z.number().int().positive(),
    at: z.string(),
    outcome: z.enum(REVIEW_OUTCOMES),
    verdicts: z.array(z.object({ index: z.number().int().positive(), criterion: z.string(), verdict: z.enum(CRITERION_VERDICTS), evidence: strings, reasoning: z.string() }).passthrough()),
    outsideTask: strings,
    model: nullishString,
    usage: UsageSchema,
    repaired: z.boolean().nullish(),
  })
  .passthrough();

export const TaskRunSchema = z
  .object({
    state: z.enum(TASK_STATES),
    failure: nullishString,
    reason: nullishString,
    attempts: z.array(AttemptSchema),
    transientFailures: count,
    retryAt: nullishString,
    commits: z.array(z.object({ sha: z.string(), subject: z.string() }).passthrough()).nullish(),
    uncommitted: strings.nullish(),
    verified: z.boolean().nullish(),
    endedAt: nullishString,
    stops: count.nullish(),
    retryRequest: z.object({ context: nullishString, fresh: z.boolean(), after: nullishString }).passthrough().nullish(),
    forced: z.object({ by: z.string(), reason: z.string(), at: z.string() }).passthrough().nullish(),
    merge: z
      .object({ state: z.enum(['queued', 'merging', 'merged']), before: nullishString, commit: nullishString, diffStat: nullishString, at: nullishString })
      .passthrough()
      .nullish(),
    conflict: z.object({ files: strings, with: strings, at: z.string() }).passthrough().nullish(),
    reviews: z.array(TaskReviewSchema).nullish(),
  })
  .passthrough();

/** The run as the engine and the renderers read it; fields a newer xplan adds are kept. */
const RunSchema = z
  .object({
    id: z.string().min(1),
    status: z.enum(RUN_STATUSES),
    startedAt: z.string(),
    endedAt: nullishString,
    base: z.object({ commit: z.string(), branch: z.string().nullable() }).passthrough(),
    branching: z.enum(BRANCHINGS as [Branching, ...Branching[]]),
    concurrency: z.number().int().positive(),
    verify: z.string().nullable(),
    planHash: z.string(),
    nextAgent: z.number().int().positive(),
    resumeAt: nullishString,
    stop: z.object({ message: z.string(), hint: nullishString }).passthrough().nullish(),
    // Each task is checked in validateState (zod alone takes most of a second for 1,000 tasks). Without a prototype,
    // a lookup by a user's id (`xplan logs constructor`) finds nothing rather than Object's own.
    tasks: z.record(taskIdKey, z.unknown()).transform((tasks) => Object.assign(Object.create(null) as Record<string, unknown>, tasks)),
    outbox: z.array(z.object({ type: z.string() }).passthrough()).nullish(),
    integration: z.object({ branch: z.string(), worktree: z.string(), head: z.string(), verify: z.string().nullable() }).passthrough().nullish(),
    conflicts: count.nullish(),
    pauseReason: nullishString,
    landed: z.object({ into: z.string(), commit: z.string(), at: z.string(), tasks: strings }).passthrough().nullish(),
    reservations: z.array(z.object({ taskId: z.string(), patterns: strings }).passthrough()).nullish(),
  })
  .passthrough();

/** The plan around its tasks (checked on their own, see validateState): what renderers and the engine read. */
const SavedPlanSchema = z
  .object({
    schemaVersion: z.literal(1),
    planId: z.string(),
    status: z.enum(['draft', 'approved']),
    approval: z.object({ by: z.string(), at: z.string(), hash: z.string() }).passthrough().optional(),
    branching: z.enum(BRANCHINGS as [Branching, ...Branching[]]),
    spec: z.object({ paths: strings, title: z.string() }).passthrough(),
    summary: z
      .object({
        tasks: count,
        streams: count,
        waves: count,
        criticalPath: strings,
        criticalPathHours: z.number(),
        totalHours: z.number(),
        concurrency: z.number(),
        parallelEfficiency: z.number(),
        coverage: z
          .object({
            requirements: z.object({ covered: count, total: count }).passthrough(),
            acceptance: z.object({ covered: count, total: count }).passthrough(),
            uncovered: strings,
          })
          .passthrough(),
        recommendedTasks: z.object({ min: z.number(), max: z.number() }).passthrough(),
      })
      .passthrough(),
    tasks: z.array(z.unknown()),
    streams: z.array(z.object({ id: z.string(), name: z.string(), tasks: strings }).passthrough()),
    mergeOrder: strings,
    branchPreview: z.array(z.object({ task: z.string(), branch: z.string() }).passthrough()),
    warnings: z.array(z.object({ code: z.string(), message: z.string(), tasks: strings }).passthrough()),
  })
  .passthrough();

const AssessmentSchema = z
  .object({
    verdict: z.enum(['single-agent', 'multi-agent', 'decomposition-required']),
    confidence: z.enum(['low', 'medium', 'high']),
    spec: z.object({ paths: strings, title: z.string() }).passthrough(),
    drivers: z.array(z.object({ id: z.string(), label: z.string() }).passthrough()),
  })
  .passthrough();

export const StateSchema = z
  .object({
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    revision: z.number().int().nonnegative(),
    updatedAt: z.string(),
    specs: z.array(SpecRefSchema).default([]),
    assessment: AssessmentSchema.optional() as unknown as z.ZodOptional<z.ZodType<Assessment>>,
    // The current run, kept by `xplan run`; while it is active the plan must not change.
    run: RunSchema.optional() as unknown as z.ZodOptional<z.ZodType<RunState>>,
    plan: SavedPlanSchema.optional() as unknown as z.ZodOptional<z.ZodType<Plan>>,
  })
  .passthrough();

export type State = z.infer<typeof StateSchema>;

export function emptyState(now: string): State {
  return { schemaVersion: STATE_SCHEMA_VERSION, revision: 0, updatedAt: now, specs: [] };
}

export type StateValidation = { ok: true; state: State } | { ok: false; reason: string };

/**
 * Checks a state read from disk, deeply: a hand-edited field of the wrong shape is named by its path
 * (`run.tasks.T3.state: …`), so it is never met later as a crash. An approved plan must also be a valid graph:
 * a cycle or a dangling dependency added by hand is refused before anything runs from it.
 */
export function validateState(input: unknown): StateValidation {
  const result = StateSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { ok: false, reason: `${formatPath(issue.path)}: ${issue.message}` };
  }
  const run = result.data.run;
  if (run) {
    for (const [id, task] of Object.entries(run.tasks)) {
      if (acceptTaskRun(task)) continue;
      const checked = TaskRunSchema.safeParse(task);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        return { ok: false, reason: `${formatPath(['run', 'tasks', id, ...issue.path])}: ${issue.message}` };
      }
    }
  }
  const plan = result.data.plan;
  if (plan) {
    const errors: string[] = [];
    validateTasks(plan.tasks as unknown[], ['plan', 'tasks'], errors);
    if (errors.length > 0) return { ok: false, reason: errors[0]!.replace(/\.(\d+)(?=[.:])/g, '[$1]') };
    if (plan.status === 'approved') {
      const problem = analyzeDag(plan.tasks).errors[0];
      if (problem) return { ok: false, reason: `plan.tasks: the plan is approved, but ${problem.message}` };
    }
  }
  return { ok: true, state: result.data };
}

function formatPath(path: Array<string | number>): string {
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out ? `${out}.${segment}` : segment), '') || '(root)';
}

/**
 * What TaskRunSchema accepts, checked by hand: the fast path for the tasks of a run. A task it does not accept goes
 * through zod, which decides and explains (test/core/state.test.ts holds the two to the same answers).
 */
export function acceptTaskRun(value: unknown): boolean {
  if (!isObject(value)) return false;
  const t = value;
  return (
    TASK_STATE_SET.has(t.state as string) &&
    optional(t.failure, isString) &&
    optional(t.reason, isString) &&
    Array.isArray(t.attempts) &&
    t.attempts.every(acceptAttempt) &&
    isCount(t.transientFailures) &&
    optional(t.retryAt, isString) &&
    optional(t.commits, (c) => Array.isArray(c) && c.every((x) => isObject(x) && isString(x.sha) && isString(x.subject))) &&
    optional(t.uncommitted, isStrings) &&
    optional(t.verified, (v) => typeof v === 'boolean') &&
    optional(t.endedAt, isString) &&
    optional(t.stops, isCount) &&
    optional(t.retryRequest, (r) => isObject(r) && typeof r.fresh === 'boolean' && optional(r.context, isString) && optional(r.after, isString)) &&
    optional(t.forced, (f) => isObject(f) && isString(f.by) && isString(f.reason) && isString(f.at)) &&
    optional(
      t.merge,
      (m) => isObject(m) && MERGE_STATES.has(m.state as string) && optional(m.before, isString) && optional(m.commit, isString) && optional(m.diffStat, isString) && optional(m.at, isString),
    ) &&
    optional(t.conflict, (c) => isObject(c) && isStrings(c.files) && isStrings(c.with) && isString(c.at)) &&
    optional(t.reviews, (r) => Array.isArray(r) && r.every(acceptReview))
  );
}

const TASK_STATE_SET: ReadonlySet<string> = new Set(TASK_STATES);
const MERGE_STATES: ReadonlySet<string> = new Set(['queued', 'merging', 'merged']);

function acceptAttempt(value: unknown): boolean {
  if (!isObject(value)) return false;
  const a = value;
  return (
    Number.isInteger(a.agent) &&
    (a.agent as number) > 0 &&
    isString(a.branch) &&
    isString(a.worktree) &&
    isString(a.sessionId) &&
    isString(a.base) &&
    isString(a.startedAt) &&
    optional(a.endedAt, isString) &&
    optional(a.outcome, isString) &&
    optional(a.usage, isUsage) &&
    optional(a.resumes, isCount)
  );
}

const REVIEW_OUTCOME_SET: ReadonlySet<string> = new Set(REVIEW_OUTCOMES);
const CRITERION_VERDICT_SET: ReadonlySet<string> = new Set(CRITERION_VERDICTS);

function acceptReview(value: unknown): boolean {
  if (!isObject(value)) return false;
  const r = value;
  return (
    Number.isInteger(r.attempt) &&
    (r.attempt as number) > 0 &&
    isString(r.at) &&
    REVIEW_OUTCOME_SET.has(r.outcome as string) &&
    Array.isArray(r.verdicts) &&
    r.verdicts.every(
      (v) =>
        isObject(v) &&
        Number.isInteger(v.index) &&
        (v.index as number) > 0 &&
        isString(v.criterion) &&
        CRITERION_VERDICT_SET.has(v.verdict as string) &&
        isStrings(v.evidence) &&
        isString(v.reasoning),
    ) &&
    isStrings(r.outsideTask) &&
    optional(r.model, isString) &&
    isUsage(r.usage) &&
    optional(r.repaired, (b) => typeof b === 'boolean')
  );
}

function isUsage(u: unknown): boolean {
  return isObject(u) && ['inputTokens', 'outputTokens', 'costUsd', 'turns'].every((k) => typeof u[k] === 'number');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isStrings(value: unknown): boolean {
  return Array.isArray(value) && value.every(isString);
}

function isCount(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0;
}

function optional(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || value === null || check(value);
}
