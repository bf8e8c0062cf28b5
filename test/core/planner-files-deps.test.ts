/** What a lead checks on edges and files: named paths on the task that builds them; siblings on what they share. */
import { describe, expect, it } from 'vitest';
import { assessSpecs } from '../../src/core/intake/assess.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { planSpecs } from '../../src/core/plan/planner.js';
import { parseSpec } from '../../src/core/intake/spec.js';

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;
const config = defaultConfig();
const options = { planId: 'p', branching: 'feature' as const, maxTasks: 60, concurrency: 3, minHoursPerTask: 1.5, tinyTaskRatio: 0.3 };

function plan(files: Record<string, string>, verdict: 'single-agent' | 'multi-agent' = 'multi-agent'): Plan {
  const specs = Object.entries(files).map(([path, text]) => parseSpec(text, path));
  const assessment = { ...assessSpecs(specs, config.assess.thresholds), verdict, confidence: 'medium' as const };
  return planSpecs(specs, assessment, options).plan;
}

const BUG = md(
  '# Task 031: Empty quoted values break the argument parser',
  '## Problem',
  'Since the last release `content:""` fails with "Unexpected token" in the argument parser.',
  '**Location**: `parser_core/src/parser_engine.rs::parse_arguments()`',
  '## Root cause',
  'The argument pattern in `parser_engine.rs` requires at least one character between the quotes.',
  '## Implementation plan',
  '### Phase 1: Reproduce',
  '- Add failing cases to `tests/empty_values.rs`',
  '### Phase 2: Fix',
  '- Accept zero characters between the quotes',
  '## Acceptance criteria',
  '- [ ] `content:""` parses to an empty string',
);

const REQUIREMENTS = md(
  '# Requirements',
  '### Requirement 1: Log entry type',
  '**User Story:** As an operator, I want each log entry to carry its type, so that configuration entries are told apart.',
  '#### Acceptance Criteria',
  '1. WHEN a log entry is serialized THEN the system SHALL write its entry type',
  '2. WHEN an entry without a type is read THEN the system SHALL treat it as a command entry',
  '### Requirement 2: Joint quorum',
  '**User Story:** As an operator, I want commits during a membership change to need a joint quorum, so that no two leaders commit.',
  '#### Acceptance Criteria',
  '1. WHEN the cluster is in a joint configuration THEN the leader SHALL commit only with a majority of both the old and new members',
  '2. WHEN the cluster is in a simple configuration THEN the leader SHALL commit with a majority of its members',
);

const DESIGN = md(
  '# Design',
  '## Components',
  '### 1. `include/raft/types.hpp` — entry type enum on the log entry',
  'Add an `entry_type` field to every log entry; entries without one read as command entries.',
  '### 2. `include/raft/quorum.hpp` — joint quorum helper',
  'A helper computes the commit index from a majority of both old and new members.',
);

describe('files the spec names', () => {
  it('puts every path a one-task bug report names on that task, once, with the function it names stripped off', () => {
    const p = plan({ 'bug.md': BUG }, 'single-agent');
    const work = p.tasks.filter((t) => t.kind !== 'test');
    expect(work).toHaveLength(1);
    expect(work[0]!.files).toContain('parser_core/src/parser_engine.rs');
    expect(work[0]!.files).toContain('tests/empty_values.rs');
    // the bare name is the same file as the full path beside it
    expect(work[0]!.files).not.toContain('parser_engine.rs');
  });

  it("gives each file a companion design names to the requirement's task it describes", () => {
    const p = plan({ 'requirements.md': REQUIREMENTS, 'design.md': DESIGN });
    const typeTask = p.tasks.find((t) => /entry type/i.test(t.title))!;
    const quorumTask = p.tasks.find((t) => /quorum/i.test(t.title))!;
    expect(typeTask).toBeDefined();
    expect(quorumTask).toBeDefined();
    expect(typeTask.files).toEqual(['include/raft/types.hpp']);
    expect(quorumTask.files).toEqual(['include/raft/quorum.hpp']);
  });
});

const EPIC = md(
  '# Reports PRD',
  '## Epic 1: Server core',
  '### Story 1.1: Implement Shared Types Package',
  'As a developer, I want the report, filter and export interfaces in one package, so that every tool uses the same shapes.',
  '#### Acceptance Criteria',
  '1. Interfaces for reports, filters and exports are exported from the package',
  '### Story 1.2: Implement listReports Tool',
  'As an analyst, I want to list saved reports with their owners, so that I can pick figures to share offline.',
  '#### Acceptance Criteria',
  '1. Returns every saved report with owner and creation date',
  '### Story 1.3: Implement exportCsv Tool',
  'As an analyst, I want to download a spreadsheet of invoices, so that I can share figures offline.',
  '#### Acceptance Criteria',
  '1. Produces a comma separated spreadsheet of invoices with a header row',
  '### Story 1.4: Implement purgeCache Tool',
  'As an operator, I want stale cached pages dropped nightly, so that disk usage stays bounded.',
  '#### Acceptance Criteria',
  '1. Deletes cached pages older than one day',
  '### Story 1.5: Implement Server Entry Point',
  'As a developer, I want one server process, so that clients connect in one place.',
  '#### Acceptance Criteria',
  '1. Server registers all 3 tools with their schemas',
  '## Epic 2: Command line',
  '### Story 2.1: Implement CLI Entry Point',
  'As an operator, I want a command that starts the server, so that I can run it locally.',
  '#### Acceptance Criteria',
  '1. `reports serve` starts the server on the configured port',
);

describe('dependencies between stories', () => {
  const p = plan({ 'prd.md': EPIC });
  const task = (word: string) => p.tasks.find((t) => t.kind !== 'test' && t.title.includes(word))!;
  const deps = (word: string) => task(word).dependsOn;
  const ancestors = (id: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...p.tasks.find((t) => t.id === id)!.dependsOn];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (!seen.has(d)) (seen.add(d), stack.push(...p.tasks.find((t) => t.id === d)!.dependsOn));
    }
    return seen;
  };

  it('builds side-by-side siblings on the shared package, not on each other', () => {
    for (const tool of ['listReports', 'exportCsv', 'purgeCache']) expect(deps(tool)).toEqual([task('Shared Types').id]);
  });

  it('makes what registers all the tools wait for every one of them', () => {
    const before = ancestors(task('Server Entry').id);
    for (const tool of ['listReports', 'exportCsv', 'purgeCache']) expect(before).toContain(task(tool).id);
  });

  it('builds later epics on what the spec calls shared', () => {
    expect(ancestors(task('CLI Entry').id)).toContain(task('Shared Types').id);
  });
});

const STORIES = (extra: string[]) =>
  md(
    '# Notes PRD',
    ...extra,
    '## Stories',
    '### Story 1: Save notes',
    'As a writer, I want to save a note with a title, so that I can find it later.',
    '#### Acceptance Criteria',
    '1. A saved note keeps its title and body',
    '2. An empty title is refused with a message',
    '### Story 2: Tag notes',
    'As a writer, I want to tag notes with labels, so that I can group them.',
    '#### Acceptance Criteria',
    '1. A note shows every label it was given',
    '2. Removing a label leaves the note itself intact',
  );

describe('the test strategy the spec asks for', () => {
  it('makes every building task test-first, inside the task, when the spec demands TDD', () => {
    const p = plan({ 'prd.md': STORIES(['## Process', 'All work MUST follow strict test-driven development.']) });
    const work = p.tasks.filter((t) => t.kind !== 'test');
    expect(p.tasks).toHaveLength(work.length);
    for (const t of work) {
      expect(t.testStrategy).toBe('test-first');
      expect(t.strategyReason).toContain('line 3');
    }
  });

  it('does not read a product feature named TDD as a demand', () => {
    const p = plan({ 'prd.md': STORIES(['## Background', 'The existing autopilot TDD workflow is powerful but complex.']) });
    expect(p.tasks.every((t) => t.testStrategy !== 'test-first')).toBe(true);
  });

  it('makes the task a described property test checks test-first, quoting it', () => {
    const p = plan({ 'prd.md': STORIES(['## Testing', '**Property Test 1: Labels removed from a note leave the note intact**']) });
    const tagging = p.tasks.find((t) => /tag/i.test(t.title))!;
    expect(tagging.testStrategy).toBe('test-first');
    expect(tagging.strategyReason).toContain('Property Test 1');
    expect(p.tasks.find((t) => /save/i.test(t.title))!.testStrategy).not.toBe('test-first');
  });

  it('rates consensus work high risk and says why from its own text', () => {
    const p = plan({
      'reqs.md': md(
        '# Requirements',
        '### Requirement 1: Commit rule',
        '**User Story:** As an operator, I want a commit to need a quorum of both configurations, so that no two leaders commit.',
        '#### Acceptance Criteria',
        '1. WHEN the cluster is joint THEN the leader SHALL commit only with both majorities',
        '### Requirement 2: Status page',
        '**User Story:** As an operator, I want a status page listing members, so that I can see the cluster.',
        '#### Acceptance Criteria',
        '1. WHEN the page opens THEN the system SHALL list every member with its role',
      ),
    });
    const commit = p.tasks.find((t) => t.kind !== 'test' && /commit/i.test(t.title))!;
    expect(commit.risk).toBe('high');
    expect(commit.riskReason).toMatch(/quorum/);
    expect(p.tasks.find((t) => /status/i.test(t.title))!.risk).not.toBe('high');
  });
});

describe('the README example', () => {
  it('builds every feature on the data model the spec describes after its stories', async () => {
    const { readFileSync } = await import('node:fs');
    const p = plan({ 'bookmarks-api.md': readFileSync('examples/specs/bookmarks-api.md', 'utf8') });
    const model = p.tasks.find((t) => /data model/i.test(t.title))!;
    const features = p.tasks.filter((t) => t.kind === 'feature');
    expect(features.length).toBeGreaterThan(2);
    for (const f of features) expect(f.dependsOn.includes(model.id) || features.some((g) => f.dependsOn.includes(g.id))).toBe(true);
    expect(features.filter((f) => f.dependsOn.includes(model.id)).length).toBeGreaterThan(0);
  });
});

describe('titles of grouped quality targets', () => {
  it('counts the targets instead of cutting the list with "and N more"', () => {
    const p = plan({
      'prd.md': md(
        '# Notes PRD',
        '## Stories',
        '### Story 1: Save notes',
        'As a writer, I want to save a note with a title, so that I can find it later.',
        '#### Acceptance Criteria',
        '1. A saved note keeps its title and body',
        '## Non-functional requirements',
        '- NFR-1 Performance: list and search endpoints respond in under 150 ms at the 95th percentile with ten thousand notes',
        '- NFR-2 Availability: the service restarts on failure within five seconds and keeps every saved note intact',
        '- NFR-3 Observability: every request is logged as one structured line with its duration and status code',
      ),
    });
    const quality = p.tasks.find((t) => t.kind !== 'test' && /^Meet the/.test(t.title))!;
    expect(quality.title).not.toMatch(/more$/);
    expect(quality.title.length).toBeLessThanOrEqual(70);
  });
});
