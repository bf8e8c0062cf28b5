/** The heuristic planner on spec shapes where word matching used to stand in for meaning. */
import { describe, expect, it } from 'vitest';
import { assessSpecs } from '../../src/core/intake/assess.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Plan, Task } from '../../src/core/plan/plan.js';
import { planSpecs, shortTitle, titleFrom } from '../../src/core/plan/planner.js';
import { parseSpec } from '../../src/core/intake/spec.js';

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;
const config = defaultConfig();

/** The full planner (not the one-task fast path) on an inline spec. */
function plan(text: string): Plan {
  const spec = parseSpec(text, 'spec.md');
  const assessment = { ...assessSpecs([spec], config.assess.thresholds), verdict: 'multi-agent' as const, confidence: 'medium' as const };
  return planSpecs([spec], assessment, { planId: 'p', branching: 'feature', maxTasks: 60, concurrency: 3, minHoursPerTask: 1.5, tinyTaskRatio: 0.3 }).plan;
}
const covering = (p: Plan, line: number): Task[] => p.tasks.filter((t) => t.kind !== 'test' && t.sources.some((s) => s.line === line));
const only = (p: Plan, line: number): Task => {
  const tasks = covering(p, line);
  expect(tasks, `tasks covering line ${line}`).toHaveLength(1);
  return tasks[0]!;
};

describe('titles', () => {
  it.each([
    ['FR-12345: The installer MUST verify the download checksum', 'The installer: verify the download checksum'],
    ['As a developer, I want to export my bookmarks to JSON, so that I can back them up.', 'Export my bookmarks to JSON'],
    ['US-001: New user — Install with one command', 'New user — Install with one command'],
    ['As the person who runs the VM, I want the data in one file, so that backups are a copy', 'The data in one file'],
    ['**', 'Fallback title'],
  ])('%s → %s', (text, title) => {
    expect(titleFrom(text, 'Fallback title')).toBe(title);
  });

  it('cuts a long title at a natural break, with no ellipsis', () => {
    const title = shortTitle('Import bookmarks from a browser export file exported by Chrome, Firefox or Safari, including folders and tags', 72);
    expect(title).toBe('Import bookmarks from a browser export file exported by Chrome, Firefox');
    expect(title.length).toBeLessThanOrEqual(72);
  });

  it('never ends a cut title inside a parenthesis it opened', () => {
    expect(shortTitle('Import: skip URLs the user already has (exact match after normalising trailing slashes and case)', 80)).toBe('Import: skip URLs the user already has');
  });

  it('never gives a task of a table-row spec an empty or cut-off title', () => {
    const p = plan(
      md(
        '# Installer',
        '## Functional requirements',
        '| ID | Requirement | Priority |',
        '|---|---|---|',
        '| FR-001 | Download the release archive for the current platform and architecture from the project’s GitHub releases page, verifying its signature | P1 |',
        '| FR-002 | Install the binary into ~/.local/bin and print how to add it to PATH | P1 |',
        '| FR-003 | Uninstall removes the binary and its cache | P2 |',
      ),
    );
    for (const t of p.tasks) {
      expect(t.title.trim()).not.toBe('');
      expect(t.title).not.toMatch(/…|\.\.\.$/);
    }
    expect(only(p, 5).title).toBe('Download the release archive for the current platform');
  });
});

describe('stories and the requirements that implement them', () => {
  it('makes a story and the requirement it names one task', () => {
    const p = plan(
      md(
        '# Bookmarks',
        '## User stories',
        '- US-1: As a reader, I want to save a page for later (FR-1)', //                  3
        '- US-2: As a reader, I want to tag saved pages, so that I can find them (FR-2)', // 4
        '## Requirements',
        '- FR-1: Saving a URL stores its title and the time it was saved', //               6
        '- FR-2: Tags are free text, several per bookmark, editable after saving', //       7
      ),
    );
    expect(only(p, 3)).toBe(only(p, 6));
    expect(only(p, 4)).toBe(only(p, 7));
  });
});

describe('dependencies the spec states', () => {
  it('turns "depends on FR-…" and "(depends on P1)" into edges', () => {
    const p = plan(
      md(
        '# Shop',
        '## User Story 1 - Browse the catalogue (Priority: P1)', //                       2
        'Shoppers list products by category and open a product page with its photos and price.',
        '## User Story 2 - Checkout (Priority: P2)', //                                   4
        'Shoppers pay for the basket with a card and get a receipt; this depends on P1.',
        '## Requirements',
        '- FR-1: Prices are stored in cents with their currency code', //                 7
        '- FR-2: Refund a paid order from the admin screen; depends on FR-3', //          8
        '- FR-3: Orders keep their payment reference and status history', //              9
      ),
    );
    expect(only(p, 4).dependsOn).toContain(only(p, 2).id);
    expect(only(p, 8).dependsOn).toContain(only(p, 9).id);
  });

  it('follows a "Logical Dependency Chain" section, with its numbered "(depends on 3 & 4)"', () => {
    const p = plan(
      md(
        '# URL shortener',
        '## Core features',
        '- Short code generation: random seven-character codes from nanoid', //          3
        '- Redirect endpoint: GET /:code answers 301 to the stored long URL', //           4
        '- Storage module: an in-memory map from code to long URL behind an interface', // 5
        '- Result display: the page shows the new short link with a copy button', //        6
        '## Logical Dependency Chain',
        '1. Storage module',
        '2. Short code generation',
        '3. Redirect endpoint (depends on 1 & 2)',
        '4. Result display (depends on 2)',
      ),
    );
    // Directly or through another task: the plan keeps only direct edges.
    const redirect = only(p, 4);
    expect(waitsFor(p, redirect.id, only(p, 5).id) && waitsFor(p, redirect.id, only(p, 3).id)).toBe(true);
    expect(waitsFor(p, only(p, 6).id, only(p, 3).id)).toBe(true);
  });
});

describe('words are not meaning', () => {
  it('does not call "MUST NOT require authentication" an authentication risk', () => {
    const p = plan(md('# Status page', '## Requirements', '- FR-1: The public status page MUST NOT require authentication', '- FR-2: The admin page lists incidents by date'));
    expect(only(p, 3).riskReason).not.toMatch(/authentication/);
  });
});

describe('spec-wide criteria and cross-cutting work', () => {
  const p = plan(
    md(
      '# Board',
      '## Features',
      '### Drag and drop', //                                                     3
      'Cards move between columns by dragging; the move is saved to tasks.json.',
      '### Card details', //                                                      5
      'A card shows the task title, its priority and the model assigned to it.',
      '### Startup', //                                                           7
      'The ui command starts a local server on a free port and opens the browser.',
      '## Performance requirements',
      '- Dragging a card between columns answers within 200 ms', //              10
      '## Acceptance Criteria',
      '- [ ] Dragging a card to another column saves its new status', //          12
      '- [ ] Each card shows the model assigned to its task', //                  13
      '- [ ] All existing commands keep working', //                              14
    ),
  );

  it('puts each spec-wide criterion on the task that implements what it checks', () => {
    expect(only(p, 12)).toBe(only(p, 3));
    expect(only(p, 13)).toBe(only(p, 5));
    expect(only(p, 14).title).toBe('Verify the spec-wide acceptance criteria');
  });

  it('makes a quality requirement wait for the feature it is about, not for everything', () => {
    expect(only(p, 10).dependsOn).toEqual([only(p, 3).id]);
  });
});

describe('the first working version of a feature', () => {
  it('is what its sibling stories extend, and comes first in the plan', () => {
    const p = plan(
      md(
        '# Loop',
        '## User Stories',
        '### US-1: Progress persistence', //                                                      3
        'As a developer, I want the loop to keep a progress file that persists across iterations.',
        '### US-2: Basic loop', //                                                                5
        'As a developer, I want to run the agent in a loop, one task per iteration, until all tasks are done.',
        '### US-3: Custom prompts', //                                                            7
        'As a developer, I want to give the loop my own prompt file for each iteration.',
      ),
    );
    const basic = only(p, 5);
    expect(basic.id).toBe('T1');
    expect(basic.dependsOn).toEqual([]);
    expect(waitsFor(p, only(p, 3).id, 'T1')).toBe(true);
    expect(waitsFor(p, only(p, 7).id, 'T1')).toBe(true);
  });
});

describe('coverage exactly once', () => {
  it('puts a criterion that names two requirements on one task, which waits for the other', () => {
    const p = plan(
      md(
        '# Shop',
        '## Catalogue requirements',
        '- FR-1: Products are listed by category with their photos, prices and stock levels', // 3
        '',
        '## Basket requirements',
        '- FR-2: A shopper adds products to a basket that keeps quantities and a running total', // 6
        '## Acceptance criteria',
        '- [ ] A product added from the catalogue page appears in the basket with its price (FR-1, FR-2)', // 8
      ),
    );
    const holders = covering(p, 8);
    expect(holders).toHaveLength(1);
    expect(only(p, 3)).not.toBe(only(p, 6));
    const other = holders[0] === only(p, 3) ? only(p, 6) : only(p, 3);
    expect(holders[0]!.dependsOn).toContain(other.id);
  });
});

/** Whether `task` waits for `dependency`, directly or through other tasks. */
function waitsFor(p: Plan, task: string, dependency: string): boolean {
  const deps = new Map(p.tasks.map((t) => [t.id, t.dependsOn]));
  const seen = new Set<string>();
  const stack = [...(deps.get(task) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next === dependency) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(deps.get(next) ?? []));
  }
  return false;
}

describe('a BMAD PRD: epics of numbered stories with their own criteria', () => {
  const p = plan(
    md(
      '# Tool PRD', //                                                                    1
      '## Requirements',
      '- **FR1:** The CLI shall initialise a project folder with a config file', //        3
      '- **FR2:** The dashboard shall list every scenario with its last result', //        4
      '## Epic 1: Foundation',
      '### Story 1.1: Initialize Monorepo Structure', //                                 6
      '**As a** developer, **I want** a monorepo, **so that** packages share tooling.',
      '**Acceptance Criteria:**',
      '1. Root package.json declares the workspaces',
      '2. CI runs lint and tests on every push',
      '### Story 1.2: Implement the init command', //                                     11
      '**Acceptance Criteria:**',
      '1. `tool init` creates the project folder and its config file',
      '2. Running it twice changes nothing',
      '## Epic 2: Dashboard',
      '### Story 2.1: Set Up the Dashboard Package', //                                   16
      '**Acceptance Criteria:**',
      '1. The dashboard builds with Vite',
      '### Story 2.2: Build the Scenario List', //                                        19
      '**Acceptance Criteria:**',
      '1. Every scenario is listed with its last result',
      '2. An empty project shows a hint',
    ),
  );

  it('plans one task per story, titled by the story, with its own criteria, and each requirement in the story that builds it', () => {
    expect(p.tasks.map((t) => t.title)).toEqual(['Initialize Monorepo Structure', 'Implement the init command', 'Set Up the Dashboard Package', 'Build the Scenario List']);
    expect(only(p, 11).acceptanceCriteria).toEqual(['tool init creates the project folder and its config file', 'Running it twice changes nothing']);
    expect(only(p, 3).id).toBe(only(p, 11).id);
    expect(only(p, 4).id).toBe(only(p, 19).id);
    expect(p.tasks.map((t) => t.title)).not.toContain('Verify the spec-wide acceptance criteria');
  });

  it('follows the spec’s order: the first story lays the ground, each epic’s first story is what the epic builds on', () => {
    expect(only(p, 6).dependsOn).toEqual([]);
    expect(only(p, 11).dependsOn).toEqual([only(p, 6).id]);
    expect(only(p, 16).dependsOn).toEqual([only(p, 6).id]);
    expect(only(p, 19).dependsOn).toEqual([only(p, 16).id]);
  });
});

describe('criteria when the spec states none', () => {
  it('are the bullets under the feature’s heading, whole, never "Done as specified"', () => {
    const p = plan(
      md(
        '# Notes app',
        '## Core features',
        '### Export notes', //                                                    3
        '- Export writes every note as JSON to stdout, one object per line',
        '- An empty store exports nothing and exits 0',
        '### Import notes', //                                                    6
        '- Import reads the same JSON lines and skips notes it already has',
      ),
    );
    expect(only(p, 3).acceptanceCriteria).toEqual(['Export writes every note as JSON to stdout, one object per line', 'An empty store exports nothing and exits 0']);
    expect(p.tasks.flatMap((t) => t.acceptanceCriteria).filter((c) => c.startsWith('Done as specified'))).toEqual([]);
  });
});

describe('a spec the heuristic cannot read', () => {
  it('is one task, and the plan says which sections it did not understand instead of claiming them', () => {
    const p = plan(
      md('# Go tool modules', '## Abstract', 'Track tool dependencies in go.mod.', '## Background', 'Tools are tracked with blank imports today.', '## Proposal', 'Add a tool directive to go.mod.'),
    );
    expect(p.tasks).toHaveLength(1);
    expect(p.warnings.find((w) => w.code === 'NOT_UNDERSTOOD')?.message).toBe(
      'spec.md: 3 sections not understood: Abstract, Background, Proposal. It is planned as one task for the whole spec (its length suggests about 0.5h of work, which the assessment reports); plan it with --engine claude, or write its work as a list of requirements',
    );
    // The task names the part that asks for work, not the background: what it stands for, not "everything".
    expect(p.tasks[0]!.acceptanceCriteria).toEqual(['Proposal (spec.md:6) is built as the spec describes it']);
  });
});

describe('a Kiro requirements.md planned with its design.md', () => {
  it('plans the requirements; the design is no task of its own, and the files it names go to the tasks they belong to', () => {
    const requirements = parseSpec(
      md(
        '# Requirements Document',
        '### Requirement 1: Log entry type',
        '#### Acceptance Criteria',
        '1. WHEN a log entry is created THEN it SHALL carry an entry type',
        '### Requirement 2: Joint quorum',
        '#### Acceptance Criteria',
        '1. WHEN a change is in progress THEN commits SHALL need a majority of both configurations',
      ),
      'requirements.md',
    );
    const design = parseSpec(
      md(
        '# Design Document',
        '## Components',
        '### Log entry type',
        'Add the entry type to `include/raft/log_entry.hpp`.',
        '### Joint quorum',
        'The quorum calculation lives in `src/raft/quorum.cpp`.',
      ),
      'design.md',
    );
    const assessment = { ...assessSpecs([requirements, design], config.assess.thresholds), verdict: 'multi-agent' as const, confidence: 'medium' as const };
    const p = planSpecs([requirements, design], assessment, { planId: 'p', branching: 'feature', maxTasks: 60, concurrency: 3, minHoursPerTask: 1.5, tinyTaskRatio: 0.3 }).plan;
    expect(p.tasks.some((t) => t.sources.some((src) => src.file === 'design.md') || /design/i.test(t.title))).toBe(false);
    expect(only(p, 2).files).toContain('include/raft/log_entry.hpp');
    expect(only(p, 5).files).toContain('src/raft/quorum.cpp');
    expect(p.warnings.map((w) => w.code)).not.toContain('NOT_UNDERSTOOD');
  });
});
