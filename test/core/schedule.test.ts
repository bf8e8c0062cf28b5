/**
 * What a plan says about running it: efficiency from the schedule a run would follow (not a bound), the direct
 * edges a reader and the graphs see, and the warnings for implied edges and for files two parallel tasks share.
 */
import { describe, expect, it } from 'vitest';
import type { Effort } from '../../src/core/plan/effort.js';
import { derivePlan } from '../../src/core/plan/plan-derive.js';
import type { Task } from '../../src/core/plan/plan.js';
import { concurrentPairs, listScheduleHours, mergeStreamsSharingFiles, transitiveReduction } from '../../src/core/plan/schedule.js';
import { globsOverlap } from '../../src/core/glob.js';
import { task } from '../support/plan-builder.js';

const t = (id: string, dependsOn: string[], effort: Effort = 'M', files: string[] = []): Task => ({ ...task(id, dependsOn), effort, files });

function derive(tasks: Task[], concurrency = 3) {
  return derivePlan({ planId: 'p', branching: 'feature', spec: { paths: ['spec.md'], title: 'Spec' }, tasks, streams: [] }, { concurrency, minHoursPerTask: 1.5, tinyTaskRatio: 0.3 });
}

describe('the list schedule', () => {
  it('is what a run at N agents does: a first wave of one task leaves agents idle', () => {
    // T1 (2 h) first, then three tasks of 2 h: 4 h at 3 agents for 8 h of work, not max(2 + 2, 8 / 3).
    const tasks = [t('T1', []), t('T2', ['T1']), t('T3', ['T1']), t('T4', ['T1'])];
    expect(listScheduleHours(tasks, 3)).toBe(4);
    expect(derive(tasks).summary.parallelEfficiency).toBe(Math.round((8 / (4 * 3)) * 100) / 100);
  });

  it('starts the task with the longest path behind it first, and matches a hand schedule at 2 agents', () => {
    // A (1 h) → C (8 h); B (4 h); D (4 h). Two agents: A and B at 0; C at 1 (ends 9); D at 4 (ends 8): 9 h.
    const tasks = [t('B', [], 'L'), t('D', [], 'L'), t('A', [], 'S'), t('C', ['A'], 'XL')];
    expect(listScheduleHours(tasks, 2)).toBe(9);
    expect(listScheduleHours(tasks, 1)).toBe(17);
    const plan = derive(tasks, 2);
    expect(plan.summary.parallelEfficiency).toBe(Math.round((17 / (9 * 2)) * 100) / 100);
  });
});

describe('direct edges', () => {
  const tasks = [t('T1', []), t('T2', ['T1']), t('T3', ['T2', 'T1']), t('T10', ['T3', 'T1', 'T2'])];

  it('keep only the edges no other path implies, in id order', () => {
    const { direct, redundant } = transitiveReduction(tasks);
    expect([...direct.entries()]).toEqual([
      ['T1', []],
      ['T2', ['T1']],
      ['T3', ['T2']],
      ['T10', ['T3']],
    ]);
    expect(redundant).toEqual([
      { task: 'T3', dependency: 'T1', via: 'T2' },
      { task: 'T10', dependency: 'T1', via: 'T2' },
      { task: 'T10', dependency: 'T2', via: 'T3' },
    ]);
  });

  it('are what the plan warns about, naming each implied edge and the path that implies it', () => {
    const warning = derive(tasks).warnings.find((w) => w.code === 'REDUNDANT_EDGE');
    expect(warning?.message).toBe('3 dependencies are implied by others and can go: T3 → T1 (already through T2), T10 → T1 (already through T2), T10 → T2 (already through T3)');
    expect(derive([t('T1', []), t('T2', ['T1'])]).warnings.map((w) => w.code)).not.toContain('REDUNDANT_EDGE');
  });
});

describe('tasks that may run at the same time', () => {
  it('are pairs where neither depends on the other, however far', () => {
    const tasks = [t('T1', []), t('T2', ['T1']), t('T3', ['T1']), t('T4', ['T2'])];
    expect(concurrentPairs(tasks, () => true).map(([a, b]) => `${a.id}|${b.id}`)).toEqual(['T2|T3', 'T3|T4']);
  });

  it('are ordered by a path through tasks that name no files: no overlap warning for them', () => {
    const tasks = [t('T1', [], 'M', ['src/db.ts']), t('T2', ['T1']), t('T3', ['T2'], 'M', ['src/db.ts'])];
    expect(derive(tasks).warnings.filter((w) => w.code === 'FILE_OVERLAP')).toEqual([]);
  });

  it('get a warning when they touch the same files, naming both tasks, the files and the edge that would fix it', () => {
    const tasks = [
      t('T1', [], 'M', ['package.json']),
      t('T2', ['T1'], 'M', ['src/api/*.ts', 'README.md']),
      t('T3', ['T1'], 'M', ['src/api/routes.ts', 'README.md']),
      t('T4', ['T3'], 'M', ['src/ui/app.ts']),
    ];
    const overlaps = derive(tasks).warnings.filter((w) => w.code === 'FILE_OVERLAP');
    expect(overlaps).toEqual([
      { code: 'FILE_OVERLAP', message: 'T2 and T3 may run at the same time and both touch src/api/*.ts, README.md; make T3 depend on T2, or merge them', tasks: ['T2', 'T3'] },
    ]);
  });
});

describe('streams', () => {
  it('that touch the same files are one stream; a test task’s files do not join its stream to another', () => {
    const tasks = [
      { id: 'T1', stream: 'A', files: ['package.json', 'src/db.ts'] },
      { id: 'T2', stream: 'B', files: ['src/api/*.ts'] },
      { id: 'T3', stream: 'C', files: ['src/api/routes.ts'] },
      { id: 'T4', stream: 'D', files: ['src/ui/app.tsx'] },
      { id: 'T5', stream: 'E', files: ['src/db.ts'], kind: 'test' },
    ];
    const streams = ['A', 'B', 'C', 'D', 'E'].map((id, i) => ({ id, name: ['data', 'api', 'routes', 'ui', 'tests'][i]!, tasks: [`T${i + 1}`] }));
    const { streams: merged, streamOf } = mergeStreamsSharingFiles(tasks, streams, globsOverlap);
    expect(merged.map((s) => [s.id, s.name, s.tasks])).toEqual([
      ['A', 'data', ['T1']],
      ['B', 'api + routes', ['T2', 'T3']],
      ['D', 'ui', ['T4']],
      ['E', 'tests', ['T5']],
    ]);
    expect(streamOf.get('T3')).toBe('B');
  });
});
