/** The heuristic planner on what a tech lead checks first: one fix for a bug, the spec's order, whole criteria, titles, risk. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assessSpecs } from '../../src/core/intake/assess.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Plan, Task } from '../../src/core/plan/plan.js';
import { planSpecs } from '../../src/core/plan/planner.js';
import { parseSpec, type ParsedSpec } from '../../src/core/intake/spec.js';
import { HeuristicEngine } from '../../src/engines/heuristic.js';

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;
const config = defaultConfig();
const options = { planId: 'p', branching: 'feature' as const, maxTasks: 60, concurrency: 3, minHoursPerTask: 1.5, tinyTaskRatio: 0.3 };

/** The full planner (not the one-task fast path) on an inline spec. */
function plan(text: string): Plan {
  const spec = parseSpec(text, 'spec.md');
  const assessment = { ...assessSpecs([spec], config.assess.thresholds), verdict: 'multi-agent' as const, confidence: 'medium' as const };
  return planSpecs([spec], assessment, options).plan;
}
const byLine = (p: Plan, line: number): Task => p.tasks.find((t) => t.kind !== 'test' && t.sources.some((s) => s.line === line))!;
function ancestors(p: Plan, id: string): Set<string> {
  const byId = new Map(p.tasks.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const stack = [...byId.get(id)!.dependsOn];
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (!seen.has(d)) (seen.add(d), stack.push(...byId.get(d)!.dependsOn));
  }
  return seen;
}

const BUG = md(
  '# Task 031: Empty quoted values break the argument parser',
  '## Problem',
  'Since the last release `content:""` fails with "Unexpected token" in `parse_arguments()`.',
  '## Root cause',
  'The argument pattern requires at least one character between the quotes.',
  '## Implementation plan',
  '### Phase 1: Reproduce',
  '1. **Add failing tests**: one per empty and whitespace-only value',
  '2. **Record the error messages**: for the report',
  '### Phase 2: Fix',
  '1. **Accept empty quoted values**: in the argument pattern',
  '2. **Keep parser state clean**: after an empty value',
  '### Phase 3: Errors',
  '1. **Name the empty-value error**: instead of "Unexpected token"',
  '## Acceptance criteria',
  '- [ ] An empty quoted value parses to an empty string',
  '- [ ] A value of three spaces keeps its three spaces',
  '- [ ] Every existing parser test still passes',
);

describe('a bug write-up', () => {
  it('is one fix task holding all its criteria, and the assessment calls it one agent’s work', async () => {
    const engine = new HeuristicEngine(config);
    const specs = [{ parsed: parseSpec(BUG, 'bug.md'), text: BUG }];
    const assessment = await engine.assess({ specs });
    const { plan: p } = await engine.plan({ specs, assessment, options });
    expect(p.tasks).toHaveLength(1);
    const [fix] = p.tasks;
    expect(fix!.kind).toBe('fix');
    expect(fix!.title).toBe('Fix empty quoted values break the argument parser');
    expect(fix!.acceptanceCriteria).toEqual(['An empty quoted value parses to an empty string', 'A value of three spaces keeps its three spaces', 'Every existing parser test still passes']);
    expect(assessment.verdict).toBe('single-agent');
  });
});

describe('the assessment and the plan', () => {
  it('report the same effort for the same spec', async () => {
    const text = readFileSync('test/fixtures/specs/corpus/taskmaster-prd-kanban-board.md', 'utf8');
    const engine = new HeuristicEngine(config);
    const specs = [{ parsed: parseSpec(text, 'kanban.md'), text }];
    const assessment = await engine.assess({ specs });
    const result = await engine.plan({ specs, assessment, options });
    const effort = assessment.drivers.find((d) => d.id === 'effortHours')!;
    expect(effort.value).toBe(result.plan.summary.totalHours);
    expect(result.assessment!.drivers.find((d) => d.id === 'effortHours')!.value).toBe(result.plan.summary.totalHours);
  });
});

const KIRO = md(
  '# Requirements Document',
  '## Requirements',
  '### Requirement 1: Log Entry Type', //                                                                    3
  '**User Story:** As a node, I need to tell configuration entries from commands.',
  '#### Acceptance Criteria',
  '1. WHEN a log entry is created THEN it SHALL carry an entry type',
  '2. WHEN a log entry is serialized THEN the entry type SHALL round-trip',
  '### Requirement 2: Joint Configuration Entry', //                                                         8
  '**User Story:** As a leader, I need to append a joint configuration entry to the log.',
  '#### Acceptance Criteria',
  '1. WHEN add_server is called THEN the leader SHALL append a joint configuration log entry',
  '2. WHEN the joint configuration entry is appended THEN replication SHALL begin',
  '### Requirement 3: Snapshot Restore', //                                                                  13
  '**User Story:** As a restarted node, I need my snapshot restored.',
  '#### Acceptance Criteria',
  '1. WHEN a node starts with a snapshot THEN it SHALL restore the snapshot membership',
  '2. WHEN the snapshot is missing THEN the node SHALL start empty',
  '### Requirement 4: Property Tests', //                                                                    18
  '**User Story:** As a developer, I need property tests for membership changes.',
  '#### Acceptance Criteria',
  '1. A property test SHALL verify at most one leader per term',
  '2. A property test SHALL verify a removed node stops voting',
);

describe('requirements with criteria of their own (Kiro)', () => {
  const p = plan(KIRO);

  it('are one task each, titled as work, with exactly their own criteria', () => {
    expect(p.tasks.filter((t) => t.kind !== 'test')).toHaveLength(4);
    expect(byLine(p, 3).title).toBe('Implement Log Entry Type');
    expect(byLine(p, 8).acceptanceCriteria).toEqual([
      'WHEN add_server is called THEN the leader SHALL append a joint configuration log entry',
      'WHEN the joint configuration entry is appended THEN replication SHALL begin',
    ]);
    for (const t of p.tasks) expect(t.title).not.toMatch(/Requirement \d/);
  });

  it('follow the spec’s order: the first lays the ground, the tests come after everything they check', () => {
    const first = byLine(p, 3);
    expect(first.dependsOn).toEqual([]);
    for (const line of [8, 13]) expect(ancestors(p, byLine(p, line).id)).toContain(first.id);
    const tests = ancestors(p, byLine(p, 18).id);
    for (const line of [3, 8, 13]) expect(tests).toContain(byLine(p, line).id);
  });
});

describe('a "Core …" feature among others', () => {
  it('is no dependency of features that do not build on it', () => {
    const p = plan(
      md(
        '# Reports',
        '## Core Features',
        '### Core Reporting', //                                                                             3
        '- Build weekly totals per team from the events table',
        '- Keep a history of past reports',
        '### Login Page', //                                                                                 6
        '- Sign in with email and a one-time code',
        '- Remember the device for 30 days',
        '### Email Digest', //                                                                               9
        '- Send a Monday email with the week’s headlines to subscribers',
        '- Unsubscribe with one click',
      ),
    );
    const core = byLine(p, 3);
    for (const line of [6, 9]) expect(byLine(p, line).dependsOn).not.toContain(core.id);
  });
});

describe('criteria and risk', () => {
  const p = plan(
    md(
      '# Accounts',
      '## Functional requirements',
      '- **FR-1** The system MUST store each account with its display name, locale and time zone.', //        3
      '- **FR-2** The system MUST hash passwords with a per-user salt before storing them.', //                4
      '## Acceptance criteria',
      '- [ ] An account created with display name "Password Reset Team" is listed under that name (FR-1)',
    ),
  );

  it('take risk from what the task does, quoting it, not from a word in an example', () => {
    expect(byLine(p, 3).risk).not.toBe('high');
    const hashing = byLine(p, 4);
    expect(hashing.risk).toBe('high');
    expect(hashing.riskReason).toContain('hash passwords with a per-user salt');
  });

  it('never say "Done as specified": a requirement without criteria is its own, in its words', () => {
    for (const t of p.tasks) for (const c of t.acceptanceCriteria) expect(c).not.toMatch(/^Done as specified/);
    expect(byLine(p, 4).acceptanceCriteria).toContain('The system MUST hash passwords with a per-user salt before storing them.');
  });
});

describe('titles over the corpus', () => {
  const dir = 'test/fixtures/specs/corpus';
  const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'SOURCE.md');

  it.each(files)('%s: every title is whole, without an item label, and says what to do', async (file) => {
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    const parsed: ParsedSpec = parseSpec(text, file);
    const engine = new HeuristicEngine(config);
    const specs = [{ parsed, text }];
    const { plan: p } = await engine.plan({ specs, assessment: await engine.assess({ specs }), options });
    for (const t of p.tasks) {
      expect(t.title).not.toMatch(/…|\.\.\.$/);
      expect(t.title).not.toMatch(/\s(?:and|or|the|a|an|of|to|with|for|in|on|by)$/i);
      expect(t.title).not.toMatch(/^(?:Requirement|Story|Phase)\s+[\d.]+/i);
      expect(t.title.length).toBeLessThanOrEqual(110);
      expect(t.title).not.toMatch(/^(?:Core logic|Data model|API|UI|Quality): /);
    }
  });
});
