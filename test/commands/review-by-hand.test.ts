/**
 * `xplan review T3` in-process: real git, fake agents, a scripted reviewer and a virtual clock. A review run by hand
 * is kept on the task; a held task it accepts is merged on resume; refusals change nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reporters } from '../../src/cli/reporters.js';
import { review } from '../../src/commands/review.js';
import { plainTheme } from '../../src/ui/theme.js';
import { FakeReviewer } from '../support/fake-ports.js';
import { eventsOf, harness } from '../support/run-harness.js';

const stateText = (repo: string) => readFileSync(join(repo, '.xplan/state.json'), 'utf8');

describe('xplan review, in-process', () => {
  it('a held task accepted by a review run by hand goes to the merge queue and is merged on resume; its dependent runs', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] }, review: (id, call) => (id === 'T1' && call === 1 ? { verdicts: ['cannot-tell'] } : undefined) });
    const first = await h.start();
    expect(first.status.tasks.map((t) => t.label)).toEqual(['held: review', 'waiting']);

    const result = await review({ taskId: 'T1', reviewer: h.reviewer }, h.ws);
    expect(result.review.outcome).toBe('accepted');
    expect(result.requeued).toBe(true);
    expect(result.control.next).toBe('Merge it with `xplan resume`.');
    const saved = JSON.parse(stateText(h.repo)).run.tasks.T1;
    expect(saved.reviews.map((r: { outcome: string }) => r.outcome)).toEqual(['uncertain', 'accepted']);
    expect(saved.reviewUsage.costUsd).toBeCloseTo(0.004);
    expect(saved.merge).toEqual({ state: 'queued' });
    const printed = await (await reporters.review()).text(result, plainTheme);
    expect(printed).toContain('Review of T1 (attempt 1): accepted, 1/1 criteria met');
    expect(printed).toContain('T1 is accepted by its review and waits in the merge queue.');
    expect(printed).toContain('→ Merge it with `xplan resume`.');
    expect((await reporters.review()).json(result)).toMatchObject({ schemaVersion: 1, taskId: 'T1', outcome: 'accepted', requeued: true });

    const { status } = await h.resume();
    expect(status.tasks.map((t) => [t.id, t.label, t.merge])).toEqual([
      ['T1', 'completed', 'merged'],
      ['T2', 'completed', 'merged'],
    ]);
    expect(eventsOf(h.events, 'task.merged').map((e) => e.taskId)).toEqual(['T1', 'T2']);
  });

  it('a rejected review is kept, the held task stays held, and the next step is a retry', async () => {
    const h = harness({ tasks: { T1: [] }, review: () => ({ verdicts: ['cannot-tell'] }) });
    await h.start();
    const rejecting = new FakeReviewer(h.clock, () => ({ verdicts: ['not-met'] }));
    const result = await review({ taskId: 'T1', reviewer: rejecting }, h.ws);
    expect(result).toMatchObject({ requeued: false, control: { next: 'Run it again with `xplan retry T1`.' } });
    expect(result.control.message).toContain('stays held');
    const saved = JSON.parse(stateText(h.repo)).run.tasks.T1;
    expect(saved.state).toBe('held');
    expect(saved.reviews.map((r: { outcome: string }) => r.outcome)).toEqual(['uncertain', 'rejected']);
  });

  it('refuses an unknown task, a task with no work yet, and a review that cannot run, writing nothing', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] }, review: () => ({ verdicts: ['cannot-tell'] }) });
    await h.start();
    const before = stateText(h.repo);
    await expect(review({ taskId: 'T9', reviewer: h.reviewer }, h.ws)).rejects.toMatchObject({ code: 'RUN_CONTROL', exitCode: 2, message: 'Task T9 is not part of run ' + JSON.parse(before).run.id });
    await expect(review({ taskId: 'T2', reviewer: h.reviewer }, h.ws)).rejects.toMatchObject({ code: 'RUN_CONTROL', exitCode: 2, message: 'T2 has no work to review yet (waiting)' });
    const loggedOut = new FakeReviewer(h.clock, () => ({ fails: 'not-authenticated' }));
    await expect(review({ taskId: 'T1', reviewer: loggedOut }, h.ws)).rejects.toMatchObject({ code: 'REVIEW_FAILED', exitCode: 2, message: 'The review could not run: not-authenticated' });
    expect(stateText(h.repo)).toBe(before);
  });
});
