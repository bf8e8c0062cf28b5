import { describe, expect, it } from 'vitest';
import type { Branching, Plan, Task } from '../../src/core/plan/plan.js';
import { runIdFor } from '../../src/core/branch-names.js';
import { plan } from '../support/plan-builder.js';
import {
  addUsage,
  applyVerdict,
  backoffMs,
  blockersOf,
  countsByState,
  DONE_STATES,
  endAttempt,
  finalStatus,
  isSettled,
  newRun,
  nextRetryAt,
  runUsage,
  startAttempt,
  stateLabel,
  taskUsage,
  tasksToDispatch,
  ZERO_USAGE,
  type Attempt,
  type Failure,
  type RunState,
  type TaskRun,
  type TaskState,
  type TaskVerdict,
  type Usage,
} from '../../src/core/run/run.js';

// ---------------------------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------------------------

const NOW = '2026-03-01T10:00:00.000Z';

function runOf(p: Plan, opts: { taskIds?: string[]; concurrency?: number; verify?: string | null } = {}): RunState {
  return newRun({
    id: '20260301-100000',
    now: NOW,
    plan: p,
    taskIds: opts.taskIds ?? p.tasks.map((t) => t.id),
    base: { commit: 'abc123', branch: 'main' },
    concurrency: opts.concurrency ?? 3,
    verify: opts.verify === undefined ? 'npm test' : opts.verify,
    planHash: 'hash',
  });
}

/** Overrides task states (and other fields) of a run, without going through the transitions. */
function withStates(run: RunState, states: Record<string, TaskState | Partial<TaskRun>>): RunState {
  const tasks = { ...run.tasks };
  for (const [id, change] of Object.entries(states)) {
    const current = tasks[id] ?? { state: 'waiting' as TaskState, attempts: [], transientFailures: 0 };
    tasks[id] = typeof change === 'string' ? { ...current, state: change } : { ...current, ...change };
  }
  return { ...run, tasks };
}

function statesOf(run: RunState): Record<string, TaskState> {
  return Object.fromEntries(Object.entries(run.tasks).map(([id, t]) => [id, t.state]));
}

function attempt(agent: number, fields: Partial<Attempt> = {}): Attempt {
  return {
    agent,
    branch: `xplan/20260301-100000/agent-${agent}-task`,
    worktree: `/tmp/wt/agent-${agent}`,
    sessionId: `session-${agent}`,
    base: 'abc123',
    startedAt: NOW,
    ...fields,
  };
}

const usage = (inputTokens: number, outputTokens: number, costUsd: number, turns: number): Usage => ({ inputTokens, outputTokens, costUsd, turns });

const completed = (verified = true, uncommitted: string[] = []): TaskVerdict => ({
  kind: 'completed',
  verified,
  commits: [{ sha: 'c0ffee', subject: 'Do it' }],
  uncommitted,
  now: NOW,
});
const failed = (failure: Failure = 'verify', reason = 'npm test exited with code 1'): TaskVerdict => ({ kind: 'failed', failure, reason, now: NOW });

// ---------------------------------------------------------------------------------------------------------------
// newRun
// ---------------------------------------------------------------------------------------------------------------

describe('newRun', () => {
  const cases: Array<{ name: string; plan: Plan; taskIds?: string[]; states: Record<string, TaskState> }> = [
    {
      name: 'tasks without dependencies are ready, the others wait',
      plan: plan({ T1: [], T2: ['T1'], T3: [], T4: ['T2', 'T3'] }),
      states: { T1: 'ready', T2: 'waiting', T3: 'ready', T4: 'waiting' },
    },
    {
      name: 'dependencies outside the run count as done',
      plan: plan({ T1: [], T2: ['T1'], T3: ['T2'] }),
      taskIds: ['T2', 'T3'],
      states: { T2: 'ready', T3: 'waiting' },
    },
    {
      name: 'a task whose dependencies are all outside the run is ready',
      plan: plan({ T1: [], T2: [], T3: ['T1', 'T2'] }),
      taskIds: ['T3'],
      states: { T3: 'ready' },
    },
    {
      name: 'a chain: only its head is ready',
      plan: plan({ T1: [], T2: ['T1'], T3: ['T2'] }),
      states: { T1: 'ready', T2: 'waiting', T3: 'waiting' },
    },
  ];
  it.each(cases)('$name', ({ plan: p, taskIds, states }) => {
    const run = runOf(p, { taskIds });
    expect(statesOf(run)).toEqual(states);
  });

  it('holds only the tasks it was given, each with no attempts and no failures yet', () => {
    const run = runOf(plan({ T1: [], T2: ['T1'], T3: [] }), { taskIds: ['T1', 'T2'] });
    expect(Object.keys(run.tasks)).toEqual(['T1', 'T2']);
    for (const entry of Object.values(run.tasks)) {
      expect(entry.attempts).toEqual([]);
      expect(entry.transientFailures).toBe(0);
    }
  });

  it('starts running, at agent 1, with the inputs it was given', () => {
    const run = runOf(plan({ T1: [] }), { concurrency: 4, verify: null });
    expect(run).toMatchObject({
      id: '20260301-100000',
      status: 'running',
      startedAt: NOW,
      base: { commit: 'abc123', branch: 'main' },
      branching: 'feature',
      concurrency: 4,
      verify: null,
      planHash: 'hash',
      nextAgent: 1,
    });
    expect(run.stop).toBeUndefined();
    expect(run.endedAt).toBeUndefined();
  });

  it.each<{ branching: Branching; concurrency: number; expected: number }>([
    { branching: 'single', concurrency: 4, expected: 1 },
    { branching: 'single', concurrency: 1, expected: 1 },
    { branching: 'feature', concurrency: 4, expected: 4 },
    { branching: 'stacked', concurrency: 2, expected: 2 },
  ])('$branching branching with concurrency $concurrency runs $expected agent(s) at a time', ({ branching, concurrency, expected }) => {
    const run = runOf(plan({ T1: [], T2: [] }, branching), { concurrency });
    expect(run.concurrency).toBe(expected);
    expect(run.branching).toBe(branching);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// tasksToDispatch
// ---------------------------------------------------------------------------------------------------------------

describe('tasksToDispatch', () => {
  const p = plan({ T1: [], T2: [], T3: [], T4: [], T5: ['T1'] });
  const now = new Date('2026-03-01T10:05:00.000Z');
  const ids = (tasks: Task[]) => tasks.map((t) => t.id);

  const cases: Array<{ name: string; concurrency: number; states: Record<string, TaskState | Partial<TaskRun>>; expected: string[] }> = [
    { name: 'all ready tasks within the slots, in plan order', concurrency: 3, states: {}, expected: ['T1', 'T2', 'T3'] },
    { name: 'more slots than ready tasks: every ready task', concurrency: 10, states: {}, expected: ['T1', 'T2', 'T3', 'T4'] },
    { name: 'running tasks take slots', concurrency: 3, states: { T1: 'running' }, expected: ['T2', 'T3'] },
    { name: 'verifying tasks take slots too', concurrency: 3, states: { T1: 'running', T2: 'verifying' }, expected: ['T3'] },
    { name: 'no free slot: nothing', concurrency: 2, states: { T1: 'running', T2: 'verifying' }, expected: [] },
    { name: 'more busy than slots (concurrency lowered): nothing', concurrency: 1, states: { T1: 'running', T2: 'running' }, expected: [] },
    { name: 'waiting tasks are never picked', concurrency: 10, states: { T1: 'completed', T2: 'completed', T3: 'completed', T4: 'completed' }, expected: [] },
    {
      name: 'finished and failed tasks are not picked',
      concurrency: 10,
      states: { T1: 'failed', T2: 'completed', T3: 'blocked', T4: 'unverified' },
      expected: [],
    },
    {
      name: 'a retrying task whose retryAt has passed is picked, in plan order',
      concurrency: 2,
      states: { T1: 'completed', T2: { state: 'retrying', retryAt: '2026-03-01T10:04:59.000Z' } },
      expected: ['T2', 'T3'],
    },
    {
      name: 'a retrying task is due exactly at retryAt',
      concurrency: 1,
      states: { T1: { state: 'retrying', retryAt: now.toISOString() } },
      expected: ['T1'],
    },
    {
      name: 'a retrying task whose retryAt is still ahead is not picked',
      concurrency: 2,
      states: { T1: { state: 'retrying', retryAt: '2026-03-01T10:05:00.001Z' } },
      expected: ['T2', 'T3'],
    },
    {
      name: 'an interrupted task is picked again, in plan order',
      concurrency: 2,
      states: { T1: 'completed', T2: 'completed', T4: 'interrupted' },
      expected: ['T3', 'T4'],
    },
    {
      name: 'skipped tasks are not picked',
      concurrency: 10,
      states: { T1: 'skipped', T2: 'skipped', T3: 'completed', T4: 'completed' },
      expected: [],
    },
    {
      name: 'a retrying task without retryAt is not picked',
      concurrency: 1,
      states: { T1: { state: 'retrying', retryAt: undefined }, T2: 'completed', T3: 'completed' },
      expected: ['T4'],
    },
  ];
  it.each(cases)('$name', ({ concurrency, states, expected }) => {
    const run = withStates({ ...runOf(p), concurrency }, states);
    expect(ids(tasksToDispatch(run, p, now))).toEqual(expected);
  });

  it('follows the plan order, not the order of the run’s task record', () => {
    const run = runOf(p, { taskIds: ['T4', 'T3', 'T2', 'T1'], concurrency: 2 });
    expect(ids(tasksToDispatch(run, p, now))).toEqual(['T1', 'T2']);
  });

  it('ignores plan tasks that are not part of the run', () => {
    const run = runOf(p, { taskIds: ['T3', 'T5'], concurrency: 5 });
    // T5 depends on T1, which is outside the run: it is ready too.
    expect(ids(tasksToDispatch(run, p, now))).toEqual(['T3', 'T5']);
  });

  it.each<RunState['status']>(['waiting', 'paused', 'completed', 'failed', 'stopped'])('dispatches nothing while the run is %s', (status) => {
    const run = { ...runOf(p), status };
    expect(tasksToDispatch(run, p, now)).toEqual([]);
  });

  it('a single-branch run dispatches one task at a time', () => {
    const single = plan({ T1: [], T2: [], T3: [] }, 'single');
    const run = runOf(single, { concurrency: 8 });
    expect(ids(tasksToDispatch(run, single, now))).toEqual(['T1']);
    const busy = startAttempt(run, 'T1', attempt(1));
    expect(tasksToDispatch(busy, single, now)).toEqual([]);
  });
});

describe('nextRetryAt', () => {
  it('is the earliest retryAt among retrying tasks, ignoring others', () => {
    const run = withStates(runOf(plan({ T1: [], T2: [], T3: [] })), {
      T1: { state: 'retrying', retryAt: '2026-03-01T10:10:00.000Z' },
      T2: { state: 'retrying', retryAt: '2026-03-01T10:07:00.000Z' },
      // A stale retryAt on a task that is no longer retrying does not count.
      T3: { state: 'running', retryAt: '2026-03-01T10:01:00.000Z' },
    });
    expect(nextRetryAt(run)).toBe(Date.parse('2026-03-01T10:07:00.000Z'));
  });

  it('is undefined when no task waits for a retry', () => {
    expect(nextRetryAt(runOf(plan({ T1: [], T2: ['T1'] })))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// applyVerdict
// ---------------------------------------------------------------------------------------------------------------

describe('applyVerdict', () => {
  // T3 needs T1 and T2; T4 needs T1 only; T5 needs T3.
  const p = plan({ T1: [], T2: [], T3: ['T1', 'T2'], T4: ['T1'], T5: ['T3'] });

  describe('what happens to the dependents', () => {
    const cases: Array<{ name: string; before: Record<string, TaskState>; id: string; verdict: TaskVerdict; after: Record<string, TaskState> }> = [
      {
        name: 'completed releases a dependent whose dependencies are all done',
        before: { T1: 'running' },
        id: 'T1',
        verdict: completed(),
        after: { T1: 'completed', T2: 'ready', T3: 'waiting', T4: 'ready', T5: 'waiting' },
      },
      {
        name: 'completed releases a dependent once its last dependency is done',
        before: { T1: 'completed', T2: 'verifying', T4: 'completed' },
        id: 'T2',
        verdict: completed(),
        after: { T1: 'completed', T2: 'completed', T3: 'ready', T4: 'completed', T5: 'waiting' },
      },
      {
        name: 'unverified (no verify command) also releases dependents',
        before: { T1: 'verifying' },
        id: 'T1',
        verdict: completed(false),
        after: { T1: 'unverified', T2: 'ready', T3: 'waiting', T4: 'ready', T5: 'waiting' },
      },
      {
        name: 'a skipped dependency holds its dependents: what they build on does not exist',
        before: { T1: 'skipped', T2: 'running' },
        id: 'T2',
        verdict: completed(),
        after: { T1: 'skipped', T2: 'completed', T3: 'waiting', T4: 'waiting', T5: 'waiting' },
      },
      {
        name: 'completing one task reconsiders every waiting task, not only its own dependents',
        before: { T1: 'completed', T2: 'running' },
        id: 'T2',
        verdict: completed(),
        after: { T1: 'completed', T2: 'completed', T3: 'ready', T4: 'ready', T5: 'waiting' },
      },
      {
        name: 'failed keeps its dependents waiting',
        before: { T1: 'completed', T2: 'running', T4: 'completed' },
        id: 'T2',
        verdict: failed(),
        after: { T1: 'completed', T2: 'failed', T3: 'waiting', T4: 'completed', T5: 'waiting' },
      },
      {
        name: 'blocked keeps its dependents waiting',
        before: { T1: 'ready' },
        id: 'T1',
        verdict: { kind: 'blocked', failure: 'conflict', reason: 'merging T0 into the base conflicts in src/a.ts', now: NOW },
        after: { T1: 'blocked', T2: 'ready', T3: 'waiting', T4: 'waiting', T5: 'waiting' },
      },
      {
        name: 'a retry keeps its dependents waiting',
        before: { T1: 'running' },
        id: 'T1',
        verdict: { kind: 'retry', reason: 'API Error: 529 overloaded_error', retryAt: '2026-03-01T10:01:00.000Z' },
        after: { T1: 'retrying', T2: 'ready', T3: 'waiting', T4: 'waiting', T5: 'waiting' },
      },
      {
        name: 'requeue puts the task back to ready',
        before: { T1: 'running' },
        id: 'T1',
        verdict: { kind: 'requeue', reason: 'Claude usage limit reached' },
        after: { T1: 'ready', T2: 'ready', T3: 'waiting', T4: 'waiting', T5: 'waiting' },
      },
      {
        name: 'stopped (timeout or stalled output) waits for a retry, its dependents still waiting',
        before: { T1: 'running' },
        id: 'T1',
        verdict: { kind: 'stopped', reason: 'no output for 10 minutes', retryAt: '2026-03-01T10:01:00.000Z' },
        after: { T1: 'retrying', T2: 'ready', T3: 'waiting', T4: 'waiting', T5: 'waiting' },
      },
      {
        name: 'verifying only changes the task itself',
        before: { T1: 'running' },
        id: 'T1',
        verdict: { kind: 'verifying' },
        after: { T1: 'verifying', T2: 'ready', T3: 'waiting', T4: 'waiting', T5: 'waiting' },
      },
    ];
    it.each(cases)('$name', ({ before, id, verdict, after }) => {
      const run = withStates(runOf(p), before);
      expect(statesOf(applyVerdict(run, p, id, verdict))).toEqual(after);
    });
  });

  it('completed records the commits, clears an earlier failure and notes uncommitted files', () => {
    const run = withStates(runOf(p), { T1: { state: 'verifying', failure: 'verify', reason: 'old reason' } });
    const next = applyVerdict(run, p, 'T1', completed(true, ['notes.txt', 'tmp.log']));
    expect(next.tasks.T1).toMatchObject({
      state: 'completed',
      verified: true,
      commits: [{ sha: 'c0ffee', subject: 'Do it' }],
      uncommitted: ['notes.txt', 'tmp.log'],
      reason: '2 uncommitted files left in the worktree',
      endedAt: NOW,
    });
    expect(next.tasks.T1!.failure).toBeUndefined();
  });

  it('completed without uncommitted files leaves no reason', () => {
    const next = applyVerdict(withStates(runOf(p), { T1: 'verifying' }), p, 'T1', completed(false));
    expect(next.tasks.T1).toMatchObject({ state: 'unverified', verified: false, uncommitted: [] });
    expect(next.tasks.T1!.reason).toBeUndefined();
  });

  it('failed records the failure, its reason and the end time', () => {
    const next = applyVerdict(withStates(runOf(p), { T1: 'verifying' }), p, 'T1', {
      kind: 'failed',
      failure: 'no commits',
      reason: 'the agent ended without committing',
      commits: [],
      uncommitted: ['src/half-done.ts'],
      now: NOW,
    });
    expect(next.tasks.T1).toMatchObject({
      state: 'failed',
      failure: 'no commits',
      reason: 'the agent ended without committing',
      commits: [],
      uncommitted: ['src/half-done.ts'],
      endedAt: NOW,
    });
  });

  it('failed without commits or uncommitted files keeps what the task already had', () => {
    const run = withStates(runOf(p), { T1: { state: 'running', commits: [{ sha: 'aaa', subject: 'earlier' }], uncommitted: ['x'] } });
    const next = applyVerdict(run, p, 'T1', failed('crash', 'Claude Code was killed by SIGKILL before reporting a result'));
    expect(next.tasks.T1).toMatchObject({ state: 'failed', failure: 'crash', commits: [{ sha: 'aaa', subject: 'earlier' }], uncommitted: ['x'] });
  });

  it('blocked records the failure and its reason', () => {
    const next = applyVerdict(runOf(p), p, 'T1', { kind: 'blocked', failure: 'conflict', reason: 'conflict in src/a.ts', now: NOW });
    expect(next.tasks.T1).toMatchObject({ state: 'blocked', failure: 'conflict', reason: 'conflict in src/a.ts', endedAt: NOW });
    expect(stateLabel(next.tasks.T1!)).toBe('blocked: conflict');
  });

  it('retry counts the transient failure and sets when to try again', () => {
    let run = withStates(runOf(p), { T1: 'running' });
    run = applyVerdict(run, p, 'T1', { kind: 'retry', reason: 'Request timed out', retryAt: '2026-03-01T10:00:30.000Z' });
    expect(run.tasks.T1).toMatchObject({ state: 'retrying', reason: 'Request timed out', retryAt: '2026-03-01T10:00:30.000Z', transientFailures: 1 });

    run = startAttempt(run, 'T1', attempt(2));
    expect(run.tasks.T1!.retryAt).toBeUndefined();
    expect(run.tasks.T1!.transientFailures).toBe(1);
    run = applyVerdict(run, p, 'T1', { kind: 'retry', reason: 'Request timed out', retryAt: '2026-03-01T10:01:30.000Z' });
    expect(run.tasks.T1).toMatchObject({ state: 'retrying', retryAt: '2026-03-01T10:01:30.000Z', transientFailures: 2 });
  });

  it('stopped counts the stop, not a transient failure, and sets when to try again', () => {
    let run = withStates(runOf(p), { T1: { state: 'running', transientFailures: 1 } });
    run = applyVerdict(run, p, 'T1', { kind: 'stopped', reason: 'the agent ran past its 30 minute timeout', retryAt: '2026-03-01T10:00:30.000Z' });
    expect(run.tasks.T1).toMatchObject({
      state: 'retrying',
      reason: 'the agent ran past its 30 minute timeout',
      retryAt: '2026-03-01T10:00:30.000Z',
      stops: 1,
      transientFailures: 1,
    });
    run = applyVerdict(startAttempt(run, 'T1', attempt(2)), p, 'T1', { kind: 'stopped', reason: 'no output', retryAt: NOW });
    expect(run.tasks.T1).toMatchObject({ stops: 2, transientFailures: 1 });
  });

  it('requeue keeps the transient failure count and records why', () => {
    const run = withStates(runOf(p), { T1: { state: 'running', transientFailures: 2 } });
    const next = applyVerdict(run, p, 'T1', { kind: 'requeue', reason: 'Claude Code is not logged in' });
    expect(next.tasks.T1).toMatchObject({ state: 'ready', reason: 'Claude Code is not logged in', transientFailures: 2 });
  });

  it('does not change the run it was given', () => {
    const run = withStates(runOf(p), { T1: 'running' });
    const snapshot = structuredClone(run);
    applyVerdict(run, p, 'T1', completed());
    applyVerdict(run, p, 'T1', failed());
    expect(run).toEqual(snapshot);
  });

  it('throws for a task that is not part of the run, naming it', () => {
    const run = runOf(p, { taskIds: ['T1'] });
    expect(() => applyVerdict(run, p, 'T2', completed())).toThrow('task T2 is not part of run 20260301-100000');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// startAttempt / endAttempt
// ---------------------------------------------------------------------------------------------------------------

describe('startAttempt / endAttempt', () => {
  const p = plan({ T1: [], T2: [] });

  it('starting an attempt runs the task, appends the attempt and advances nextAgent', () => {
    let run = runOf(p);
    run = startAttempt(run, 'T1', attempt(1));
    expect(run.nextAgent).toBe(2);
    expect(run.tasks.T1!.state).toBe('running');
    expect(run.tasks.T1!.attempts).toEqual([attempt(1)]);

    run = startAttempt(run, 'T2', attempt(2));
    expect(run.nextAgent).toBe(3);
    expect(run.tasks.T2!.attempts.map((a) => a.agent)).toEqual([2]);
  });

  it('nextAgent never goes back when an older agent number is recorded', () => {
    const run = startAttempt({ ...runOf(p), nextAgent: 7 }, 'T1', attempt(3));
    expect(run.nextAgent).toBe(7);
  });

  it('a new attempt clears the previous failure, reason, retryAt and retry request, and keeps earlier attempts', () => {
    let run = withStates(runOf(p), {
      T1: {
        state: 'retrying',
        failure: 'transient',
        reason: 'API Error: 529',
        retryAt: NOW,
        retryRequest: { context: 'use the v2 API', fresh: true },
        attempts: [attempt(1, { endedAt: NOW, outcome: 'transient' })],
        transientFailures: 1,
      },
    });
    run = startAttempt(run, 'T1', attempt(4));
    const entry = run.tasks.T1!;
    expect(entry.state).toBe('running');
    expect(entry.failure).toBeUndefined();
    expect(entry.reason).toBeUndefined();
    expect(entry.retryAt).toBeUndefined();
    expect(entry.retryRequest).toBeUndefined();
    expect(entry.transientFailures).toBe(1);
    expect(entry.attempts.map((a) => a.agent)).toEqual([1, 4]);
  });

  it('ending an attempt fills in the last attempt only', () => {
    let run = runOf(p);
    run = startAttempt(run, 'T1', attempt(1));
    run = endAttempt(run, 'T1', { outcome: 'transient', usage: usage(10, 1, 0.01, 1), endedAt: '2026-03-01T10:01:00.000Z' });
    run = startAttempt(run, 'T1', attempt(2));
    run = endAttempt(run, 'T1', { outcome: 'success', usage: usage(100, 20, 0.1, 4), endedAt: '2026-03-01T10:02:00.000Z' });
    expect(run.tasks.T1!.attempts).toEqual([
      { ...attempt(1), outcome: 'transient', usage: usage(10, 1, 0.01, 1), endedAt: '2026-03-01T10:01:00.000Z' },
      { ...attempt(2), outcome: 'success', usage: usage(100, 20, 0.1, 4), endedAt: '2026-03-01T10:02:00.000Z' },
    ]);
  });

  it('ending an attempt does not change the task state', () => {
    const run = endAttempt(startAttempt(runOf(p), 'T1', attempt(1)), 'T1', { outcome: 'success', endedAt: NOW });
    expect(run.tasks.T1!.state).toBe('running');
  });

  it('ending an attempt of a task without attempts changes nothing', () => {
    const run = runOf(p);
    const next = endAttempt(run, 'T1', { outcome: 'success', endedAt: NOW });
    expect(next.tasks.T1).toEqual(run.tasks.T1);
  });

  it('both throw for a task outside the run', () => {
    const run = runOf(p, { taskIds: ['T1'] });
    expect(() => startAttempt(run, 'T2', attempt(1))).toThrow(/task T2 is not part of run/);
    expect(() => endAttempt(run, 'T2', { outcome: 'success', endedAt: NOW })).toThrow(/task T2 is not part of run/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// isSettled / finalStatus
// ---------------------------------------------------------------------------------------------------------------

describe('isSettled / finalStatus', () => {
  // T2 depends on T1, T3 on T2; T4 is independent.
  const p = plan({ T1: [], T2: ['T1'], T3: ['T2'], T4: [] });

  const cases: Array<{ name: string; states: Record<string, TaskState>; stop?: boolean; settled: boolean; status?: RunState['status'] }> = [
    { name: 'a fresh run', states: {}, settled: false },
    { name: 'a task still running', states: { T1: 'completed', T2: 'completed', T3: 'running', T4: 'completed' }, settled: false },
    { name: 'a task still verifying', states: { T1: 'completed', T2: 'completed', T3: 'completed', T4: 'verifying' }, settled: false },
    { name: 'a task waiting for a retry', states: { T1: 'completed', T2: 'completed', T3: 'completed', T4: 'retrying' }, settled: false },
    { name: 'a task ready to start', states: { T1: 'completed', T2: 'completed', T3: 'ready', T4: 'completed' }, settled: false },
    {
      name: 'every task completed',
      states: { T1: 'completed', T2: 'completed', T3: 'completed', T4: 'completed' },
      settled: true,
      status: 'completed',
    },
    {
      name: 'completed, unverified and skipped tasks',
      states: { T1: 'completed', T2: 'unverified', T3: 'skipped', T4: 'unverified' },
      settled: true,
      status: 'completed',
    },
    {
      name: 'a failed task, with the tasks behind it still waiting',
      states: { T1: 'completed', T2: 'failed', T3: 'waiting', T4: 'completed' },
      settled: true,
      status: 'failed',
    },
    {
      name: 'a blocked task, with the tasks behind it still waiting',
      states: { T1: 'blocked', T2: 'waiting', T3: 'waiting', T4: 'unverified' },
      settled: true,
      status: 'failed',
    },
    { name: 'an interrupted task, which can start again', states: { T1: 'completed', T2: 'completed', T3: 'interrupted', T4: 'completed' }, settled: false },
    {
      name: 'a skipped task holds its dependents, so the run is not complete',
      states: { T1: 'skipped', T2: 'waiting', T3: 'waiting', T4: 'completed' },
      settled: true,
      status: 'failed',
    },
    {
      name: 'a stopped run ends stopped even when every task completed',
      states: { T1: 'completed', T2: 'completed', T3: 'completed', T4: 'completed' },
      stop: true,
      settled: true,
      status: 'stopped',
    },
    {
      name: 'a stopped run with a failed task ends stopped',
      states: { T1: 'failed', T2: 'waiting', T3: 'waiting', T4: 'completed' },
      stop: true,
      settled: true,
      status: 'stopped',
    },
  ];
  it.each(cases)('$name', ({ states, stop, settled, status }) => {
    let run = withStates(runOf(p), states);
    if (stop) run = { ...run, stop: { message: 'Claude Code is not logged in', hint: 'Run `claude` and log in' } };
    expect(isSettled(run)).toBe(settled);
    // A settled run has a final status, and every settled case names it; an unsettled one has none yet.
    expect(settled ? finalStatus(run) : undefined).toBe(status);
  });

  it('a failed run, played through the transitions', () => {
    let run = runOf(p, { concurrency: 2 });
    const now = new Date(NOW);
    expect(tasksToDispatch(run, p, now).map((t) => t.id)).toEqual(['T1', 'T4']);
    run = startAttempt(run, 'T1', attempt(1));
    run = startAttempt(run, 'T4', attempt(2));
    run = applyVerdict(run, p, 'T4', completed());
    run = applyVerdict(run, p, 'T1', completed(false));
    expect(statesOf(run)).toEqual({ T1: 'unverified', T2: 'ready', T3: 'waiting', T4: 'completed' });
    run = startAttempt(run, 'T2', attempt(3));
    run = applyVerdict(run, p, 'T2', failed('max turns', 'the agent reached its maximum number of turns'));
    expect(tasksToDispatch(run, p, now)).toEqual([]);
    expect(isSettled(run)).toBe(true);
    expect(finalStatus(run)).toBe('failed');
    expect(blockersOf(run, p, 'T3')).toEqual(['T2']);
    expect(run.nextAgent).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// countsByState, usage
// ---------------------------------------------------------------------------------------------------------------

describe('countsByState', () => {
  it('counts the tasks in each state, leaving out states no task is in', () => {
    const run = withStates(runOf(plan({ T1: [], T2: [], T3: ['T1'], T4: ['T1'], T5: [] })), { T1: 'failed', T2: 'completed', T5: 'running' });
    expect(countsByState(run)).toEqual({ failed: 1, completed: 1, waiting: 2, running: 1 });
  });

  it('is empty for a run without tasks', () => {
    expect(countsByState(runOf(plan({}), { taskIds: [] }))).toEqual({});
  });
});

describe('usage', () => {
  it('addUsage adds each field and keeps the cost to a millionth of a dollar', () => {
    expect(addUsage(usage(100, 20, 0.1, 2), usage(50, 5, 0.2, 3))).toEqual(usage(150, 25, 0.3, 5));
    expect(addUsage(usage(0, 0, 0.0000004, 0), usage(0, 0, 0.0000004, 0)).costUsd).toBe(0.000001);
    expect(addUsage(ZERO_USAGE, ZERO_USAGE)).toEqual(ZERO_USAGE);
  });

  it('taskUsage sums the attempts that report usage', () => {
    const entry: TaskRun = {
      state: 'completed',
      transientFailures: 1,
      attempts: [
        attempt(1, { usage: usage(400, 80, 0.004, 4), outcome: 'transient' }),
        attempt(2, { outcome: 'crash' }), // no usage recorded
        attempt(3, { usage: usage(600, 120, 0.006, 6), outcome: 'success' }),
      ],
    };
    expect(taskUsage(entry)).toEqual(usage(1000, 200, 0.01, 10));
  });

  it('taskUsage of a task that never started is zero', () => {
    expect(taskUsage({ state: 'waiting', attempts: [], transientFailures: 0 })).toEqual(ZERO_USAGE);
  });

  it('runUsage sums every task', () => {
    const run = withStates(runOf(plan({ T1: [], T2: [], T3: [] })), {
      T1: { attempts: [attempt(1, { usage: usage(400, 80, 0.004, 4) })] },
      T2: { attempts: [attempt(2, { usage: usage(100, 10, 0.001, 1) }), attempt(3, { usage: usage(200, 20, 0.002, 2) })] },
    });
    expect(runUsage(run)).toEqual(usage(700, 110, 0.007, 7));
    expect(runUsage(runOf(plan({ T1: [] })))).toEqual(ZERO_USAGE);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// blockersOf
// ---------------------------------------------------------------------------------------------------------------

describe('blockersOf', () => {
  // T3 needs T1 and T2; T4 needs T3; T0 is outside the run.
  const p = plan({ T0: [], T1: [], T2: [], T3: ['T0', 'T1', 'T2'], T4: ['T3'] });
  const run = (states: Record<string, TaskState>) => withStates(runOf(p, { taskIds: ['T1', 'T2', 'T3', 'T4'] }), states);

  const cases: Array<{ name: string; states: Record<string, TaskState>; id: string; expected: string[] }> = [
    { name: 'a failed task is held by itself', states: { T1: 'failed' }, id: 'T1', expected: ['T1'] },
    { name: 'a blocked task is held by itself', states: { T1: 'blocked' }, id: 'T1', expected: ['T1'] },
    { name: 'a waiting task is held by its unfinished dependencies in the run', states: { T1: 'failed', T2: 'running' }, id: 'T3', expected: ['T1', 'T2'] },
    { name: 'done dependencies do not hold', states: { T1: 'completed', T2: 'failed' }, id: 'T3', expected: ['T2'] },
    { name: 'unverified dependencies do not hold', states: { T1: 'unverified', T2: 'completed', T3: 'waiting' }, id: 'T3', expected: [] },
    { name: 'a skipped dependency holds', states: { T1: 'skipped', T2: 'completed', T3: 'waiting' }, id: 'T3', expected: ['T1'] },
    { name: 'an interrupted task is held by itself', states: { T1: 'interrupted' }, id: 'T1', expected: ['T1'] },
    { name: 'only direct dependencies are named', states: { T1: 'failed' }, id: 'T4', expected: ['T3'] },
    { name: 'a running task is held by nothing', states: { T1: 'running' }, id: 'T1', expected: [] },
    { name: 'a completed task is held by nothing', states: { T1: 'completed' }, id: 'T1', expected: [] },
    { name: 'a task outside the run is held by nothing', states: {}, id: 'T0', expected: [] },
    { name: 'an unknown task is held by nothing', states: {}, id: 'T9', expected: [] },
  ];
  it.each(cases)('$name', ({ states, id, expected }) => {
    expect(blockersOf(run(states), p, id)).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// backoffMs, stateLabel, runIdFor
// ---------------------------------------------------------------------------------------------------------------

describe('backoffMs', () => {
  it.each([
    [0, 30_000],
    [1, 60_000],
    [2, 120_000],
    [3, 240_000],
    [5, 960_000],
  ])('after %i failure(s) waits %i ms with a 30 s base', (failures, expected) => {
    expect(backoffMs(30_000, failures)).toBe(expected);
  });
});

describe('stateLabel', () => {
  const cases: Array<{ state: TaskState; failure?: Failure; label: string }> = [
    { state: 'failed', failure: 'verify', label: 'failed: verify' },
    { state: 'failed', failure: 'no commits', label: 'failed: no commits' },
    { state: 'failed', failure: 'transient', label: 'failed: transient' },
    { state: 'blocked', failure: 'conflict', label: 'blocked: conflict' },
    { state: 'failed', label: 'failed' },
    { state: 'unverified', label: 'completed: unverified' },
    { state: 'completed', label: 'completed' },
    { state: 'skipped', label: 'skipped' },
    { state: 'waiting', label: 'waiting' },
    { state: 'running', label: 'running' },
    // A failure left over from an earlier attempt is not shown on a task that moved on.
    { state: 'retrying', failure: 'transient', label: 'retrying' },
    { state: 'ready', failure: 'verify', label: 'ready' },
  ];
  it.each(cases)('$state with failure $failure → "$label"', ({ state, failure, label }) => {
    expect(stateLabel({ state, failure })).toBe(label);
  });

  it('a task completed by hand (xplan done) says so', () => {
    const forced = { by: 'ana', reason: 'fixed on main', at: NOW };
    expect(stateLabel({ state: 'completed', forced })).toBe('completed: by hand');
    expect(stateLabel({ state: 'unverified', forced })).toBe('completed: unverified');
    expect(stateLabel({ state: 'failed', failure: 'verify', forced })).toBe('failed: verify');
  });
});

describe('runIdFor', () => {
  const cases: Array<{ date: string; id: string }> = [
    { date: '2026-11-23T11:45:02.987Z', id: '20261123-114502' },
    { date: '2026-01-01T00:00:00.000Z', id: '20260101-000000' },
    { date: '2025-12-31T23:59:59.999Z', id: '20251231-235959' },
  ];
  it.each(cases)('$date → $id', ({ date, id }) => {
    expect(runIdFor(new Date(date))).toBe(id);
  });

  it('uses UTC, whatever the local time zone', () => {
    // 23:30 on Jan 1 at UTC-5 is 04:30 UTC on Jan 2.
    expect(runIdFor(new Date('2026-01-01T23:30:00-05:00'))).toBe('20260102-043000');
  });

  it('is a valid git ref component and sorts by time', () => {
    const ids = ['2026-03-01T09:59:59Z', '2026-03-01T10:00:00Z', '2026-03-02T00:00:00Z', '2027-01-01T00:00:00Z'].map((d) => runIdFor(new Date(d)));
    for (const id of ids) {
      expect(id).toMatch(/^\d{8}-\d{6}$/);
      // git check-ref-format: no '..', no control chars, no space ~ ^ : ? * [ \, no leading '.', no '.lock' end, no '@{'.
      expect(id).not.toMatch(/[\s~^:?*[\\]|\.\.|@\{|^\.|\.lock$|\/|^-/);
    }
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('DONE_STATES', () => {
  it('holds exactly the states that let dependents start (not skipped)', () => {
    expect([...DONE_STATES].sort()).toEqual(['completed', 'unverified']);
  });
});
