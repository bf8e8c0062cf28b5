import { describe, expect, it } from 'vitest';
import { acceptTaskRun, emptyState, TaskRunSchema, validateState } from '../../src/core/run/state.js';

const attempt = { agent: 1, branch: 'xplan/r/agent-1-x', worktree: '/w', sessionId: 's', base: 'abc', startedAt: '2026-01-01T00:00:00Z' };
const task = { state: 'failed', failure: 'verify', reason: 'r', attempts: [attempt], transientFailures: 0 };

const review = {
  attempt: 1,
  at: '2026-01-01T00:00:00Z',
  outcome: 'rejected',
  verdicts: [{ index: 1, criterion: 'c', verdict: 'not-met', evidence: ['src/a.ts:1'], reasoning: 'r' }],
  outsideTask: [],
  usage: { inputTokens: 1, outputTokens: 1, costUsd: 0, turns: 1 },
};

const VARIANTS: Array<[string, unknown]> = [
  ['a valid task', task],
  [
    'every optional field set',
    {
      ...task,
      retryAt: 'x',
      commits: [{ sha: 'a', subject: 's' }],
      uncommitted: ['f'],
      verified: true,
      endedAt: 'x',
      stops: 1,
      retryRequest: { fresh: true, context: 'c', after: 'a' },
      forced: { by: 'b', reason: 'r', at: 'a' },
      future: 1,
    },
  ],
  ['optional fields null', { ...task, failure: null, reason: null, retryAt: null, commits: null }],
  ['a review', { ...task, reviews: [{ ...review, model: 'claude-sonnet-4-5', repaired: true }] }],
  ['a review with an unknown outcome', { ...task, reviews: [{ ...review, outcome: 'maybe' }] }],
  ['a review verdict without evidence', { ...task, reviews: [{ ...review, verdicts: [{ ...review.verdicts[0], evidence: undefined }] }] }],
  ['a review of attempt 0', { ...task, reviews: [{ ...review, attempt: 0 }] }],
  ['a review without usage', { ...task, reviews: [{ ...review, usage: undefined }] }],
  ['reviews not a list', { ...task, reviews: review }],
  ['an unknown state', { ...task, state: 'bogus' }],
  ['no attempts', { ...task, attempts: undefined }],
  ['attempts not a list', { ...task, attempts: {} }],
  ['an attempt without a branch', { ...task, attempts: [{ ...attempt, branch: undefined }] }],
  ['agent 0', { ...task, attempts: [{ ...attempt, agent: 0 }] }],
  ['agent 1.5', { ...task, attempts: [{ ...attempt, agent: 1.5 }] }],
  ['usage with a string', { ...task, attempts: [{ ...attempt, usage: { inputTokens: '1', outputTokens: 1, costUsd: 0, turns: 1 } }] }],
  ['negative transient failures', { ...task, transientFailures: -1 }],
  ['commits of strings', { ...task, commits: ['abc'] }],
  ['retryRequest without fresh', { ...task, retryRequest: { context: 'c' } }],
  ['forced without by', { ...task, forced: { reason: 'r', at: 'a' } }],
  ['an array', [task]],
  ['null', null],
];

describe('run tasks: the hand-written check and zod give the same answers', () => {
  it.each(VARIANTS)('%s', (_name, value) => {
    expect(acceptTaskRun(value)).toBe(TaskRunSchema.safeParse(value).success);
  });
});

describe('validateState', () => {
  const base = { ...emptyState('2026-01-01T00:00:00Z') };
  const run = { id: 'r', status: 'failed', startedAt: 'x', base: { commit: 'c', branch: null }, branching: 'feature', concurrency: 2, verify: null, planHash: 'h', nextAgent: 2, tasks: { T1: task } };

  it('names the path of a bad field in a run task', () => {
    const result = validateState({ ...base, run: { ...run, tasks: { T1: { ...task, attempts: [{ ...attempt, agent: 'one' }] } } } });
    expect(result).toEqual({ ok: false, reason: 'run.tasks.T1.attempts[0].agent: Expected number, received string' });
  });

  it('keeps a task’s reviews, and names the path of a bad verdict', () => {
    expect(validateState({ ...base, run: { ...run, tasks: { T1: { ...task, reviews: [review] } } } }).ok).toBe(true);
    const bad = { ...review, verdicts: [{ ...review.verdicts[0], verdict: 'probably' }] };
    const result = validateState({ ...base, run: { ...run, tasks: { T1: { ...task, reviews: [review, bad] } } } });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^run\.tasks\.T1\.reviews\[1\]\.verdicts\[0\]\.verdict: Invalid enum value/) });
  });

  it('refuses a run task id that is not a task id, __proto__ included', () => {
    const result = validateState(JSON.parse(JSON.stringify({ ...base, run }).replace('"T1":', '"__proto__":')));
    expect(result).toEqual({ ok: false, reason: 'run.tasks.__proto__: task ids look like T1, T2, …' });
  });

  it('gives run tasks no prototype, so an id like constructor finds nothing', () => {
    const result = validateState({ ...base, run });
    expect(result.ok).toBe(true);
    const tasks = (result as { state: { run: { tasks: Record<string, unknown> } } }).state.run.tasks;
    expect(tasks.constructor).toBeUndefined();
    expect(tasks.T1).toMatchObject({ state: 'failed' });
  });
});
