/** The pure rules of the beads export: usable titles, the prefix bd init picks, epics that follow their children, the graph plan. */
import { describe, expect, it } from 'vitest';
import {
  actionLines,
  actionSummary,
  bdInitPrefix,
  changedFields,
  decideBeadsExport,
  dependencyLine,
  emptyCounts,
  epicChange,
  graphPlan,
  missingDetails,
  prefixProblem,
  titleProblem,
  type BeadsAction,
  type BeadsRecord,
} from '../../src/core/beads/beads-export.js';
import type { BeadsGraph, BeadsIssue } from '../../src/core/beads/beads-map.js';
import type { RunState } from '../../src/core/run/run.js';

describe('titleProblem', () => {
  it.each([
    ['Add the login form', undefined],
    ['Δοκιμή 42', undefined],
    ['...', 'no letter or digit in "..."'],
    ['— ·', 'no letter or digit in "— ·"'],
    ['Two\nlines', 'a line break or control character'],
    ['Tab\there', 'a line break or control character'],
  ])('%j → %j', (title, problem) => {
    expect(titleProblem(title, `T1 ${title}`)).toBe(problem);
  });

  it('counts bytes, as bd does: 500 fit, 501 do not', () => {
    expect(titleProblem('x', 'x'.repeat(500))).toBeUndefined();
    expect(titleProblem('é', 'é'.repeat(251))).toBe('502 bytes as an issue title, bd takes at most 500');
  });
});

describe('bdInitPrefix', () => {
  it.each([
    ['myapp', 'myapp'],
    ['.claude', 'claude'],
    ['my.project-', 'my_project'],
    ['001', 'bd_001'],
    ['xplan-repo-Ab12', 'xplan-repo-Ab12'],
  ])('%s → %s', (dir, prefix) => {
    expect(bdInitPrefix(dir)).toBe(prefix);
  });
});

describe('prefixProblem', () => {
  it('takes bd-style prefixes and explains the rest', () => {
    expect(prefixProblem('acme')).toBeUndefined();
    expect(prefixProblem('my-app_2')).toBeUndefined();
    expect(prefixProblem('')).toBe('it is empty');
    expect(prefixProblem('acme-')).toMatch(/trailing/);
    expect(prefixProblem('2fast')).toMatch(/starting with a letter/);
    expect(prefixProblem('a b')).toMatch(/letters, digits/);
  });
});

describe('epicChange', () => {
  it('closes once every child is closed, reopens a closed epic when one is not, and otherwise leaves it', () => {
    expect(epicChange(['closed', 'closed'], 'open')).toEqual({ status: 'closed', reason: 'All 2 child issues are closed' });
    expect(epicChange(['closed', 'closed'], 'closed')).toBeUndefined();
    expect(epicChange(['closed', 'in_progress'], 'closed')).toEqual({ status: 'open', reason: 'Reopened: 1 of 2 child issues are not closed' });
    expect(epicChange(['closed', 'deferred'], 'open')).toBeUndefined();
    expect(epicChange([], 'open')).toBeUndefined();
  });
});

const issue = (key: string, extra: Partial<BeadsIssue> = {}): BeadsIssue => ({
  key,
  title: `${key} Title`,
  type: 'task',
  priority: 2,
  description: 'D',
  design: 'G',
  acceptance: '- A',
  labels: ['xplan'],
  estimateMinutes: 60,
  externalRef: `xplan:p-1:${key}`,
  metadata: { xplanPlan: 'p-1', xplanTask: key },
  ...extra,
});

describe('graphPlan', () => {
  it('names new ends by key and existing ones by bd id; nodes leave out what the graph format cannot carry', () => {
    const plan = graphPlan('msg', [issue('T2', { parent: 'epic:spec.md' }), issue('T3', { parent: 'epic:spec.md' })], { 'epic:spec.md': 'acme-e1', T1: 'acme-e1.1' }, [
      { from: 'T2', to: 'T1' },
      { from: 'T3', to: 'T2' },
    ]);
    expect(plan.commit_message).toBe('msg');
    expect(plan.nodes[0]).toEqual({
      key: 'T2',
      title: 'T2 Title',
      type: 'task',
      description: 'D',
      priority: 2,
      labels: ['xplan'],
      metadata: { xplanPlan: 'p-1', xplanTask: 'T2' },
      parent_id: 'acme-e1',
    });
    expect(plan.edges).toEqual([
      { from_key: 'T2', to_id: 'acme-e1.1', type: 'blocks' },
      { from_key: 'T3', to_key: 'T2', type: 'blocks' },
    ]);
  });
});

describe('changedFields and missingDetails', () => {
  it('ask bd only for what differs', () => {
    const wanted = issue('T1');
    expect(
      changedFields(wanted, {
        id: 'x',
        title: 'T1 Title',
        description: 'D',
        design: 'G',
        acceptance_criteria: '- A',
        priority: 2,
        estimated_minutes: 60,
        labels: ['xplan', 'mine'],
        external_ref: 'xplan:p-1:T1',
      }),
    ).toEqual([]);
    expect(changedFields(wanted, { id: 'x', title: 'Old', priority: 1 })).toEqual([
      ['--title', 'T1 Title'],
      ['--description', 'D'],
      ['--design', 'G'],
      ['--acceptance', '- A'],
      ['--estimate', '60'],
      ['--external-ref', 'xplan:p-1:T1'],
      ['--priority', '2'],
      ['--add-label', 'xplan'],
    ]);
    expect(missingDetails(wanted, {})).toEqual([
      ['--design', 'G'],
      ['--acceptance', '- A'],
      ['--estimate', '60'],
      ['--external-ref', 'xplan:p-1:T1'],
    ]);
  });
});

describe('dependencyLine', () => {
  it('names both ends, with ids and titles', () => {
    expect(dependencyLine({ id: 'acme-1.2', title: 'T2 API' }, { id: undefined, title: 'T1 Schema' })).toBe('acme-1.2 "T2 API" depends on new "T1 Schema"');
  });
});

describe('decideBeadsExport: the whole export decided before bd is called', () => {
  const epic = issue('epic:spec.md', { type: 'epic', title: 'Spec', metadata: { xplanPlan: 'p-1', xplanSpec: 'spec.md' }, externalRef: 'xplan:p-1:epic:spec.md' });
  const tasks = ['T1', 'T2', 'T3'].map((key) => issue(key, { parent: 'epic:spec.md' }));
  const graph: BeadsGraph = {
    issues: [epic, ...tasks],
    dependencies: [
      { from: 'T2', to: 'T1' },
      { from: 'T3', to: 'T2' },
    ],
  };
  const ids: Record<string, string> = { 'epic:spec.md': 'bd-e', T1: 'bd-1', T2: 'bd-2', T3: 'bd-3' };
  /** The issue as bd lists it once exported, with the dependencies it has in bd. */
  const record = (i: BeadsIssue, extra: Partial<BeadsRecord> = {}, dependsOn: string[] = []): BeadsRecord => ({
    id: ids[i.key]!,
    title: i.title,
    status: 'open',
    external_ref: i.externalRef,
    description: i.description,
    design: i.design,
    acceptance_criteria: i.acceptance,
    priority: i.priority,
    estimated_minutes: i.estimateMinutes!,
    labels: i.labels,
    metadata: i.metadata,
    dependencies: dependsOn.map((to) => ({ issue_id: ids[i.key]!, depends_on_id: ids[to]!, type: 'blocks' })),
    ...extra,
  });
  const exported = (): BeadsRecord[] => [record(epic), record(tasks[0]!), record(tasks[1]!, {}, ['T1']), record(tasks[2]!, {}, ['T2'])];
  /** Each action as `kind key…`, as a reader of the export report would name it. */
  const summary = (actions: BeadsAction[]) =>
    actions.map((a) => {
      switch (a.kind) {
        case 'create-graph':
          return `create-graph ${a.issues.map((i) => i.key).join(',')} deps ${a.dependencies.map((d) => `${d.from}>${d.to}`).join(',')}`;
        case 'add-dependency':
        case 'remove-dependency':
          return `${a.kind} ${a.from}>${a.to}`;
        case 'update':
        case 'details':
          return `${a.kind} ${a.issue.key} ${a.flags.map(([f]) => f).join(' ')}`;
        case 'status':
        case 'epic-status':
          return `${a.kind} ${a.issue.key} ${a.change.status}`;
        default:
          return `${a.kind} ${a.issue.key}`;
      }
    });
  const runWith = (states: Record<string, string>): RunState =>
    ({
      tasks: Object.fromEntries(
        Object.entries(states).map(([id, state]) => [id, { state, attempts: [{ agent: Number(id.slice(1)), branch: `xplan/r/agent-${id.slice(1)}-x` }], transientFailures: 0 }]),
      ),
    }) as unknown as RunState;

  it.each([
    {
      name: 'a first export with create --graph: one transaction, then the fields the graph cannot carry',
      existing: [] as BeadsRecord[],
      supportsGraph: true,
      actions: [
        'create-graph epic:spec.md,T1,T2,T3 deps T2>T1,T3>T2',
        'details epic:spec.md --design --acceptance --estimate --external-ref',
        'details T1 --design --acceptance --estimate --external-ref',
        'details T2 --design --acceptance --estimate --external-ref',
        'details T3 --design --acceptance --estimate --external-ref',
      ],
      counts: { created: 4, dependenciesAdded: 2 },
      creation: 'graph',
    },
    {
      name: 'a first export without create --graph: one create each, the epic first, then the dependencies',
      existing: [],
      supportsGraph: false,
      actions: ['create epic:spec.md', 'create T1', 'create T2', 'create T3', 'add-dependency T2>T1', 'add-dependency T3>T2'],
      counts: { created: 4, dependenciesAdded: 2 },
      creation: 'per-issue',
    },
    {
      name: 'exporting again unchanged does nothing',
      existing: exported(),
      supportsGraph: true,
      actions: [],
      counts: { unchanged: 4 },
      creation: undefined,
    },
    {
      name: 'a changed title and a new label are the only fields updated',
      existing: [record(epic), record(tasks[0]!, { title: 'T1 Old title', labels: [] }), record(tasks[1]!, {}, ['T1']), record(tasks[2]!, {}, ['T2'])],
      supportsGraph: true,
      actions: ['update T1 --title --add-label'],
      counts: { updated: 1, unchanged: 3 },
      creation: undefined,
    },
    {
      name: 'dependencies become exactly the plan’s: a stale one removed, a missing one added',
      existing: [record(epic), record(tasks[0]!), record(tasks[1]!, {}, ['T1']), record(tasks[2]!, {}, ['T1'])],
      supportsGraph: true,
      actions: ['add-dependency T3>T2', 'remove-dependency T3>T1'],
      counts: { unchanged: 4, dependenciesAdded: 1, dependenciesRemoved: 1 },
      creation: undefined,
    },
    {
      name: 'one issue missing is created on its own, even with create --graph',
      existing: exported().filter((r) => r.id !== 'bd-3'),
      supportsGraph: true,
      actions: ['create T3', 'add-dependency T3>T2'],
      counts: { created: 1, unchanged: 3, dependenciesAdded: 1 },
      creation: 'per-issue',
    },
  ])('$name', ({ existing, supportsGraph, actions, counts, creation }) => {
    const decision = decideBeadsExport({ planId: 'p-1', graph, existing, saved: {}, supportsGraph });
    expect(summary(decision.actions)).toEqual(actions);
    expect(decision.counts).toEqual({ ...emptyCounts(), ...counts });
    expect(decision.creation).toBe(creation);
  });

  it('finds issues by the saved mapping, their external ref or their metadata, and forgets mapped ids bd no longer has', () => {
    const blocks = (from: string, to: string) => [{ issue_id: from, depends_on_id: to, type: 'blocks' }];
    const byRef = record(tasks[1]!, { id: 'bd-22', metadata: {}, dependencies: blocks('bd-22', 'bd-11') });
    const byMetadata = record(tasks[2]!, { id: 'bd-33', external_ref: '', dependencies: blocks('bd-33', 'bd-22') });
    const decision = decideBeadsExport({
      planId: 'p-1',
      graph,
      existing: [record(epic), record(tasks[0]!, { id: 'bd-11' }), byRef, byMetadata],
      saved: { 'epic:spec.md': 'bd-e', T1: 'bd-11', T2: 'bd-gone' },
      supportsGraph: true,
    });
    expect(decision.mapping).toEqual({ 'epic:spec.md': 'bd-e', T1: 'bd-11', T2: 'bd-22', T3: 'bd-33' });
    expect(summary(decision.actions)).toEqual(['update T3 --external-ref']);
  });

  it.each([
    {
      name: 'tasks take their run states; the epic stays open while a child is',
      states: { T1: 'completed', T2: 'running', T3: 'waiting' },
      epicStatus: 'open',
      actions: ['status T1 closed', 'status T2 in_progress'],
    },
    {
      name: 'the epic closes after its last child',
      states: { T1: 'completed', T2: 'completed', T3: 'unverified' },
      epicStatus: 'open',
      actions: ['status T1 closed', 'status T2 closed', 'status T3 closed', 'epic-status epic:spec.md closed'],
    },
    { name: 'a closed epic reopens when a child is open again', states: { T1: 'failed' }, epicStatus: 'closed', actions: ['status T1 blocked', 'epic-status epic:spec.md open'] },
  ])('--sync: $name', ({ states, epicStatus, actions }) => {
    const existing = exported().map((r) => (r.id === 'bd-e' ? { ...r, status: epicStatus } : r));
    const decision = decideBeadsExport({ planId: 'p-1', graph, existing, saved: {}, supportsGraph: true, run: runWith(states) });
    expect(summary(decision.actions)).toEqual(actions);
  });

  it('report lines name each issue by its bd id once known, and `new` before', () => {
    const create: BeadsAction = { kind: 'create', issue: tasks[0]! };
    expect(actionLines(create, {}, graph, 'bd')).toEqual(['create new "T1 Title" under new "Spec"']);
    expect(actionLines(create, ids, graph, 'bd')).toEqual(['create bd-1 "T1 Title" under bd-e "Spec"']);
    expect(actionLines({ kind: 'epic-status', issue: epic, change: { status: 'closed', reason: 'All 3 child issues are closed' } }, ids, graph, 'bd')).toEqual([
      'close epic bd-e "Spec": All 3 child issues are closed',
    ]);
    expect(actionSummary({ kind: 'remove-dependency', from: 'T3', to: 'T1' })).toBe('dependencies');
  });
});
