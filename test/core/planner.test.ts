import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assessSpecs } from '../../src/core/intake/assess.js';
import { defaultConfig } from '../../src/core/config.js';
import { analyzeDag } from '../../src/core/plan/dag.js';
import type { Plan, Task } from '../../src/core/plan/plan.js';
import { planSpecs, type PlanOptions } from '../../src/core/plan/planner.js';
import { parseSpec } from '../../src/core/intake/spec.js';
import { REPO_ROOT } from '../support/cli.js';

const config = defaultConfig();
const baseOptions: PlanOptions = {
  planId: 'p-test',
  branching: 'feature',
  maxTasks: config.plan.maxTasks,
  concurrency: config.run.concurrency,
  minHoursPerTask: config.plan.minHoursPerTask,
  tinyTaskRatio: config.plan.tinyTaskRatio,
};

function planText(text: string, file = 'spec.md', options: Partial<PlanOptions> = {}, verdict?: 'multi-agent') {
  const spec = parseSpec(text, file);
  const assessed = assessSpecs([spec], config.assess.thresholds);
  // Small inline specs would take the one-task fast path; some tests need the full planner on them.
  const assessment = verdict ? { ...assessed, verdict } : assessed;
  return { spec, assessment, ...planSpecs([spec], assessment, { ...baseOptions, ...options }) };
}

function planFile(path: string, options: Partial<PlanOptions> = {}) {
  return planText(readFileSync(join(REPO_ROOT, path), 'utf8'), path, options);
}

const byId = (plan: Plan) => new Map(plan.tasks.map((t) => [t.id, t]));
const taskCovering = (plan: Plan, ref: string): Task => {
  const task = plan.tasks.find((t) => t.sources.some((s) => s.ref === ref) && t.kind !== 'test');
  if (!task) throw new Error(`no task covers ${ref}`);
  return task;
};
/** Every task a task transitively depends on. */
function ancestors(plan: Plan, id: string): Set<string> {
  const tasks = byId(plan);
  const seen = new Set<string>();
  const stack = [...tasks.get(id)!.dependsOn];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...tasks.get(next)!.dependsOn);
  }
  return seen;
}

describe('planSpecs: fast path', () => {
  it('a single-agent, high-confidence bug fix becomes one task covering the whole spec', () => {
    const { plan, assessment } = planFile('test/fixtures/specs/own/bugfix-one-paragraph.md');
    expect(assessment.verdict).toBe('single-agent');
    expect(plan.tasks).toHaveLength(1);
    const [task] = plan.tasks;
    expect(task).toMatchObject({ id: 'T1', dependsOn: [], wave: 1, kind: 'fix', testStrategy: 'test-after' });
    expect(task!.strategyReason).toMatch(/regression test/);
    expect(plan.summary.criticalPath).toEqual(['T1']);
    expect(plan.branchPreview).toEqual([{ task: 'T1', branch: expect.stringMatching(/^xplan\/<run>\/agent-1-fix-csv-importer/) }]);
  });
});

describe('planSpecs: the bookmarks PRD', () => {
  const { plan, spec } = planFile('examples/specs/bookmarks-api.md');

  it('produces an acyclic plan whose waves respect every dependency', () => {
    const analysis = analyzeDag(plan.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn })));
    expect(analysis.errors).toEqual([]);
    const tasks = byId(plan);
    for (const t of plan.tasks) for (const d of t.dependsOn) expect(tasks.get(d)!.wave).toBeLessThan(t.wave);
    expect(plan.summary.waves).toBe(Math.max(...plan.tasks.map((t) => t.wave)));
  });

  it('covers every requirement and acceptance criterion, with sources pointing at spec lines', () => {
    expect(plan.summary.coverage.requirements).toEqual({ covered: spec.requirements.length, total: spec.requirements.length });
    expect(plan.summary.coverage.acceptance).toEqual({ covered: spec.acceptance.length, total: spec.acceptance.length });
    expect(plan.summary.coverage.uncovered).toEqual([]);
    const lines = readFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), 'utf8').split('\n');
    for (const t of plan.tasks) {
      expect(t.sources.length).toBeGreaterThan(0);
      for (const s of t.sources) expect(lines[s.line - 1]).toBeDefined();
    }
  });

  it('orders layers: the UI builds on the API, which builds on the data model', () => {
    const ui = taskCovering(plan, 'FR-9');
    const api = taskCovering(plan, 'FR-1');
    expect(ancestors(plan, ui.id)).toContain(api.id);
  });

  it('gives every task an effort, a risk with its reason and a strategy with its reason', () => {
    for (const t of plan.tasks) {
      expect(['XS', 'S', 'M', 'L', 'XL']).toContain(t.effort);
      expect(t.riskReason.length).toBeGreaterThan(5);
      expect(t.strategyReason.length).toBeGreaterThan(5);
      expect(t.acceptanceCriteria.length).toBeGreaterThan(0);
    }
  });

  it('keeps the task count inside the range the spec supports', () => {
    const { min, max } = plan.summary.recommendedTasks;
    expect(plan.tasks.length).toBeGreaterThanOrEqual(min);
    expect(plan.tasks.length).toBeLessThanOrEqual(max);
    expect(plan.tasks.length).toBeGreaterThan(1);
  });

  it('previews one distinct branch per task in merge order', () => {
    expect(plan.branchPreview.map((b) => b.task)).toEqual(plan.mergeOrder);
    expect(new Set(plan.branchPreview.map((b) => b.branch)).size).toBe(plan.tasks.length);
    for (const b of plan.branchPreview) expect(b.branch).toMatch(/^xplan\/<run>\/agent-\d+-[a-z0-9-]+$/);
  });

  it('reports streams, a critical path and a parallel efficiency', () => {
    expect(plan.streams.length).toBe(plan.summary.streams);
    expect(plan.streams.flatMap((s) => s.tasks).sort()).toEqual(plan.tasks.map((t) => t.id).sort());
    const tasks = byId(plan);
    const path = plan.summary.criticalPath;
    for (let i = 1; i < path.length; i++) expect(tasks.get(path[i]!)!.dependsOn).toContain(path[i - 1]);
    expect(plan.summary.parallelEfficiency).toBeGreaterThan(0);
    expect(plan.summary.parallelEfficiency).toBeLessThanOrEqual(1);
  });
});

describe('planSpecs: test strategies build the structure they promise', () => {
  const text = [
    '# Payments',
    '## Requirements',
    '- FR-1 The API MUST refund a payment through Stripe and record the refund transaction, with the amount, the reason given by the',
    '  support agent, the original charge id and the idempotency key, so that retries never refund twice; partial refunds are allowed',
    '  up to the captured amount and each refund is reported to the ledger service with its currency and exchange rate.',
    '- FR-2 The web UI MUST show a refund button on the order page that calls the refund endpoint (FR-1).',
    '### Reporting',
    'The reporting dashboard lists every order with totals, filters by date range, exports CSV, paginates large',
    'result sets, caches the heavy aggregation queries, and shows charts of daily revenue per product and per',
    'region, with drill-down into each order and its line items, and a printable summary view for finance.',
    'It also needs keyboard navigation, responsive layout for tablets, empty states, and loading skeletons for',
    'every panel so the page stays usable while the aggregation queries run in the background for big shops.',
    '## Acceptance criteria',
    '- [ ] Given a captured payment, when a refund is requested, then Stripe receives one refund call (FR-1).',
    '- [ ] The refund button is disabled for unpaid orders (FR-2).',
  ].join('\n');
  const { plan } = planText(text, 'spec.md', {}, 'multi-agent');

  it('test-first: a separate test task blocks the implementation task', () => {
    const impl = plan.tasks.find((t) => t.testStrategy === 'test-first' && t.kind !== 'test');
    expect(impl, JSON.stringify(plan.tasks.map((t) => [t.id, t.title, t.testStrategy, t.risk]))).toBeDefined();
    const test = plan.tasks.find((t) => t.kind === 'test' && t.testStrategy === 'test-first')!;
    expect(impl!.dependsOn).toContain(test.id);
    expect(test.acceptanceCriteria).toEqual(impl!.acceptanceCriteria);
  });

  it('every task that builds on a test-first implementation comes after its tests too', () => {
    const impl = plan.tasks.find((t) => t.testStrategy === 'test-first' && t.kind !== 'test')!;
    const test = plan.tasks.find((t) => t.kind === 'test' && t.testStrategy === 'test-first')!;
    for (const t of plan.tasks.filter((x) => x.dependsOn.includes(impl.id))) expect(ancestors(plan, t.id)).toContain(test.id);
  });
});

describe('planSpecs: test-parallel', () => {
  const lines = ['# Reports', '## Core Features', '### Report builder'];
  for (let i = 0; i < 20; i++) lines.push(`- The builder supports option ${i} with filters, grouping, sorting and a saved layout per team.`);
  lines.push('- [ ] A report with grouping renders totals per group.', '- [ ] Sorting by any column is stable.', '- [ ] A saved layout reopens identically.');
  lines.push('- [ ] Filters combine with AND.', '- [ ] An empty report says so instead of showing an empty table.');
  lines.push('### Report sharing', '- Share a built report by link with the team (uses the report builder).');
  const { plan } = planText(lines.join('\n'), 'spec.md', {}, 'multi-agent');

  it('adds a test task beside a very large (XL) task with many criteria, and its dependents wait for both', () => {
    const impl = plan.tasks.find((t) => t.testStrategy === 'test-parallel' && t.kind !== 'test');
    expect(impl, JSON.stringify(plan.tasks.map((t) => [t.id, t.title, t.effort, t.testStrategy]))).toBeDefined();
    const test = plan.tasks.find((t) => t.kind === 'test' && t.testStrategy === 'test-parallel')!;
    expect(test.dependsOn).not.toContain(impl!.id);
    expect(impl!.dependsOn).not.toContain(test.id);
    for (const t of plan.tasks.filter((x) => x.dependsOn.includes(impl!.id))) expect(t.dependsOn).toContain(test.id);
  });
});

describe('planSpecs: guards', () => {
  it('consolidates to --max-tasks, dropping separate test tasks first, and says so', () => {
    const full = planFile('test/fixtures/specs/own/prd-multi-service.md').plan;
    const limited = planFile('test/fixtures/specs/own/prd-multi-service.md', { maxTasks: 5 }).plan;
    expect(full.tasks.length).toBeGreaterThan(5);
    expect(limited.tasks.length).toBeLessThanOrEqual(5);
    expect(limited.tasks.some((t) => t.kind === 'test')).toBe(false);
    expect(limited.warnings.map((w) => w.code)).toContain('CONSOLIDATED');
    expect(limited.summary.coverage.uncovered).toEqual(full.summary.coverage.uncovered);
    expect(analyzeDag(limited.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn }))).errors).toEqual([]);
  });

  it('asks for confirmation of an absurd --max-tasks on a one-page spec', () => {
    const { confirmations } = planFile('test/fixtures/specs/own/tech-spec-rate-limiter.md', { maxTasks: 500, maxTasksFromUser: true });
    expect(confirmations.map((c) => c.code)).toContain('ABSURD_MAX_TASKS');
    expect(confirmations[0]!.message).toMatch(/--max-tasks 500 is far above what this spec supports/);
    expect(planFile('test/fixtures/specs/own/tech-spec-rate-limiter.md').confirmations).toEqual([]);
  });

  it('warns about an over-decomposed plan with tiny tasks and names the ones to merge', () => {
    const lines = ['# Settings', '## Requirements'];
    for (let i = 1; i <= 24; i++) lines.push(`### Toggle ${i}`, `- Add toggle ${i}.`);
    const { plan, confirmations } = planText(lines.join('\n'), 'spec.md', { minHoursPerTask: 4 });
    expect(plan.tasks.length).toBeGreaterThan(plan.summary.recommendedTasks.max);
    expect(confirmations.map((c) => c.code)).toContain('OVER_DECOMPOSED');
    const over = plan.warnings.find((w) => w.code === 'OVER_DECOMPOSED')!;
    expect(over.message).toMatch(/merge T\d+ \+ T\d+/);
    expect(plan.warnings.map((w) => w.code)).toContain('TINY_TASKS');
  });

  it('gives spec-wide success criteria a verification task after the features, so they are covered', () => {
    const { plan } = planText(
      '# A\n## Requirements\n- FR-1 Export CSV from the reports page.\n- FR-2 Import CSV into the reports page.\n## Success criteria\n- SC-001: 95% of exports finish in 2 s.\n',
      'spec.md',
      {},
      'multi-agent',
    );
    const verify = taskCovering(plan, 'SC-001');
    expect(verify.title).toBe('Verify the spec-wide acceptance criteria');
    expect(ancestors(plan, verify.id)).toEqual(new Set(plan.tasks.filter((t) => t !== verify).map((t) => t.id)));
    expect(plan.summary.coverage.acceptance).toEqual({ covered: 1, total: 1 });
    expect(plan.warnings.map((w) => w.code)).not.toContain('UNCOVERED');
  });
});

describe('planSpecs: predicted files', () => {
  it('gives every task whose requirement names a file that file, also when an earlier requirement named it', () => {
    const text = [
      '# Greeting',
      '',
      '## Hello part',
      '',
      '- FR-1: The hello part goes at the top of `src/greeting.ts`.',
      '',
      '## World part',
      '',
      '- FR-2: The world part goes at the top of `src/greeting.ts`.',
      '',
    ].join('\n');
    const { plan } = planText(text, 'spec.md', {}, 'multi-agent');
    expect(plan.tasks.map((t) => [t.sources.map((s) => s.ref).join(), t.files])).toEqual([
      ['FR-1', ['src/greeting.ts']],
      ['FR-2', ['src/greeting.ts']],
    ]);
  });
});

describe('planSpecs: branching', () => {
  it('single branching previews one branch for every task and assumes one agent', () => {
    const { plan } = planFile('examples/specs/bookmarks-api.md', { branching: 'single' });
    expect(new Set(plan.branchPreview.map((b) => b.branch)).size).toBe(1);
    expect(plan.summary.concurrency).toBe(1);
    expect(plan.branching).toBe('single');
  });
});

describe('planSpecs: stories and the requirements that implement them', () => {
  it('folds a spec-kit story into the requirement it describes instead of planning the work twice', () => {
    const { plan, spec } = planFile('test/fixtures/specs/own/speckit-spec.md');
    const story = spec.requirements.find((r) => r.kind === 'story' && /Share my calendar with my team/.test(r.text))!;
    const fr1 = taskCovering(plan, 'FR-001');
    expect(fr1.sources).toContainEqual({ file: 'test/fixtures/specs/own/speckit-spec.md', line: story.line, ref: 'story' });
    expect(plan.tasks.filter((t) => t.sources.some((s) => s.line === story.line))).toHaveLength(fr1.testStrategy === 'test-parallel' || fr1.testStrategy === 'test-first' ? 2 : 1);
  });
});
