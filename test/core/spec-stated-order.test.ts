/** Shapes whose structure says what is work and in which order: edge cases, task-master roadmaps and chains. */
import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../src/core/intake/inventory.js';
import { parseSpec } from '../../src/core/intake/spec.js';

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;

describe('edge cases', () => {
  it('a question is an open question; a question with its answer is a criterion, whole', () => {
    const spec = parseSpec(
      md(
        '# Feature Specification: Export',
        '',
        '### Edge Cases',
        '',
        '- What happens when the list is empty?',
        '- What happens when the disk is full? The export stops and says which file it could not write.',
        '- A name with a slash is escaped.',
      ),
      'spec.md',
    );
    expect(spec.openQuestions.map((q) => [q.line, q.text])).toEqual([[5, 'What happens when the list is empty?']]);
    expect(spec.acceptance.map((c) => [c.line, c.text])).toEqual([
      [6, 'What happens when the disk is full? The export stops and says which file it could not write.'],
      [7, 'A name with a slash is escaped.'],
    ]);
  });
});

describe('a task-master PRD', () => {
  const prd = md(
    '<context>',
    '# Overview',
    'A URL shortener.',
    '# Core Features',
    '- Shortening: a form that takes a long URL',
    '- Redirection: short links redirect',
    '- Persistence: links survive restarts',
    '</context>',
    '<PRD>',
    '# Development Roadmap',
    '- **MVP Requirements:**',
    '    1. Set up the Express backend server.',
    '    2. Implement the storage module for links.',
    '    3. Implement the POST /api/shorten endpoint.',
    '    4. Build the shortening form in React.',
    '- **Future Enhancements:** custom short codes',
    '# Logical Dependency Chain',
    '1. Express backend server setup.',
    '2. Storage module.',
    '3. POST /api/shorten endpoint (depends on 1 & 2).',
    '4. Shortening form in React.',
    '</PRD>',
  );

  it("plans from its roadmap's bullets, nested under their label, not from the feature list", () => {
    const spec = parseSpec(prd, 'prd.txt');
    expect(spec.requirements.map((r) => [r.line, r.text])).toEqual([
      [12, 'Set up the Express backend server.'],
      [13, 'Implement the storage module for links.'],
      [14, 'Implement the POST /api/shorten endpoint.'],
      [15, 'Build the shortening form in React.'],
    ]);
    expect(spec.outOfScope.map((o) => o.line)).toEqual([16]);
  });

  it('gives each roadmap item its step in the dependency chain and the items that step needs, for planners to use as edges', () => {
    const inventory = buildInventory([parseSpec(prd, 'prd.txt')]);
    expect(inventory.items.filter((i) => i.kind === 'requirement').map((i) => [i.key, i.order, i.dependsOn])).toEqual([
      ['R1', 1, undefined],
      ['R2', 2, ['R1']],
      ['R3', 3, ['R1', 'R2']],
      ['R4', 4, ['R3']],
    ]);
  });
});

describe('a BMAD PRD', () => {
  it('takes a deferred epic as one out-of-scope item with its reason, and nothing under it as work', () => {
    const spec = parseSpec(
      md(
        '# PRD',
        '',
        '## Epic 1: Core',
        '',
        '### Story 1.1: Save a note',
        '',
        'As a user, I want to save a note, so that I keep it.',
        '',
        '## Epic 2: Sharing (deferred)',
        '',
        'Deferred until the permission model exists.',
        '',
        '### Story 2.1: Share a note',
        '',
        '1. A shared note is visible to the other user',
        '',
        '## Epic 3: Sync',
        '',
        '**Status:** Out of scope for the MVP: needs a server.',
        '',
        '### Story 3.1: Sync notes',
        '',
        '- Notes sync within a minute',
      ),
      'prd.md',
    );
    expect(spec.requirements.map((r) => r.text)).toEqual(['Story 1.1: Save a note']);
    expect(spec.acceptance).toEqual([]);
    expect(spec.outOfScope.map((o) => [o.line, o.text])).toEqual([
      [9, 'Epic 2: Sharing (deferred) — Deferred until the permission model exists.'],
      [17, 'Epic 3: Sync — Out of scope for the MVP: needs a server.'],
    ]);
  });
});
