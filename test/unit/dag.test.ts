import { describe, expect, it } from 'vitest';
import { analyzeDag, mergeOrder, type DagNode } from '../../src/core/dag.js';

const n = (id: string, dependsOn: string[] = [], hours?: number): DagNode => ({ id, dependsOn, ...(hours !== undefined ? { hours } : {}) });

describe('analyzeDag: errors', () => {
  it.each([
    { name: 'a two-task cycle as its path', nodes: [n('T1'), n('T3', ['T5']), n('T5', ['T3'])], code: 'CYCLE', message: 'cycle: T3 → T5 → T3 (each depends on the next)' },
    { name: 'a longer cycle', nodes: [n('T1', ['T3']), n('T2', ['T1']), n('T3', ['T2'])], code: 'CYCLE', message: 'cycle: T1 → T3 → T2 → T1 (each depends on the next)' },
    { name: 'a self reference', nodes: [n('T1', ['T1'])], code: 'SELF_REF', message: 'T1 depends on itself' },
    { name: 'a dangling reference', nodes: [n('T1'), n('T4', ['T9'])], code: 'DANGLING_REF', message: 'T4 depends on T9, which does not exist' },
    { name: 'a duplicate id', nodes: [n('T1'), n('T1')], code: 'DUPLICATE_ID', message: 'T1 is defined more than once' },
    { name: 'a duplicate dependency', nodes: [n('T1'), n('T2', ['T1', 'T1'])], code: 'DUPLICATE_DEP', message: 'T2 lists T1 more than once' },
  ])('reports $name', ({ nodes, code, message }) => {
    const a = analyzeDag(nodes);
    expect(a.ok).toBe(false);
    expect(a.errors).toContainEqual(expect.objectContaining({ code, message }));
  });

  it('reports two separate cycles, and orders the acyclic rest', () => {
    const a = analyzeDag([n('T1'), n('T2', ['T3']), n('T3', ['T2']), n('T4', ['T5']), n('T5', ['T4']), n('T6', ['T1'])]);
    expect(a.errors.filter((e) => e.code === 'CYCLE').map((e) => e.tasks.sort())).toEqual([
      ['T2', 'T3'],
      ['T4', 'T5'],
    ]);
    expect(a.order).toEqual(['T1', 'T6']);
  });

  it('never throws on a graph that is all cycle', () => {
    expect(analyzeDag([n('T1', ['T2']), n('T2', ['T1'])])).toMatchObject({ ok: false, order: [], waveCount: 0, criticalPath: [] });
  });
});

describe('analyzeDag: structure', () => {
  const nodes = [n('T1', [], 1), n('T2', ['T1'], 8), n('T3', ['T1'], 1), n('T4', ['T3'], 1), n('T5', ['T2', 'T4'], 2)];
  const a = analyzeDag(nodes);

  it('computes waves as 1 + the highest wave of the dependencies', () => {
    expect(Object.fromEntries(a.wave)).toEqual({ T1: 1, T2: 2, T3: 2, T4: 3, T5: 4 });
    expect(a.waveCount).toBe(4);
    expect(a.maxWaveWidth).toBe(2);
  });

  it('finds the critical path by hours, not by task count', () => {
    expect(a.criticalPath).toEqual(['T1', 'T2', 'T5']);
    expect(a.criticalPathHours).toBe(11);
    expect(a.totalHours).toBe(13);
  });

  it('gives a stable topological order, roots and leaves', () => {
    expect(a.order).toEqual(['T1', 'T2', 'T3', 'T4', 'T5']);
    expect(a.roots).toEqual(['T1']);
    expect(a.leaves).toEqual(['T5']);
    expect(a.edgeCount).toBe(5);
  });

  it('analyses 20,000 tasks with 30,000 edges', () => {
    const big: DagNode[] = [];
    for (let i = 1; i <= 20_000; i++) {
      const deps = i > 100 ? [`T${i - 100}`, ...(i % 2 === 0 ? [`T${i - 99}`] : [])] : [];
      big.push(n(`T${i}`, deps));
    }
    const r = analyzeDag(big);
    expect(r.ok).toBe(true);
    expect(r.edgeCount).toBe(29_850);
    expect(r.order).toHaveLength(20_000);
    for (const node of big) for (const d of node.dependsOn) expect(r.wave.get(d)!).toBeLessThan(r.wave.get(node.id)!);
    expect(r.waveCount).toBe(Math.max(...r.wave.values()));
  });
});

describe('mergeOrder', () => {
  it('is topological, then by wave, stream and position', () => {
    const tasks = [
      { id: 'T1', dependsOn: [], wave: 1, stream: 'B' },
      { id: 'T2', dependsOn: [], wave: 1, stream: 'A' },
      { id: 'T3', dependsOn: ['T1'], wave: 2, stream: 'A' },
      { id: 'T4', dependsOn: ['T2'], wave: 2, stream: 'A' },
      { id: 'T5', dependsOn: ['T3', 'T4'], wave: 3, stream: 'A' },
    ];
    expect(mergeOrder(tasks)).toEqual(['T2', 'T1', 'T3', 'T4', 'T5']);
  });
});
