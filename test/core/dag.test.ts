import { describe, expect, it } from 'vitest';
import { analyzeDag, MAX_CYCLES_REPORTED, mergeOrder, type DagIssue, type DagNode } from '../../src/core/plan/dag.js';

const n = (id: string, dependsOn: string[] = [], hours?: number): DagNode => ({ id, dependsOn, ...(hours !== undefined ? { hours } : {}) });

describe('analyzeDag: errors', () => {
  const cases: Array<{ name: string; nodes: DagNode[]; errors: DagIssue[] }> = [
    {
      name: 'a two-task cycle, as its path',
      nodes: [n('T1'), n('T3', ['T1', 'T5']), n('T5', ['T3'])],
      errors: [{ code: 'CYCLE', message: 'cycle: T3 → T5 → T3', tasks: ['T3', 'T5'] }],
    },
    {
      name: 'a longer cycle, led by the task that comes first in the input',
      nodes: [n('T2', ['T1']), n('T1', ['T3']), n('T3', ['T2'])],
      errors: [{ code: 'CYCLE', message: 'cycle: T2 → T1 → T3 → T2', tasks: ['T2', 'T1', 'T3'] }],
    },
    {
      name: 'a self reference',
      nodes: [n('T1', ['T1'])],
      errors: [{ code: 'SELF_REF', message: 'T1 depends on itself', tasks: ['T1'] }],
    },
    {
      name: 'a dangling reference, naming the task and the missing id',
      nodes: [n('T1'), n('T4', ['T1', 'T9'])],
      errors: [{ code: 'DANGLING_REF', message: 'T4 depends on T9, which does not exist', tasks: ['T4'] }],
    },
    {
      name: 'a duplicate id, with the entries that hold it',
      nodes: [n('T1'), n('T2'), n('T1'), n('T1')],
      errors: [{ code: 'DUPLICATE_ID', message: 'T1 is defined 3 times (entries 1, 3 and 4)', tasks: ['T1'] }],
    },
    {
      name: 'a dependency listed twice',
      nodes: [n('T1'), n('T2', ['T1', 'T1'])],
      errors: [{ code: 'DUPLICATE_DEP', message: 'T2 lists T1 more than once', tasks: ['T2'] }],
    },
    {
      name: 'a missing dependency listed twice: dangling once, repeated once',
      nodes: [n('T2', ['T9', 'T9'])],
      errors: [
        { code: 'DANGLING_REF', message: 'T2 depends on T9, which does not exist', tasks: ['T2'] },
        { code: 'DUPLICATE_DEP', message: 'T2 lists T9 more than once', tasks: ['T2'] },
      ],
    },
    {
      name: 'a self reference listed twice',
      nodes: [n('T1', ['T1', 'T1'])],
      errors: [
        { code: 'SELF_REF', message: 'T1 depends on itself', tasks: ['T1'] },
        { code: 'DUPLICATE_DEP', message: 'T1 lists T1 more than once', tasks: ['T1'] },
      ],
    },
  ];

  it.each(cases)('reports $name', ({ nodes, errors }) => {
    const a = analyzeDag(nodes);
    expect(a.errors).toEqual(errors);
    expect(a.ok).toBe(false);
  });

  it('reports nothing for a valid graph', () => {
    expect(analyzeDag([n('T1'), n('T2', ['T1']), n('T3', ['T1', 'T2'])])).toMatchObject({ ok: true, errors: [] });
  });

  it('reports one cycle per knot, and orders the acyclic rest without the tasks behind a cycle', () => {
    const a = analyzeDag([n('T1'), n('T2', ['T3']), n('T3', ['T2']), n('T4', ['T5']), n('T5', ['T4']), n('T6', ['T1']), n('T7', ['T5'])]);
    expect(a.errors.map((e) => e.message)).toEqual(['cycle: T2 → T3 → T2', 'cycle: T4 → T5 → T4']);
    expect(a.order).toEqual(['T1', 'T6']);
    expect(a.excluded).toEqual(['T2', 'T3', 'T4', 'T5', 'T7']);
    expect([...a.wave.keys()]).toEqual(['T1', 'T6']);
    expect(a.leaves).toEqual(['T6']);
  });

  it('reports each distinct cycle of a knot that holds several', () => {
    // One strongly connected knot {T1, T2, T3} made of two cycles that share T2.
    const a = analyzeDag([n('T1', ['T2']), n('T2', ['T1', 'T3']), n('T3', ['T2'])]);
    expect(a.errors.map((e) => e.message)).toEqual(['cycle: T1 → T2 → T1', 'cycle: T2 → T3 → T2']);
  });

  it(`reports at most ${MAX_CYCLES_REPORTED} cycles`, () => {
    const nodes: DagNode[] = [];
    for (let k = 0; k < 30; k++) nodes.push(n(`T${2 * k + 1}`, [`T${2 * k + 2}`]), n(`T${2 * k + 2}`, [`T${2 * k + 1}`]));
    const a = analyzeDag(nodes);
    expect(a.errors).toHaveLength(MAX_CYCLES_REPORTED);
    expect(a.errors.every((e) => e.code === 'CYCLE')).toBe(true);
    expect(a.excluded).toHaveLength(60);
  });

  it('shortens the message of a long cycle but keeps every task in it', () => {
    const ring = Array.from({ length: 30 }, (_, k) => n(`T${k + 1}`, [`T${((k + 1) % 30) + 1}`]));
    const [cycle] = analyzeDag(ring).errors;
    expect(cycle!.tasks).toHaveLength(30);
    expect(cycle!.message).toBe(`cycle of 30 tasks: ${Array.from({ length: 22 }, (_, k) => `T${k + 1}`).join(' → ')} → … → T30 → T1`);
  });

  it('finds a cycle through 50,000 tasks without recursion', () => {
    const ring = Array.from({ length: 50_000 }, (_, k) => n(`T${k + 1}`, [`T${((k + 1) % 50_000) + 1}`]));
    const a = analyzeDag(ring);
    expect(a.errors).toHaveLength(1);
    expect(a.errors[0]!.tasks).toHaveLength(50_000);
  });

  it('never throws on a graph that is all cycle, and leaves its figures empty', () => {
    expect(analyzeDag([n('T1', ['T2']), n('T2', ['T1'])])).toMatchObject({
      ok: false,
      order: [],
      waveCount: 0,
      maxWaveWidth: 0,
      criticalPath: [],
      criticalPathHours: 0,
      totalHours: 0,
      roots: [],
      leaves: [],
    });
  });

  it('handles an empty graph', () => {
    expect(analyzeDag([])).toMatchObject({ ok: true, order: [], waveCount: 0, criticalPath: [], edgeCount: 0 });
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

  it('counts 1 hour per task when none is given, and takes hours from a function', () => {
    const plain = analyzeDag([n('T1'), n('T2', ['T1']), n('T3', ['T2']), n('T4', ['T1'])]);
    expect([plain.criticalPath, plain.criticalPathHours, plain.totalHours]).toEqual([['T1', 'T2', 'T3'], 3, 4]);
    const weighted = analyzeDag([n('T1'), n('T2', ['T1']), n('T3', ['T2']), n('T4', ['T1'])], (node) => (node.id === 'T4' ? 10 : 1));
    expect([weighted.criticalPath, weighted.criticalPathHours, weighted.totalHours]).toEqual([['T1', 'T4'], 11, 13]);
  });

  it('gives roots, leaves and the number of edges', () => {
    expect(a.roots).toEqual(['T1']);
    expect(a.leaves).toEqual(['T5']);
    expect(a.edgeCount).toBe(5);
  });

  it.each([
    { name: 'an order already topological and by wave stays as it is', nodes: [n('T1'), n('T2'), n('T3', ['T1']), n('T4', ['T3'])], order: ['T1', 'T2', 'T3', 'T4'] },
    { name: 'dependencies come first', nodes: [n('T3', ['T1']), n('T1'), n('T2')], order: ['T1', 'T2', 'T3'] },
    { name: 'within a wave, input order', nodes: [n('T9'), n('T2', ['T9']), n('T1'), n('T5', ['T1'])], order: ['T9', 'T1', 'T2', 'T5'] },
    { name: 'a task waits for its latest dependency', nodes: [n('T1'), n('T2', ['T1']), n('T3', ['T2']), n('T4', ['T1', 'T3']), n('T5')], order: ['T1', 'T5', 'T2', 'T3', 'T4'] },
  ])('orders by wave, ties in input order: $name', ({ nodes: input, order }) => {
    expect(analyzeDag(input).order).toEqual(order);
  });

  it('leaves dangling references out of the graph but keeps the task', () => {
    const r = analyzeDag([n('T1'), n('T2', ['T1', 'T9'])]);
    expect(r.order).toEqual(['T1', 'T2']);
    expect(r.edgeCount).toBe(1);
  });

  it('analyses 20,000 tasks with 30,000 edges', () => {
    const big: DagNode[] = [];
    let edges = 0;
    for (let i = 1; i <= 20_000; i++) {
      // Layers of 100; one or two dependencies in the layer before: 1.5 edges per task.
      // (The second stays in the layer before: the last task of a layer takes its left neighbour's.)
      const deps = i > 100 ? [`T${i - 100}`, ...(i % 2 === 0 ? [`T${i - 100 + (i % 100 === 0 ? -1 : 1)}`] : [])] : [];
      edges += deps.length;
      big.push(n(`T${i}`, deps));
    }
    const r = analyzeDag(big);
    expect(r.ok).toBe(true);
    expect(r.edgeCount).toBe(edges);
    expect(edges).toBeGreaterThan(29_000);
    expect(r.order).toHaveLength(20_000);
    expect(r.waveCount).toBe(200);
    expect(r.maxWaveWidth).toBe(100);
    expect(r.criticalPath).toHaveLength(200);
    expect(r.roots).toHaveLength(100);
    expect(r.leaves).toHaveLength(100);
    const position = new Map(r.order.map((id, k) => [id, k]));
    let misplaced = 0;
    for (const node of big) for (const d of node.dependsOn) if (!(r.wave.get(d)! < r.wave.get(node.id)! && position.get(d)! < position.get(node.id)!)) misplaced++;
    expect(misplaced).toBe(0);
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
      { id: 'T6', dependsOn: [], wave: 1, stream: 'A' },
    ];
    expect(mergeOrder(tasks)).toEqual(['T2', 'T6', 'T1', 'T3', 'T4', 'T5']);
  });

  it('puts a dependency first even when its wave says otherwise', () => {
    const tasks = [
      { id: 'T1', dependsOn: ['T2'], wave: 1, stream: 'A' },
      { id: 'T2', dependsOn: [], wave: 2, stream: 'A' },
    ];
    expect(mergeOrder(tasks)).toEqual(['T2', 'T1']);
  });

  it('ignores dangling references and leaves tasks on a cycle out', () => {
    const tasks = [
      { id: 'T1', dependsOn: ['T9'], wave: 1, stream: 'A' },
      { id: 'T2', dependsOn: ['T3'], wave: 1, stream: 'A' },
      { id: 'T3', dependsOn: ['T2'], wave: 1, stream: 'A' },
    ];
    expect(mergeOrder(tasks)).toEqual(['T1']);
  });

  it('orders 20,000 tasks so that every task follows its dependencies', () => {
    const tasks = Array.from({ length: 20_000 }, (_, k) => ({
      id: `T${k + 1}`,
      dependsOn: k >= 100 ? [`T${k + 1 - 100}`, `T${k + 1 - 99}`] : [],
      wave: Math.floor(k / 100) + 1,
      stream: 'ABC'[k % 3]!,
    }));
    const order = mergeOrder(tasks);
    expect(order).toHaveLength(20_000);
    const position = new Map(order.map((id, k) => [id, k]));
    expect(tasks.every((t) => t.dependsOn.every((d) => position.get(d)! < position.get(t.id)!))).toBe(true);
    expect(order.slice(0, 4)).toEqual(['T1', 'T4', 'T7', 'T10']);
  });
});
