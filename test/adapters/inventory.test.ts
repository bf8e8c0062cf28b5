import { describe, expect, it } from 'vitest';
import { buildInventory, checkCoverage, formatInventory } from '../../src/core/intake/inventory.js';
import { parseSpec } from '../../src/core/intake/spec.js';
import { planningPrefix } from '../../src/engines/claude-answer.js';

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

  it('is what every planning call starts with, before the spec with numbered lines', () => {
    const prefix = planningPrefix([{ file: 'notes.md', text: SPEC }], inventory);
    expect(prefix).toContain(formatInventory(inventory));
    expect(prefix.indexOf('## Inventory')).toBeLessThan(prefix.indexOf('## Spec notes.md'));
    expect(prefix).toContain(' 5| - FR-12345: Search notes by title');
  });
});

describe('coverage against the inventory', () => {
  const task = (id: string, covers: string[], kind: 'feature' | 'test' = 'feature') => ({ id, kind, covers });

  it('passes when every requirement and acceptance line is covered exactly once, by a task of any kind', () => {
    expect(checkCoverage(inventory, [task('T1', ['R1', 'A1']), task('T2', ['R2', 'R3']), task('T3', ['A2'], 'test')])).toEqual([]);
    expect(checkCoverage(inventory, [task('T1', ['R1', 'A1']), task('T2', ['R2', 'R3', 'A2']), task('T3', ['A2'], 'test')]).map((p) => p.code)).toEqual(['COVERED_TWICE']);
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
