import { describe, expect, it } from 'vitest';
import { buildInventory, checkCoverage, formatInventory } from '../../src/core/inventory.js';
import { parseSpec } from '../../src/core/spec.js';
import { convertPlanAnswer, planPrompt, type PlanAnswer } from '../../src/engines/claude-answer.js';

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;
const SPEC = md(
  '# Notes', //                                              1
  '## Requirements',
  '- FR-1: Create a note with a title', //                      3
  '  - Acceptance: an empty title is refused', //              4
  '- FR-12345: Search notes by title', //                      5
  '## User stories',
  '- As a writer, I want to find old notes, so that I reuse them', // 7
  '## Success criteria',
  '- SC-001: search answers within 100 ms', //                 9
  '## Risks',
  '- The index may grow large', //                             11
  '## Open questions',
  '- Do titles need to be unique?', //                         13
  '## Out of scope',
  '- Sharing notes', //                                        15
);
const spec = parseSpec(SPEC, 'notes.md');
const inventory = buildInventory([spec]);

describe('the intake inventory', () => {
  it('numbers every item the intake found, with its spec line, and nothing else', () => {
    expect(formatInventory(inventory)).toBe(
      [
        '### Requirements and user stories (R): each must be covered by exactly one task',
        'R1 [FR-1] notes.md:3 — FR-1: Create a note with a title',
        'R2 [FR-12345] notes.md:5 — FR-12345: Search notes by title',
        'R3 [story] notes.md:7 — As a writer, I want to find old notes, so that I reuse them',
        '',
        '### Acceptance lines (A): each belongs on exactly one task, the one that implements it',
        'A1 [of R1] notes.md:4 — an empty title is refused',
        'A2 [SC-001] notes.md:9 — SC-001: search answers within 100 ms',
        '',
        '### Risks (K)',
        'K1 notes.md:11 — The index may grow large',
        '',
        '### Open questions (Q)',
        'Q1 notes.md:13 — Do titles need to be unique?',
        '',
        '### Out of scope (X): never planned',
        'X1 notes.md:15 — Sharing notes',
      ].join('\n'),
    );
    expect(inventory.items).toHaveLength(spec.requirements.length + spec.acceptance.length + spec.risks.length + spec.openQuestions.length + spec.outOfScope.length);
  });

  it('is what the plan prompt carries, before the spec with numbered lines', () => {
    const prompt = planPrompt({ specs: [{ file: 'notes.md', text: SPEC }], inventory, verdict: 'multi-agent', recommendedTasks: { min: 1, max: 4 } });
    expect(prompt).toContain(formatInventory(inventory));
    expect(prompt.indexOf('## Inventory')).toBeLessThan(prompt.indexOf('## Spec notes.md'));
    expect(prompt).toContain(' 5| - FR-12345: Search notes by title');
    expect(prompt).toContain('supports 1–4 tasks');
  });
});

describe('coverage against the inventory', () => {
  const task = (id: string, covers: string[], kind: 'feature' | 'test' = 'feature') => ({ id, kind, covers });

  it('passes when every requirement and acceptance line is covered exactly once; test tasks do not count twice', () => {
    expect(checkCoverage(inventory, [task('T1', ['R1', 'A1']), task('T2', ['R2', 'R3', 'A2']), task('T3', ['R2', 'A2'], 'test')])).toEqual([]);
  });

  it('names what is uncovered, covered twice, out of scope, or unknown', () => {
    const problems = checkCoverage(inventory, [task('T1', ['R1', 'A1', 'X1']), task('T2', ['R1', 'R9', 'A2'])], new Set(['R3']));
    expect(problems.map((p) => [p.code, p.items, p.tasks])).toEqual([
      ['UNKNOWN_ITEM', ['R9'], ['T2']],
      ['COVERED_TWICE', ['R1'], ['T1', 'T2']],
      ['UNCOVERED', ['R2'], []],
      ['OUT_OF_SCOPE_PLANNED', ['X1'], ['T1']],
    ]);
  });
});

describe('a structured plan answer', () => {
  const base = {
    description: '',
    derivedAcceptance: [],
    effort: 'M',
    risk: 'low',
    riskReason: '',
    testStrategy: 'test-after',
    strategyReason: '',
    stream: 'notes',
    files: [],
    kind: 'feature',
  } as const;
  const answer = (tasks: Array<Partial<PlanAnswer['tasks'][number]> & { id: string }>, excluded: PlanAnswer['excluded'] = []): PlanAnswer => ({
    tasks: tasks.map((t) => ({ title: `Task ${t.id}`, dependsOn: [], covers: [], acceptance: [], ...base, ...t })),
    excluded,
  });

  it('becomes tasks whose sources and criteria are the inventory items they name, derived criteria marked', () => {
    const converted = convertPlanAnswer(
      answer(
        [
          { id: 'T1', covers: ['R1'], acceptance: ['A1'], derivedAcceptance: ['titles are trimmed'] },
          { id: 'T2', covers: ['R2'], acceptance: ['A2'], dependsOn: [{ task: 'T1', reason: 'searches the notes T1 stores' }] },
        ],
        [{ item: 'R3', reason: 'the same work as FR-12345' }],
      ),
      inventory,
      { min: 1, max: 4 },
    );
    expect(converted.problems).toEqual([]);
    expect(converted.tasks[0]!.acceptanceCriteria).toEqual(['an empty title is refused', '(derived) titles are trimmed']);
    expect(converted.tasks[0]!.sources).toEqual([
      { file: 'notes.md', line: 3, ref: 'FR-1' },
      { file: 'notes.md', line: 4, ref: 'acceptance' },
    ]);
    expect(converted.tasks[1]!.description).toContain('- T1: searches the notes T1 stores');
    expect(converted.excluded.map((e) => e.item.key)).toEqual(['R3']);
  });

  it('reports cycles, dangling edges, keys in the wrong list and too many tasks', () => {
    const tasks = [
      { id: 'T1', covers: ['R1', 'A1'], dependsOn: [{ task: 'T2', reason: 'x' }] },
      {
        id: 'T2',
        covers: ['R2', 'R3'],
        acceptance: ['A2'],
        dependsOn: [
          { task: 'T1', reason: 'y' },
          { task: 'T9', reason: 'z' },
        ],
      },
      ...['T3', 'T4', 'T5'].map((id) => ({ id, effort: 'XS' as const })),
    ];
    const problems = convertPlanAnswer(answer(tasks), inventory, { min: 1, max: 3 }).problems.join('\n');
    expect(problems).toMatch(/T9/);
    expect(problems).toMatch(/T1 → T2 → T1|T2 → T1 → T2/);
    expect(problems).toMatch(/T1 lists A1 in covers, which holds R items only/);
    expect(problems).toMatch(/5 tasks is more than this spec supports \(1–3\)/);
  });
});
