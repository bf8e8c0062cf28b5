import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeDag, analyzeIndexedDag } from '../../src/core/plan/dag.js';
import type { Task } from '../../src/core/plan/plan.js';
import { EFFORT_HOURS } from '../../src/core/plan/effort.js';
import { compactTaskmasterGraph, convertTaskmaster, indexedGraphOf, isTaskmasterDocument, readTaskmasterGraph, type TaskmasterConversion } from '../../src/core/plan/taskmaster.js';
import { REPO_ROOT } from '../support/cli.js';

const load = (name: string): unknown => JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/taskmaster', name), 'utf8'));

function converted(doc: unknown, options: Parameters<typeof convertTaskmaster>[1] = {}): Extract<TaskmasterConversion, { ok: true }> {
  const result = convertTaskmaster(doc, options);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

const byId = (tasks: Task[]) => Object.fromEntries(tasks.map((t) => [t.id, t]));
const deps = (tasks: Task[]) => Object.fromEntries(tasks.map((t) => [t.id, t.dependsOn]));

describe('isTaskmasterDocument', () => {
  it.each([
    { name: 'legacy { tasks }', doc: { tasks: [{ id: 1, title: 'a' }] }, expected: true },
    { name: 'ids as numeric strings', doc: { tasks: [{ id: '1', title: 'a' }] }, expected: true },
    { name: 'tagged', doc: { master: { tasks: [], metadata: {} } }, expected: true },
    { name: 'a bare list', doc: [{ id: 3, title: 'a' }], expected: true },
    { name: 'an xplan plan', doc: { schemaVersion: 1, tasks: [{ id: 'T1', title: 'a' }] }, expected: false },
    { name: 'an empty task list', doc: { tasks: [] }, expected: false },
    { name: 'something else', doc: { name: 'x' }, expected: false },
  ])('$name → $expected', ({ doc, expected }) => {
    expect(isTaskmasterDocument(doc)).toBe(expected);
  });

  it('recognises both fixtures', () => {
    expect(isTaskmasterDocument(load('tagged-tasks.json'))).toBe(true);
    expect(isTaskmasterDocument(load('legacy-cycle.json'))).toBe(true);
  });
});

describe('convertTaskmaster: layouts and tags', () => {
  it('reads the master tag of a tagged file by default, with every tag listed', () => {
    const r = converted(load('tagged-tasks.json'));
    expect([r.layout, r.tag, r.tags]).toEqual(['tagged', 'master', ['master', 'feature-ui']]);
    expect(r.tasks.map((t) => t.id)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10']);
    expect([r.errors, r.warnings]).toEqual([[], []]);
  });

  it('reads the tag asked for', () => {
    const r = converted(load('tagged-tasks.json'), { tag: 'feature-ui' });
    expect(r.tag).toBe('feature-ui');
    expect(r.tasks.map((t) => t.title)).toEqual(['Board layout']);
  });

  it('takes the only tag when there is no master', () => {
    expect(converted({ feature: { tasks: [{ id: 1, title: 'Only' }] } }).tag).toBe('feature');
  });

  it.each([
    { name: 'a missing tag', doc: { master: { tasks: [] }, ui: { tasks: [] } }, tag: 'nope', problem: 'tag', reason: 'there is no tag nope (tags: master, ui)' },
    {
      name: 'several tags and no master',
      doc: { a: { tasks: [] }, b: { tasks: [] } },
      tag: undefined,
      problem: 'tag',
      reason: 'the file has several tags and none is master (a, b); choose one with --tag',
    },
    { name: 'a tag on a legacy file', doc: { tasks: [] }, tag: 'ui', problem: 'tag', reason: 'the file has no tags (legacy layout), so there is no tag ui' },
    { name: 'a tag on a bare list', doc: [], tag: 'ui', problem: 'tag', reason: 'the file has no tags (a bare list of tasks), so there is no tag ui' },
    {
      name: 'no task list at all',
      doc: { hello: 'world' },
      tag: undefined,
      problem: 'no-tasks',
      reason: 'no task list found: expected { "tasks": [...] }, { "master": { "tasks": [...] } } or a list of tasks',
    },
  ])('refuses $name', ({ doc, tag, problem, reason }) => {
    const r = convertTaskmaster(doc, tag ? { tag } : {});
    expect(r.ok).toBe(false);
    expect(!r.ok && [r.problem, r.reason]).toEqual([problem, reason]);
  });

  it('reads a legacy file as the master tag, and a bare list', () => {
    expect(converted(load('legacy-cycle.json'))).toMatchObject({ layout: 'legacy', tag: 'master' });
    const bare = converted([
      { id: 1, title: 'A' },
      { id: 2, title: 'B', dependencies: [1] },
    ]);
    expect(bare.layout).toBe('array');
    expect(deps(bare.tasks)).toEqual({ T1: [], T2: ['T1'] });
  });
});

describe('convertTaskmaster: fields', () => {
  const tasks = byId(converted(load('tagged-tasks.json')).tasks);

  it('maps ids, dependencies, priority, test strategy and status', () => {
    expect(tasks.T2).toMatchObject({
      id: 'T2',
      title: 'Design the task schema',
      dependsOn: ['T1'],
      risk: 'medium',
      riskReason: 'task-master priority high',
      testStrategy: 'test-after',
      strategyReason: 'task-master test strategy, kept as an acceptance criterion',
      stream: 'A',
      sources: [],
      files: [],
    });
    expect(tasks.T2!.description).toContain('Validate with zod and report the path of every invalid field.');
    expect(tasks.T2!.description).toContain('task-master status: done');
    expect(tasks.T9!.dependsOn).toEqual(['T3', 'T4', 'T5']);
  });

  it.each([
    { priority: 'high', risk: 'medium', reason: 'task-master priority high' },
    { priority: 'medium', risk: 'low', reason: 'task-master priority medium' },
    { priority: 'low', risk: 'low', reason: 'task-master priority low' },
    { priority: undefined, risk: 'low', reason: 'task-master gives no priority' },
  ])('priority $priority → risk $risk', ({ priority, risk, reason }) => {
    const [task] = converted({ tasks: [{ id: 1, title: 'x', ...(priority ? { priority } : {}) }] }).tasks;
    expect([task!.risk, task!.riskReason]).toEqual([risk, reason]);
  });

  it.each([
    { name: 'short details', details: 'Do it.', subtasks: 0, effort: 'M' },
    { name: 'over 200 words', details: 'word '.repeat(201), subtasks: 0, effort: 'L' },
    { name: 'over 500 words', details: 'word '.repeat(501), subtasks: 0, effort: 'XL' },
    { name: '4 subtasks', details: '', subtasks: 4, effort: 'L' },
    { name: '8 subtasks', details: '', subtasks: 8, effort: 'XL' },
  ])('effort from the size of the task: $name → $effort', ({ details, subtasks, effort }) => {
    const sub = Array.from({ length: subtasks }, (_, k) => ({ id: k + 1, title: `part ${k + 1}`, dependencies: [] }));
    const [task] = converted({ tasks: [{ id: 1, title: 'x', details, subtasks: sub }] }).tasks;
    expect(task!.effort).toBe(effort);
  });

  it.each([
    { title: 'Set up the repository', kind: 'setup' },
    { title: 'Documentation', kind: 'docs' },
    { title: 'Write integration tests for the API', kind: 'test' },
    { title: 'MCP server', kind: 'feature' },
  ])('kind from the title: $title → $kind', ({ title, kind }) => {
    expect(converted({ tasks: [{ id: 1, title }] }).tasks[0]!.kind).toBe(kind);
  });
});

describe('convertTaskmaster: subtasks folded (default)', () => {
  const r = converted(load('tagged-tasks.json'));
  const tasks = byId(r.tasks);

  it('folds subtasks into the acceptance criteria and the description', () => {
    expect(tasks.T2!.acceptanceCriteria).toEqual(['Schema unit tests', 'Subtask 2.1: Write the zod schema', 'Subtask 2.2: Validate on load']);
    expect(tasks.T2!.description).toContain('Subtasks:\n- 2.1 Write the zod schema: Schema for tasks and subtasks.\n- 2.2 Validate on load: Reject');
  });

  it('keeps the graph of the top-level tasks (a subtask dependency already covered adds nothing)', () => {
    expect(tasks.T8!.dependsOn).toEqual(['T5', 'T6']);
    const a = analyzeDag(r.tasks);
    expect([a.ok, a.edgeCount, a.waveCount, a.roots, a.leaves]).toEqual([true, 13, 5, ['T1'], ['T7', 'T8', 'T10']]);
  });

  it("lifts a subtask's dependency on another task's subtask to its parent, and says so", () => {
    const doc = {
      tasks: [
        {
          id: 3,
          title: 'API',
          subtasks: [
            { id: 1, title: 'routes' },
            { id: 2, title: 'auth middleware' },
          ],
        },
        { id: 5, title: 'UI', dependencies: [], subtasks: [{ id: 1, title: 'login form', dependencies: ['3.2'] }] },
      ],
    };
    const out = converted(doc);
    expect(deps(out.tasks)).toEqual({ T3: [], T5: ['T3'] });
    expect(out.warnings).toEqual(['T5 depends on T3 because its subtask 5.1 depends on 3.2']);
  });
});

describe('convertTaskmaster: subtasks as tasks of their own', () => {
  const r = converted(load('tagged-tasks.json'), { subtasks: true });
  const tasks = byId(r.tasks);

  it('gives subtasks fresh ids after the highest top-level id, in file order, and names the original id', () => {
    expect(r.tasks.map((t) => t.id)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'T13', 'T14', 'T15', 'T16', 'T17']);
    expect(tasks.T11).toMatchObject({ title: 'Write the zod schema', effort: 'S', risk: 'medium' });
    expect(tasks.T11!.description.split('\n')[0]).toBe('task-master subtask 2.1 of T2 (Design the task schema)');
    expect(tasks.T16!.description.split('\n')[0]).toBe('task-master subtask 8.1 of T8 (Complexity report)');
  });

  it('resolves sibling and dotted dependencies; the first subtasks inherit the parent’s', () => {
    expect(deps(r.tasks)).toMatchObject({
      T11: ['T1'], // 2.1: no sibling to wait for, so it waits for what T2 waits for
      T12: ['T11'], // 2.2 → sibling 1
      T13: ['T2'],
      T14: ['T13'],
      T15: ['T14'],
      T16: ['T14', 'T5', 'T6'], // 8.1 → "5.2", plus T8's own dependencies
      T17: ['T16'],
    });
  });

  it('makes the parent wait for its subtasks, as an extra-small integration task', () => {
    expect(tasks.T2).toMatchObject({ dependsOn: ['T1', 'T11', 'T12'], effort: 'XS', kind: 'integration' });
    expect(tasks.T8!.dependsOn).toEqual(['T5', 'T6', 'T16', 'T17']);
    expect(tasks.T2!.description).toContain('Done when its subtasks are done: T11 (2.1), T12 (2.2).');
    const a = analyzeDag(r.tasks);
    expect(a.ok).toBe(true);
    expect(a.criticalPath.slice(0, 4)).toEqual(['T1', 'T11', 'T12', 'T2']);
  });
});

describe('convertTaskmaster: references that name nothing survive, so check reports them', () => {
  it('keeps a dependency on a missing task, and a repeated one, as written', () => {
    expect(byId(converted(load('legacy-cycle.json')).tasks).T5!.dependsOn).toEqual(['T9']);
    expect(
      converted({
        tasks: [
          { id: 1, title: 'a' },
          { id: 2, title: 'b', dependencies: [1, '1', 7] },
        ],
      }).tasks[1]!.dependsOn,
    ).toEqual(['T1', 'T1', 'T7']);
  });

  it('keeps missing subtasks as dangling ids, folded and expanded', () => {
    const doc = {
      tasks: [
        { id: 3, title: 'API', dependencies: ['4.1'], subtasks: [{ id: 1, title: 'routes', dependencies: [9] }] },
        { id: 4, title: 'Auth' },
      ],
    };
    const folded = converted(doc);
    expect(deps(folded.tasks)).toEqual({ T3: ['T4.1', 'T3.9'], T4: [] });
    expect(folded.warnings).toEqual(['subtask 3.1 depends on 9, which does not exist; kept as T3 depending on T3.9']);
    expect(analyzeDag(folded.tasks).errors.map((e) => e.message)).toEqual(['T3 depends on T4.1, which does not exist', 'T3 depends on T3.9, which does not exist']);

    const expanded = converted(doc, { subtasks: true });
    expect(deps(expanded.tasks)).toEqual({ T3: ['T4.1', 'T5'], T4: [], T5: ['T3.9'] });
  });

  it('reads a subtask number that names no sibling as the top-level task, with a warning', () => {
    const doc = {
      tasks: [
        { id: 1, title: 'base' },
        {
          id: 2,
          title: 'x',
          subtasks: [
            { id: 1, title: 'y', dependencies: [] },
            { id: 2, title: 'z', dependencies: [3] },
          ],
        },
        { id: 3, title: 'w' },
      ],
    };
    const out = converted(doc, { subtasks: true });
    // 2.2 → 3: no subtask 2.3, so task 3.
    expect(deps(out.tasks)).toMatchObject({ T4: [], T5: ['T3'] });
    expect(out.warnings).toEqual(['subtask 2.2: there is no subtask 2.3, so 3 is read as task 3']);
  });
});

describe('convertTaskmaster: fields it cannot read', () => {
  it('reports them by path and leaves the entry out', () => {
    const doc = {
      master: {
        tasks: [
          { id: 'abc', title: 'no number' },
          'not a task',
          { id: 2, title: 'bad deps', dependencies: 'T1' },
          { id: 3, title: 'bad dep', dependencies: [null, 2] },
          { id: 4, title: 'bad subtask', subtasks: [{ id: 'x' }] },
        ],
      },
    };
    const out = converted(doc);
    expect(out.errors).toEqual([
      'master.tasks.0.id: expected a whole number such as 3 (found "abc")',
      'master.tasks.1: expected a task object',
      'master.tasks.4.subtasks.0.id: expected a whole number such as 1 (found "x")',
      'master.tasks.2.dependencies: expected a list of task ids',
      'master.tasks.3.dependencies: null is not a task id such as 3 or "3.2"',
    ]);
    expect(deps(out.tasks)).toEqual({ T2: [], T3: ['T2'], T4: [] });
  });

  it('fills in a missing title and says so', () => {
    const out = converted({ tasks: [{ id: 7 }] });
    expect(out.tasks[0]!.title).toBe('Task 7');
    expect(out.warnings).toEqual(['T7 has no title']);
  });
});

describe('readTaskmasterGraph: the graph check needs, the same as a conversion', () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
  const docs: Array<[string, unknown]> = [
    ['tagged fixture', load('tagged-tasks.json')],
    ['legacy fixture with a cycle', load('legacy-cycle.json')],
    [
      'missing subtasks',
      {
        tasks: [
          { id: 3, title: 'API', dependencies: ['4.1'], subtasks: [{ id: 1, title: 'routes', dependencies: [9] }] },
          { id: 4, title: 'Auth' },
        ],
      },
    ],
    [
      'a subtask number naming a task',
      {
        tasks: [
          { id: 1, title: 'base' },
          {
            id: 2,
            title: 'x',
            subtasks: [
              { id: 1, title: 'y', dependencies: [] },
              { id: 2, title: 'z', dependencies: [3, 1] },
            ],
          },
          { id: 3, title: 'w' },
        ],
      },
    ],
    [
      'fields it cannot read',
      { master: { tasks: [{ id: 'abc' }, 'x', { id: 2, dependencies: 'T1' }, { id: 3, dependencies: [null, 2, '2', 2] }, { id: 4, subtasks: [{ id: 'x' }, { id: 1, dependencies: {} }] }] } },
    ],
    [
      'long texts (effort L and XL)',
      {
        tasks: [
          { id: 1, title: 'a', description: words(150), details: words(100) },
          { id: 2, title: 'b', details: words(600), dependencies: [1] },
          {
            id: 3,
            title: 'c',
            subtasks: [
              { id: 1, title: 's', description: words(250) },
              { id: 2, title: 't', details: 42, dependencies: [1] },
            ],
          },
        ],
      },
    ],
    [
      'many subtasks, dotted references, repeated subtask numbers',
      {
        tasks: [
          { id: 1, title: 'a', subtasks: Array.from({ length: 9 }, (_, k) => ({ id: k % 8, title: `s${k}`, dependencies: k ? [k - 1, '2.1'] : [] })) },
          { id: 2, title: 'b', dependencies: ['1.3', '2.1'], subtasks: [{ id: 1, title: 'x', dependencies: ['1.1'] }] },
        ],
      },
    ],
  ];

  it.each(docs.flatMap(([name, doc]) => [false, true].map((subtasks) => ({ name, doc, subtasks }))))('$name (subtasks expanded: $subtasks)', ({ doc, subtasks }) => {
    const full = convertTaskmaster(doc, { subtasks });
    const graph = readTaskmasterGraph(doc, { subtasks });
    if (!full.ok || !graph.ok) throw new Error('expected both to read the document');
    expect(graph.nodes).toEqual(full.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn, hours: EFFORT_HOURS[t.effort] })));
    expect([graph.errors, graph.warnings, graph.layout, graph.tag, graph.tags]).toEqual([full.errors, full.warnings, full.layout, full.tag, full.tags]);
  });

  it('refuses a missing tag as a conversion does', () => {
    expect(readTaskmasterGraph({ a: { tasks: [] }, b: { tasks: [] } })).toEqual(convertTaskmaster({ a: { tasks: [] }, b: { tasks: [] } }));
  });
});

describe('compactTaskmasterGraph: the usual file read flat, the same graph as the general reader', () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
  const usual = {
    master: {
      tasks: [
        { id: 1, title: 'Setup', description: 'a', details: 'b', dependencies: [], subtasks: [] },
        { id: 2, title: '', description: words(150), details: words(100), dependencies: [1] },
        {
          id: 3,
          title: 'API',
          dependencies: [1, 2, 2, 3],
          subtasks: [
            { id: 1, title: 'x', dependencies: [] },
            { id: 2, title: 'y', dependencies: [1] },
            { id: 3, title: 'z', dependencies: [1, 2] },
            { id: 4, title: 'w' },
          ],
        },
        { id: 5, title: 42, details: words(600), dependencies: [3] },
      ],
      metadata: {},
    },
    other: { tasks: [] },
  };

  /** What check reports of a document, read flat and read the general way. */
  const both = (doc: unknown) => {
    const compact = compactTaskmasterGraph(doc);
    if (!compact) throw new Error('expected the compact reader to take this document');
    const general = readTaskmasterGraph(doc);
    if (!general.ok) throw new Error(general.reason);
    const { order: _o, wave: _w, roots, leaves, ...figures } = analyzeDag(general.nodes);
    const indexed = indexedGraphOf(compact);
    return {
      flat: { figures: analyzeIndexedDag(indexed.graph), warnings: indexed.warnings, layout: compact.layout, tag: compact.tag, tags: compact.tags },
      general: { figures: { ...figures, rootCount: roots.length, leafCount: leaves.length }, warnings: general.warnings, layout: general.layout, tag: general.tag, tags: general.tags },
    };
  };

  it('reads the usual file flat: the same figures, errors and warnings (repeats, self references and cycles kept)', () => {
    const { flat, general } = both(usual);
    expect(flat).toEqual(general);
    expect(flat.figures.errors.map((e) => e.code)).toEqual(['DUPLICATE_DEP', 'SELF_REF']);
    expect(flat.figures.totalHours).toBe(2 + 4 + 4 + 8);
    expect(flat.warnings).toEqual(['T2 has no title']);
  });

  it('reports a cycle read flat as the general reader does', () => {
    const { flat, general } = both({
      tasks: [
        { id: 1, title: 'a', dependencies: [3] },
        { id: 2, title: 'b', dependencies: [1] },
        { id: 3, title: 'c', dependencies: [2] },
        { id: 4, title: 'd', dependencies: [3] },
        { id: 5, title: 'e' },
      ],
    });
    expect(flat).toEqual(general);
    expect(flat.figures.excluded).toEqual(['T1', 'T2', 'T3', 'T4']);
  });

  it('reads the tagged fixture flat as the general reader does, once its one cross-task subtask reference is gone', () => {
    const doc = load('tagged-tasks.json') as { master: { tasks: Array<{ subtasks?: Array<{ dependencies: unknown[] }> }> } };
    expect(compactTaskmasterGraph(doc)).toBeUndefined(); // "5.2" from a subtask of another task
    for (const t of doc.master.tasks) for (const s of t.subtasks ?? []) s.dependencies = s.dependencies.filter((d) => typeof d === 'number');
    const { flat, general } = both(doc);
    expect(flat).toEqual(general);
    expect(flat.figures.rootCount).toBeGreaterThan(0);
  });

  it.each([
    ['a missing task', { tasks: [{ id: 1, dependencies: [9] }] }],
    ['a repeated id', { tasks: [{ id: 1 }, { id: 1 }] }],
    ['a string dependency', { tasks: [{ id: 1 }, { id: 2, dependencies: ['1'] }] }],
    [
      'a subtask reference',
      {
        tasks: [
          { id: 1, subtasks: [{ id: 1 }] },
          { id: 2, dependencies: [1], subtasks: [{ id: 1, dependencies: [3] }] },
        ],
      },
    ],
    ['an entry that is not a task', { tasks: [{ id: 1 }, 'x'] }],
    ['sparse ids', { tasks: [{ id: 1 }, { id: 1_000_000 }] }],
  ])('leaves %s to the general reader', (_name, doc) => {
    expect(compactTaskmasterGraph(doc)).toBeUndefined();
  });

  it('leaves expanded subtasks and a missing tag to the general reader', () => {
    expect(compactTaskmasterGraph(usual, { subtasks: true })).toBeUndefined();
    expect(compactTaskmasterGraph(usual, { tag: 'nope' })).toBeUndefined();
  });
});

describe('a round trip through task-master', () => {
  it('keeps every task’s effort and edges, so the total, the critical path and the efficiency come back unchanged', async () => {
    const { checkoutPlan } = await import('../fixtures/plans/checkout.js');
    const { toTaskmaster } = await import('../../src/core/plan/taskmaster.js');
    const { derivePlan } = await import('../../src/core/plan/plan-derive.js');
    const settings = { concurrency: 3, minHoursPerTask: 1.5, tinyTaskRatio: 0.3 };
    const derive = (tasks: Task[]) => derivePlan({ planId: 'p', branching: 'feature', spec: checkoutPlan.spec, tasks, streams: [] }, settings).summary;
    const back = convertTaskmaster(JSON.parse(JSON.stringify(toTaskmaster(checkoutPlan))));
    if (!back.ok) throw new Error('the export does not read back');
    expect(back.tasks.map((t) => [t.id, t.effort, t.dependsOn])).toEqual(checkoutPlan.tasks.map((t) => [t.id, t.effort, t.dependsOn]));
    expect(back.tasks.every((t) => !t.description.includes('xplan effort:'))).toBe(true);
    const [before, after] = [derive(checkoutPlan.tasks), derive(back.tasks)];
    expect([after.totalHours, after.criticalPath, after.criticalPathHours, after.parallelEfficiency]).toEqual([
      before.totalHours,
      before.criticalPath,
      before.criticalPathHours,
      before.parallelEfficiency,
    ]);
    // check reads the same effort from the file as the conversion does.
    const compact = compactTaskmasterGraph(JSON.parse(JSON.stringify(toTaskmaster(checkoutPlan))))!;
    expect(Array.from(compact.hours)).toEqual(checkoutPlan.tasks.map((t) => EFFORT_HOURS[t.effort]));
  });
});
