/** The files a spec names land on the task that builds them, so an agent knows where to work and overlaps show. */
import { describe, expect, it } from 'vitest';
import { assessSpecs } from '../../src/core/assess.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Plan } from '../../src/core/plan.js';
import { planSpecs } from '../../src/core/planner.js';
import { parseSpec } from '../../src/core/spec.js';

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
