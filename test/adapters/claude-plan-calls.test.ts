/**
 * The claude engine's two call shapes without a model: what an outline and a group of details must hold, the
 * problems xplan sends back, and the plan they make together.
 */
import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../src/core/intake/inventory.js';
import { parseSpec } from '../../src/core/intake/spec.js';
import {
  assemblePlan,
  checkDetails,
  checkOutline,
  detailGroups,
  detailsPrompt,
  expandKeys,
  expandOutline,
  outlinePrompt,
  planningPrefix,
  type Outline,
  type TaskDetails,
} from '../../src/engines/claude-answer.js';

const SPEC = [
  '# Notes', //                                                  1
  '## Requirements',
  '- FR-1: Create a note with a title', //                         3
  '  - Acceptance: an empty title is refused', //                 4
  '- FR-2: Search notes by title', //                              5
  '  - Acceptance: search answers within 100 ms', //              6
  '- FR-3: Phase 2: share notes with a team', //                   7
  '',
].join('\n');
const inventory = buildInventory([parseSpec(SPEC, 'notes.md')]);
const rules = { minHoursPerTask: 1.5, testsFirst: false };

function outline(tasks: Array<Partial<Outline['tasks'][number]> & { id: string }>, extra: Partial<Outline> = {}): Outline {
  return {
    kind: 'technical-spec',
    verdict: 'multi-agent',
    confidence: 'medium',
    reasons: ['two features over one store'],
    effortHours: 4,
    drivers: [],
    tasks: tasks.map((t) => ({ title: `Build ${t.id}`, covers: [], dependsOn: [], effort: 'M', kind: 'feature', stream: 'notes', ...t })),
    excluded: [],
    ...extra,
  };
}

const details = (id: string, extra: Partial<TaskDetails> = {}): TaskDetails => ({
  id,
  description: `Build what ${id} says.`,
  edges: [],
  derivedAcceptance: [],
  risk: 'low',
  riskReason: 'small',
  testStrategy: 'test-after',
  strategyReason: 'tests in the task',
  files: ['src/notes.ts'],
  ...extra,
});

describe('the outline call', () => {
  it('passes when every item is covered once or left out with a reason, and the lead sees what was left out', () => {
    const good = outline(
      [
        { id: 'T1', covers: ['R1', 'A1'] },
        { id: 'T2', covers: ['R2', 'A2'], dependsOn: ['T1'] },
      ],
      { excluded: [{ item: 'R3', reason: 'a later phase' }] },
    );
    const check = checkOutline(good, inventory, rules);
    expect(check.problems).toEqual([]);
    expect(check.excluded.map((e) => [e.item.key, e.item.line, e.reason])).toEqual([['R3', 7, 'a later phase']]);
  });

  it('names a cycle, an uncovered requirement, an exclusion without reason and a split single-agent verdict', () => {
    const bad = outline(
      [
        { id: 'T1', covers: ['R1', 'A1'], dependsOn: ['T2'] },
        { id: 'T2', covers: ['A2'], dependsOn: ['T1'] },
      ],
      { verdict: 'single-agent', confidence: 'high', excluded: [{ item: 'R3', reason: ' ' }] },
    );
    const check = checkOutline(bad, inventory, rules);
    expect(check.graph.join('\n')).toMatch(/T1 → T2 → T1|T2 → T1 → T2/);
    const problems = check.problems.join('\n');
    expect(problems).toMatch(/R2 \(FR-2\) at notes\.md:5 .* is covered by no task/);
    expect(problems).toMatch(/R3 is excluded without a reason/);
    expect(problems).toMatch(/single-agent with high confidence, which is one task, but the outline has 2/);
  });

  it('refuses more tasks than their own effort supports, and more than the lead allowed', () => {
    const many = outline(['T1', 'T2', 'T3', 'T4'].map((id, i) => ({ id, effort: 'XS' as const, covers: [['R1', 'A1'], ['R2'], ['A2'], ['R3']][i]! })));
    expect(checkOutline(many, inventory, rules).problems.join('\n')).toMatch(/4 tasks is more than 2 agent-hours of work supports \(1–3\)/);
    expect(checkOutline(many, inventory, { ...rules, maxTasks: 2 }).problems.join('\n')).toMatch(/more than the lead's limit of 2/);
  });

  it('tells the model the same size range the lead is shown, and its purpose, after the shared prefix', () => {
    const prefix = planningPrefix([{ file: 'notes.md', text: SPEC }], inventory, 'Phase 2 is in scope');
    const prompt = outlinePrompt(prefix, { ...rules, maxTasks: 5 });
    expect(prompt.startsWith(prefix)).toBe(true);
    expect(prompt).toContain('Call: outline');
    expect(prompt).toContain('between ⌈E/8⌉ and max(3, ⌈E/1.5⌉) tasks: the range the lead is shown, and never more than 5');
    expect(prefix).toContain('## Instructions from the tech lead');
    expect(prefix).toContain('Phase 2 is in scope');
  });
});

describe('the detail calls', () => {
  const plan = outline([
    { id: 'T1', covers: ['R1', 'A1'] },
    { id: 'T2', covers: ['R2', 'A2'], dependsOn: ['T1'] },
    { id: 'T3', covers: ['R3'], kind: 'docs' },
  ]);

  it('split the tasks into at most as many groups as calls may run at once, in outline order', () => {
    const ids = Array.from({ length: 26 }, (_, i) => `T${i + 1}`);
    const groups = detailGroups(ids, 6);
    expect(groups.length).toBeLessThanOrEqual(6);
    expect(groups.flat()).toEqual(ids);
    expect(detailGroups(['T1'], 6)).toEqual([['T1']]);
  });

  it('name the tasks asked for, and each answer must hold exactly those', () => {
    const prompt = detailsPrompt('PREFIX\n', plan, ['T1', 'T2'], { testsFirst: false, specNamesFiles: true });
    expect(prompt).toContain('Call: details T1–T2');
    expect(prompt).toContain('T2 [feature, M, stream notes] Build T2 — covers R2, A2; depends on T1');
    const problems = checkDetails({ tasks: [details('T1', { files: [] }), details('T3')] }, plan, ['T1', 'T2'], { testsFirst: true, specNamesFiles: true });
    expect(problems).toEqual(['T3 was not asked for in this call; answer only T1, T2', 'T2 has no details', 'T1 names no files, though the spec gives the structure']);
    expect(checkDetails({ tasks: [details('T1', { risk: 'high' })] }, plan, ['T1'], { testsFirst: true, specNamesFiles: false })).toEqual([
      'T1 is high risk and the spec asks for tests first, but its strategy is test-after',
    ]);
  });

  it('make one plan with the outline: the spec’s criteria on the task that covers them, edge reasons in the description', () => {
    const all = new Map(
      ['T1', 'T2', 'T3'].map((id) => [id, details(id, id === 'T2' ? { edges: [{ task: 'T1', reason: 'searches the notes T1 stores' }], derivedAcceptance: ['an empty query lists every note'] } : {})]),
    );
    const { tasks, streams } = assemblePlan(plan, all, inventory);
    expect(tasks.map((t) => [t.id, t.dependsOn, t.acceptanceCriteria])).toEqual([
      ['T1', [], ['an empty title is refused']],
      ['T2', ['T1'], ['search answers within 100 ms', '(derived) an empty query lists every note']],
      ['T3', [], []],
    ]);
    expect(tasks[1]!.description).toBe('Build what T2 says.\n\nBuilds on:\n- T1: searches the notes T1 stores');
    expect(tasks[1]!.sources).toEqual([
      { file: 'notes.md', line: 5, ref: 'FR-2' },
      { file: 'notes.md', line: 6, ref: 'acceptance' },
    ]);
    expect(streams).toEqual([{ id: 'A', name: 'notes', tasks: ['T1', 'T2', 'T3'] }]);
  });
});

describe('ranges of keys', () => {
  it('cover every key between their ends, and read back the same way in the detail calls', () => {
    expect(expandKeys(['R1', 'A2-A5', 'A7-9', 'A9-A3'])).toEqual(['R1', 'A2', 'A3', 'A4', 'A5', 'A7', 'A8', 'A9', 'A9-A3']);
    const ranged = expandOutline(outline([{ id: 'T1', covers: ['R1-R3', 'A1-A2'] }]));
    expect(checkOutline(ranged, inventory, rules).problems).toEqual([]);
    expect(detailsPrompt('', ranged, ['T1'], { testsFirst: false, specNamesFiles: false })).toContain('covers R1-R3, A1, A2;');
  });
});
