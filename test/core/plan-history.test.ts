/**
 * The conflict history is an input of planning: tasks predicted to touch a file that conflicted in an earlier run
 * are ordered, with the reason, in the one derivation that makes the plan; an edit, which passes no history, keeps
 * what the lead decided.
 */
import { describe, expect, it } from 'vitest';
import { derivePlan, type PlanCore } from '../../src/core/plan/plan-derive.js';
import type { ConflictRecord } from '../../src/core/run/reservations.js';
import { task } from '../support/plan-builder.js';

const SETTINGS = { concurrency: 2, minHoursPerTask: 1, tinyTaskRatio: 1 };
const history: ConflictRecord[] = [
  { run: '20261201-100000', tasks: ['T2', 'T1'], files: ['src/greeting.txt'], at: '2026-12-01T10:00:00.000Z' },
  { run: '20261202-090000', tasks: ['T3', 'T1'], files: ['src/greeting.txt'], at: '2026-12-02T09:00:00.000Z' },
];

function core(): PlanCore {
  const tasks = [
    { ...task('T1'), files: ['src/greeting.txt'] },
    { ...task('T2'), files: ['src/*.txt'] },
    { ...task('T3'), files: ['docs/**'] },
  ];
  return { planId: 'p-1', branching: 'feature', spec: { paths: ['spec.md'], title: 'Greeting' }, tasks, streams: [], warnings: [{ code: 'ENGINE_CHECK', message: 'kept', tasks: [] }] };
}

describe('derivePlan with a conflict history', () => {
  it('orders the tasks that touch a hot file, says why, and computes waves and parallelism from the ordered graph', () => {
    const plan = derivePlan(core(), { ...SETTINGS, conflictHistory: history });
    expect(plan.tasks.map((t) => [t.id, t.dependsOn, t.wave])).toEqual([
      ['T1', [], 1],
      ['T2', ['T1'], 2],
      ['T3', [], 1],
    ]);
    expect(plan.summary.waves).toBe(2);
    expect(plan.summary.criticalPath).toEqual(['T1', 'T2']);
    expect(plan.warnings.map((w) => [w.code, w.message])).toEqual([
      ['ENGINE_CHECK', 'kept'],
      ['CONFLICT_HISTORY', 'T2 now runs after T1: src/greeting.txt conflicted in runs 20261201-100000, 20261202-090000'],
    ]);
  });

  it('without a history (an edit), the tasks stay as the lead left them', () => {
    const plan = derivePlan(core(), SETTINGS);
    expect(plan.tasks.map((t) => t.dependsOn)).toEqual([[], [], []]);
    expect(plan.summary.waves).toBe(1);
    // The two still share a file, and the plan says so.
    expect(plan.warnings.map((w) => w.code)).toEqual(['ENGINE_CHECK', 'FILE_OVERLAP']);
  });

  it('an ordering the plan already has is not added again', () => {
    const ordered = core();
    ordered.tasks[1] = { ...ordered.tasks[1]!, dependsOn: ['T1'] };
    const plan = derivePlan(ordered, { ...SETTINGS, conflictHistory: history });
    expect(plan.tasks[1]!.dependsOn).toEqual(['T1']);
    expect(plan.warnings.map((w) => w.code)).toEqual(['ENGINE_CHECK']);
  });
});
