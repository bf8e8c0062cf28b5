import { describe, expect, it } from 'vitest';
import { newRun, withTask, type RunState, type TaskRun } from '../../src/core/run/run.js';
import { statusOf } from '../../src/core/run/run-status.js';
import { plan } from '../support/plan-builder.js';

const runOf = (p: ReturnType<typeof plan>, states: Record<string, Partial<TaskRun>>): RunState => {
  let run = newRun({ id: 'r1', now: '2026-12-01T10:00:00.000Z', plan: p, taskIds: p.tasks.map((t) => t.id), base: { commit: 'abc', branch: 'main' }, concurrency: 2, verify: null, planHash: 'h' });
  for (const [id, fields] of Object.entries(states)) run = withTask(run, id, (t) => ({ ...t, ...fields }));
  return run;
};

describe('status: what blocks what, and the command that moves it on', () => {
  it('a failed task is named with its state, not as waiting on itself', () => {
    const p = plan({ T1: [], T2: ['T1'] });
    const status = statusOf(p, runOf(p, { T1: { state: 'failed', failure: 'verify' } }));
    expect(status.blockers).toEqual([
      { task: 'T1', waitingOn: ['T1'], next: 'xplan logs T1, then xplan retry T1 (or xplan skip T1)' },
      { task: 'T2', waitingOn: ['T1'], next: 'xplan logs T1, then xplan retry T1 (or xplan skip T1)' },
    ]);
  });

  it('a task waiting on a skipped task is told how to release it', () => {
    const p = plan({ T1: [], T2: ['T1'] });
    const status = statusOf(p, runOf(p, { T1: { state: 'skipped' } }));
    expect(status.blockers).toEqual([{ task: 'T2', waitingOn: ['T1'], next: 'T1 was skipped: xplan retry T1, or xplan done T1 --reason "…", or xplan skip T2' }]);
  });

  it('an interrupted task needs resume', () => {
    const p = plan({ T1: [] });
    const status = statusOf(p, runOf(p, { T1: { state: 'interrupted' } }));
    expect(status.blockers[0]!.next).toBe('xplan resume (the agent continues in its worktree)');
  });

  it('does not break when the plan and the run disagree (the plan was edited after the run)', () => {
    const old = plan({ T1: [], T2: ['T1'], T3: [] });
    const run = runOf(old, { T1: { state: 'completed' } });
    const edited = plan({ T1: [], T4: ['T1'] });
    const status = statusOf(edited, run);
    expect(status.tasks.map((t) => [t.id, t.title])).toEqual([
      ['T1', 'Task T1'],
      ['T2', 'T2'],
      ['T3', 'T3'],
    ]);
  });
});

describe('status as text', () => {
  it('dates the run in the one date style, says how long ago, and how long it took', async () => {
    const { renderStatus } = await import('../../src/ui/render-status.js');
    const { plainTheme } = await import('../../src/ui/theme.js');
    const { formatDate } = await import('../../src/ui/time-format.js');
    const p = plan({ T1: [] });
    const run = { ...runOf(p, { T1: { state: 'completed' } }), status: 'completed' as const, endedAt: '2026-12-01T10:01:32.000Z' };
    const text = renderStatus(statusOf(p, run), plainTheme, new Date('2026-12-01T10:05:00.000Z'));
    expect(text.split('\n')[0]).toBe(`Run r1 · completed · started ${formatDate('2026-12-01T10:00:00.000Z')} (5m00s ago) · took 1m32s`);
  });
});
