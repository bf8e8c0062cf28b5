/**
 * The acceptance review inside a run, in-process: real git, fake agents, a scripted reviewer and a virtual clock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitVcs } from '../../src/adapters/tools/git.js';
import { renderStatus } from '../../src/ui/render-status.js';
import { plainTheme } from '../../src/ui/theme.js';
import type { FakeAgentRecord } from '../support/fake-ports.js';
import { eventsOf, harness } from '../support/run-harness.js';

const state = (repo: string) => JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8'));

function promptOf(agent: FakeAgentRecord): string {
  const spec = JSON.parse(readFileSync(join(agent.dir, 'agent.json'), 'utf8')) as { stdin: string };
  return readFileSync(join(agent.dir, spec.stdin), 'utf8');
}

describe('the acceptance review in a run, in-process', () => {
  it('all criteria met: the task is merged, its review kept on it, and its cost counted apart from the agent’s', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] } });
    const { status } = await h.start();
    expect(status.tasks.map((t) => [t.id, t.label, t.merge])).toEqual([
      ['T1', 'completed', 'merged'],
      ['T2', 'completed', 'merged'],
    ]);
    expect(h.reviewer.calls.map((c) => [c.taskId, c.attempt])).toEqual([
      ['T1', 1],
      ['T2', 1],
    ]);
    const reviewed = eventsOf(h.events, 'task.reviewed');
    expect(reviewed.map((e) => [e.taskId, e.outcome, e.met, e.total])).toEqual([
      ['T1', 'accepted', 1, 1],
      ['T2', 'accepted', 1, 1],
    ]);
    // Reviewed before merged, each.
    const types = h.events.filter((e) => e.taskId === 'T1').map((e) => e.type);
    expect(types.indexOf('task.reviewed')).toBeLessThan(types.indexOf('task.merging'));
    const saved = state(h.repo).run.tasks.T1;
    expect(saved.reviews).toHaveLength(1);
    expect(saved.reviews[0].verdicts[0]).toMatchObject({ index: 1, criterion: 'T1 is done', verdict: 'met' });
    expect(status.tasks[0]!.review).toMatchObject({ outcome: 'accepted', met: 1, total: 1 });
    expect(status.tasks[0]!.usage.review.costUsd).toBe(0.002);
    expect(status.usage.review.costUsd).toBe(0.004);
    expect(status.usage.costUsd).toBe(0.02); // the agents' alone
  });

  it('a criterion not met: one automatic retry continues the branch with the review as its context, and merges once met', async () => {
    const h = harness({ tasks: { T1: [] }, review: (id, call) => (call === 1 ? { verdicts: ['not-met'] } : undefined) });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', merge: 'merged', attempt: 2 });
    expect(h.reviewer.calls.map((c) => c.attempt)).toEqual([1, 2]);
    const second = promptOf(h.agents.started[1]!);
    expect(second).toContain('A review of the previous attempt found these criteria not met:');
    expect(second).toContain('1. T1 is done');
    expect(second).toContain('criterion 1 is not-met (src/t1.ts:1)');
    expect(promptOf(h.agents.started[0]!)).not.toContain('A review of the previous attempt');
    expect(eventsOf(h.events, 'task.reviewed').map((e) => e.outcome)).toEqual(['rejected', 'accepted']);
  });

  it('not met twice: failed: review with the criterion named, and its dependent is never dispatched', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] }, review: () => ({ verdicts: ['not-met'] }) });
    const { status } = await h.start();
    expect(status.run.status).toBe('failed');
    expect(status.tasks[0]).toMatchObject({ label: 'failed: review', reason: 'review: 0 of 1 criteria met; not met: 1 (criterion 1 is not-met)', merge: null });
    expect(status.tasks[1]!.state).toBe('waiting');
    expect(h.agents.tasksInOrder()).toEqual(['T1', 'T1']);
    expect(state(h.repo).run.integration.head).toBe(state(h.repo).run.base.commit);
    // status names the criterion, with the reviewer's reasoning and evidence.
    const text = renderStatus(status, plainTheme);
    expect(text).toContain('review 0/1');
    expect(text).toContain('Review of T1 (attempt 2): 0/1 criteria met');
    expect(text).toContain('✗ not met 1. T1 is done · criterion 1 is not-met (src/t1.ts:1)');
  });

  it('cannot tell: held for the lead and not merged; with review.onUncertain: merge it is merged', async () => {
    const held = harness({ tasks: { T1: [], T2: ['T1'] }, review: () => ({ verdicts: ['cannot-tell'] }) });
    const { status } = await held.start();
    expect(status.tasks.map((t) => [t.label, t.merge])).toEqual([
      ['held: review', null],
      ['waiting', null],
    ]);
    expect(status.tasks[0]!.reason).toMatch(/^review: 0 of 1 criteria met; cannot tell: 1/);
    expect(eventsOf(held.events, 'task.held').map((e) => e.taskId)).toEqual(['T1']);
    expect(held.agents.started).toHaveLength(1);

    const merged = harness({ tasks: { T1: [] }, config: ['review:', '  onUncertain: merge'], review: () => ({ verdicts: ['cannot-tell'] }) });
    expect((await merged.start()).status.tasks[0]).toMatchObject({ label: 'completed', merge: 'merged' });
  });

  it('a review that could not run is tried again with the run’s backoff, never counted as met, then merges', async () => {
    const h = harness({ tasks: { T1: [] }, review: (id, call) => (call === 1 ? { fails: 'timeout' } : undefined) });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', merge: 'merged', attempt: 1 });
    const [retrying] = eventsOf(h.events, 'task.review-retrying');
    const [reviewed] = eventsOf(h.events, 'task.reviewed');
    expect(Date.parse(reviewed!.at) - Date.parse(retrying!.at)).toBeGreaterThanOrEqual(1000); // run.backoffSeconds: 1
    expect(status.tasks[0]!.usage.review.costUsd).toBe(0.004); // the failed call cost too
  });

  it('a review that keeps failing to run fails the task after run.retries: failed: review', async () => {
    const h = harness({ tasks: { T1: [] }, runConfig: ['retries: 1'], review: () => ({ fails: 'transient' }) });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'failed: review', merge: null });
    expect(h.reviewer.calls).toHaveLength(2);
  });

  it('not logged in for the review: dispatching stops like an agent’s, and resume reviews the task', async () => {
    const h = harness({ tasks: { T1: [], T2: [] }, runConfig: ['concurrency: 1'], review: (id, call) => (call === 1 && id === 'T1' ? { fails: 'not-authenticated' } : undefined) });
    const first = await h.start();
    expect(first.status.run.status).toBe('stopped');
    // T2 ran while T1 waited for its review; its own review waits for the login too.
    expect(first.status.tasks.map((t) => t.state)).toEqual(['reviewing', 'reviewing']);
    const { status } = await h.resume();
    expect(status.tasks.map((t) => t.label)).toEqual(['completed', 'completed']);
    expect(h.agents.tasksInOrder()).toEqual(['T1', 'T2']);
  });

  it('a crash between the review and the merge: resume does not review again, and merges', async () => {
    let hang = true;
    const vcs = { ...gitVcs };
    vcs.mergeBranches = (worktree, branches, message) => (hang ? new Promise(() => {}) : gitVcs.mergeBranches(worktree, branches, message));
    const h = harness({ tasks: { T1: [] } });
    const sleep = h.clock.sleep.bind(h.clock);
    h.clock.sleep = (ms) => (hang && h.events.some((e) => e.type === 'task.reviewed') ? Promise.reject(new Error('killed')) : sleep(ms));
    await expect(h.start({ ports: { agents: h.agents, verifier: h.verifier, clock: h.clock, reviewer: h.reviewer, vcs } })).rejects.toThrow('killed');
    expect(state(h.repo).run.tasks.T1.reviews).toHaveLength(1);
    hang = false;
    h.clock.sleep = sleep;
    const { status } = await h.resume();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', merge: 'merged' });
    expect(h.reviewer.calls).toHaveLength(1);
  });

  it('a crash while the review runs: resume reviews the verified task, once', async () => {
    const h = harness({ tasks: { T1: [] } });
    const review = h.reviewer.review.bind(h.reviewer);
    let crash = true;
    h.reviewer.review = (request) => (crash ? new Promise(() => {}) : review(request));
    const sleep = h.clock.sleep.bind(h.clock);
    h.clock.sleep = (ms) => (crash && h.events.some((e) => e.type === 'task.reviewing') ? Promise.reject(new Error('killed')) : sleep(ms));
    await expect(h.start()).rejects.toThrow('killed');
    expect(state(h.repo).run.tasks.T1.state).toBe('reviewing');
    crash = false;
    h.clock.sleep = sleep;
    const { status } = await h.resume();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', merge: 'merged' });
    expect(h.reviewer.calls).toHaveLength(1);
    expect(h.agents.started).toHaveLength(1);
  });

  it('--no-review: nothing is reviewed, and a task waiting for its review goes to the merge queue', async () => {
    const h = harness({ tasks: { T1: [] } });
    const { status } = await h.start({ noReview: true });
    expect(status.tasks[0]).toMatchObject({ label: 'completed', merge: 'merged' });
    expect(h.reviewer.calls).toHaveLength(0);
  });
});
