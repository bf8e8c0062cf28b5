/** Intake on the shapes real specs take: Kiro/EARS requirements, inline criteria, requirement tables, examples. */
import { describe, expect, it } from 'vitest';
import { parseSpec, type ParsedSpec } from '../../src/core/intake/spec.js';

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;
const parse = (text: string): ParsedSpec => parseSpec(text, 'spec.md');
const ownerLines = (spec: ParsedSpec) => spec.acceptance.map((c) => [c.line, c.owner === undefined ? undefined : spec.requirements[c.owner]!.line]);

describe('Kiro requirements.md with EARS criteria', () => {
  const spec = parse(
    md(
      '# Requirements Document', //                                             1
      '',
      '## Introduction',
      '',
      'A command-line tool that exports bookmarks.', //                         5
      '',
      '## Requirements',
      '',
      '### Requirement 1', //                                                   9
      '',
      '**User Story:** As a developer, I want to export my bookmarks to JSON, so that I can back them up.',
      '',
      '#### Acceptance Criteria',
      '',
      '1. WHEN the user runs `export --json` THEN the system SHALL write every bookmark as JSON', // 15
      '2. IF the store is empty THEN the system SHALL write an empty array', //  16
      '',
      '### Requirement 2: Import', //                                           18
      '',
      '**User Story:** As a developer, I want to import bookmarks, so that I can restore them.',
      '',
      '#### Acceptance Criteria',
      '',
      '1. WHEN the user runs `import file.json` THEN the system SHALL add every bookmark', // 24
    ),
  );

  it('makes each numbered requirement one requirement, named by its user story when its heading is only a number', () => {
    expect(spec.requirements.map((r) => [r.line, r.kind, r.text])).toEqual([
      [9, 'functional', 'As a developer, I want to export my bookmarks to JSON, so that I can back them up.'],
      [18, 'functional', 'Requirement 2: Import'],
    ]);
  });

  it('gives the criteria under "#### Acceptance Criteria" to their own requirement', () => {
    expect(ownerLines(spec)).toEqual([
      [15, 9],
      [16, 9],
      [24, 18],
    ]);
  });
});

describe('inline acceptance bullets', () => {
  it('reads "- Acceptance: …" as a criterion of the requirement above it', () => {
    const spec = parse(
      md(
        '# Shop',
        '## Requirements',
        '- FR-1: Export the cart as CSV', //                  3
        '  - Acceptance: an empty cart exports a header row', // 4
        '### FR-2 Import',
        'Imports a CSV file.',
        '- Acceptance: duplicate rows are skipped', //        7
        '- **Acceptance criteria:** the import reports how many rows it read', // 8
      ),
    );
    expect(spec.requirements.map((r) => r.id)).toEqual(['FR-1', 'FR-2']);
    expect(spec.acceptance.map((c) => [c.line, c.text])).toEqual([
      [4, 'an empty cart exports a header row'],
      [7, 'duplicate rows are skipped'],
      [8, 'the import reports how many rows it read'],
    ]);
    expect(ownerLines(spec)).toEqual([
      [4, 3],
      [7, 5],
      [8, 5],
    ]);
  });
});

describe('requirement tables', () => {
  const spec = parse(
    md(
      '# Installer',
      '## User stories',
      '| ID | Persona | Story | Priority |',
      '|----|---------|-------|----------|',
      '| US-001 | New user | Install with one command | P1 |', // 5
      '| US-002 | Admin | Pin a version in CI | P2 |', //         6
      '## Functional requirements',
      '| ID | Requirement | Status |',
      '|---|---|---|',
      '| FR-12345 | The installer MUST verify the download checksum (US-001) | Draft |', // 10
    ),
  );

  it('keeps the text of every cell that says what the row asks for', () => {
    expect(spec.requirements.map((r) => [r.line, r.id, r.text, r.priority])).toEqual([
      [5, 'US-001', 'US-001: New user — Install with one command', 'P1'],
      [6, 'US-002', 'US-002: Admin — Pin a version in CI', 'P2'],
      [10, 'FR-12345', 'FR-12345: The installer MUST verify the download checksum (US-001)', undefined],
    ]);
  });

  it('keeps ids of any length intact', () => {
    const ids = parse(md('# X', '## Requirements', '- FR-12345: one', '- NFR-000001: two', 'Criteria: SC-0000042 names FR-12345')).requirements.map((r) => r.id);
    expect(ids).toEqual(['FR-12345', 'NFR-000001']);
  });
});

describe('what is not work', () => {
  it('drops feature headings with nothing under them', () => {
    const spec = parse(md('# App', '## Core features', '### Search', 'Full-text search over titles.', '### Sharing', '### Export', '- CSV and JSON'));
    expect(spec.requirements.map((r) => r.text)).toEqual(['Search', 'Export']);
  });

  it('does not read example lists and example sections as requirements', () => {
    const spec = parse(
      md(
        '# CLI',
        '## Requirements',
        '- The tool lists bookmarks', //   3
        'Example output:',
        '- 1 github.com (2 tags)',
        '- 2 example.org',
        '',
        'The list is sorted by date.',
        '- The tool deletes a bookmark by id', // 9
        '### Example session',
        '- add https://x.y',
      ),
    );
    expect(spec.requirements.map((r) => r.line)).toEqual([3, 9]);
  });

  it('puts items marked for later, and later-phase sections, out of scope', () => {
    const spec = parse(
      md(
        '# App',
        '## Features',
        '- Bookmarks with tags', //                3
        '- Bulk export to PDF (post-MVP)', //       4
        '- Later: sharing with teams', //           5
        '## Nice to have',
        '- Dark mode', //                           7
      ),
    );
    expect(spec.requirements.map((r) => r.line)).toEqual([3]);
    expect(spec.outOfScope.map((o) => o.line)).toEqual([4, 5, 7]);
  });
});

describe('words are not meaning', () => {
  it('does not take a metadata line, a slug or a common word for an integration', () => {
    const spec = parse(
      md(
        '# Notes app',
        'Author: openai-codex',
        '## Requirements',
        '- Keep a linear checklist of steps',
        '- Linear is mentioned first here',
        '- Sync each note to Linear as an issue',
        '- Errors are reported to github.com/acme/issues',
      ),
    );
    expect(spec.integrations.map((i) => [i.name, i.evidence.line])).toEqual([['Linear', 6]]);
  });

  it('does not take a verb for a framework', () => {
    const spec = parse(md('# Notes app', '## Requirements', '- The list must react to edits and express changes at once'));
    expect(spec.components.map((c) => c.name)).toEqual([]);
    expect(parse(md('# Notes app', '## Requirements', '- A React front end on an Express server')).components.map((c) => c.category)).toEqual(['web-ui', 'api']);
  });
});

describe('PRD shapes from task-master', () => {
  it('reads a summary list followed by a section per feature as one requirement each', () => {
    const spec = parse(
      md(
        '# Board',
        '## Core Features',
        '1. CLI Integration',
        '2. Task Cards',
        '## Core Features',
        '### 1. CLI Integration',
        'Starts the server on a free port.',
        '### 2. Task Cards',
        'Each card shows its title.',
      ),
    );
    expect(spec.requirements.map((r) => [r.line, r.text])).toEqual([
      [6, '1. CLI Integration'],
      [8, '2. Task Cards'],
    ]);
  });

  it('names a story headed only by its persona from its "Story:" line, and keeps its "Acceptance:" line', () => {
    const spec = parse(
      md(
        '# Board',
        '## User Stories',
        '### As a Developer',
        '- **Story**: I want to start the board with a single command',
        '- **Acceptance**: `task-master ui` opens the browser',
        '- **Benefit**: quick access',
      ),
    );
    expect(spec.requirements.map((r) => [r.line, r.kind, r.text])).toEqual([[3, 'story', 'As a Developer, I want to start the board with a single command']]);
    expect(ownerLines(spec)).toEqual([[5, 3]]);
  });

  it('puts "Could Have" criteria out of scope even inside an acceptance section', () => {
    const spec = parse(md('# Board', '## Acceptance Criteria', '### Must Have', '- [ ] The board opens', '### Could Have', '- [ ] Dark mode'));
    expect(spec.acceptance.map((c) => c.line)).toEqual([4]);
    expect(spec.outOfScope.map((o) => o.line)).toEqual([6]);
  });

  it('takes template blanks and author instructions for what they are: not work', () => {
    const spec = parse(
      md(
        '# PRD Template',
        '<instruction>',
        '## Rules',
        '1. Each capability maps to a module',
        '</instruction>',
        '## Features',
        '- **Description**: [One sentence]',
        '- **Inputs**:',
        '- Line coverage: [X]% minimum',
        '- Export to CSV',
      ),
    );
    expect(spec.requirements.map((r) => r.text)).toEqual(['Export to CSV']);
    expect(spec.placeholders.map((p) => p.line)).toEqual([7, 9]);
  });
});

describe('a dependency chain written in words', () => {
  it('takes "Depends on X and Y" under a step as that step’s dependencies, instead of the step before', () => {
    const spec = parse(
      md(
        '# Tool',
        '# Logical Dependency Chain',
        '1. **Task Data Structure**',
        '   - Defines the core data model',
        '2. **Command Line Interface**',
        '   - Built on top of the task data structure',
        '3. **Batch Operations**',
        '   - Depends on both task data structure and CLI',
      ),
    );
    expect(spec.dependencies.map((d) => [d.from.text, d.on.map((o) => o.text)])).toEqual([
      ['Task Data Structure', []],
      ['Command Line Interface', ['task data structure']],
      ['Batch Operations', ['task data structure', 'CLI']],
    ]);
  });
});

describe('text that wraps over several lines', () => {
  it('keeps a wrapped criterion, a wrapped story and every Given/When/Then clause whole, each on the line it starts', () => {
    const spec = parse(
      md(
        '# Store', //                                                              1
        '## Requirements',
        '- FR-1: As the person who runs the VM, I want the data in one file with a', // 3
        '  single writer, so that backups are a copy.',
        '  - Acceptance: a second writer is refused with',
        '    an error that names the lock file',
        '## User stories',
        '**User Story:** As an operator, I want to restore a backup',
        'without stopping the service, so that restores need no downtime.', //  9
        '## Acceptance criteria',
        '1. Given a running service', //                                       11
        '   When a backup is restored',
        '   Then readers see the restored data',
        '2. WHEN the file is missing THEN the service SHALL create it', //      14
      ),
    );
    expect(spec.requirements.map((r) => [r.line, r.text])).toEqual([
      [3, 'FR-1: As the person who runs the VM, I want the data in one file with a single writer, so that backups are a copy.'],
      [8, 'User Story: As an operator, I want to restore a backup without stopping the service, so that restores need no downtime.'],
    ]);
    expect(spec.acceptance.map((c) => [c.line, c.text])).toEqual([
      [5, 'a second writer is refused with an error that names the lock file'],
      [11, 'Given a running service When a backup is restored Then readers see the restored data'],
      [14, 'WHEN the file is missing THEN the service SHALL create it'],
    ]);
  });

  it('does not join a paragraph, a label or the next item to a list item', () => {
    const spec = parse(md('# App', '## Requirements', '- The tool lists bookmarks', '**Notes:**', '- The tool deletes a bookmark', '', 'A paragraph after a blank line.'));
    expect(spec.requirements.map((r) => r.text)).toEqual(['The tool lists bookmarks', 'The tool deletes a bookmark']);
  });
});

describe('OpenSpec delta specs', () => {
  it('read each "Requirement:" as a requirement and its "Scenario:" blocks, WHEN/THEN/AND whole, as its criteria', () => {
    const spec = parse(
      md(
        '## ADDED Requirements', //                                             1
        '',
        '### Requirement: Tracker Feature Flag', //                             3
        'The system SHALL support a `tracker` project feature flag.',
        '',
        '#### Scenario: Tracker flag absent', //                                6
        '- **WHEN** `tracker` flag is not set',
        '- **THEN** tracker resolution SHALL be disabled',
        '- **AND** workflow commands SHALL behave as before',
        '',
        '### Requirement: Tracker Authentication', //                           11
        '#### Scenario: Missing credentials', //                                12
        '- **WHEN** required environment variables are absent',
        '- **THEN** resolution SHALL be skipped with a clear message',
      ),
    );
    expect(spec.requirements.map((r) => [r.line, r.text, r.acceptance])).toEqual([
      [3, 'Requirement: Tracker Feature Flag', [0]],
      [11, 'Requirement: Tracker Authentication', [1]],
    ]);
    expect(spec.acceptance.map((c) => [c.line, c.text])).toEqual([
      [6, 'Scenario: Tracker flag absent — WHEN tracker flag is not set THEN tracker resolution SHALL be disabled AND workflow commands SHALL behave as before'],
      [12, 'Scenario: Missing credentials — WHEN required environment variables are absent THEN resolution SHALL be skipped with a clear message'],
    ]);
  });
});

describe('the kind of a spec, from its structure', () => {
  it('calls EARS requirements a spec even when their criteria say "fail", and a write-up with a reproduction a bug', () => {
    const ears = parse(
      md(
        '# Requirements Document',
        '### Requirement 1: Throttle by capacity',
        '#### Acceptance Criteria',
        '1. WHEN capacity is exhausted THEN the system SHALL fail the request with a retry hint',
        '2. WHEN a worker fails THEN the system SHALL release its capacity',
      ),
    );
    expect(ears.kind).toBe('technical-spec');
    const bug = parse(md('# Empty values break the parser', '## Steps to reproduce', '- parse `a:""`', '## Root cause', 'The tokenizer drops empty strings.', '## Fix', '- keep empty tokens'));
    expect(bug.kind).toBe('debug-investigation');
  });
});
