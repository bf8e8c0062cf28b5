import { describe, expect, it } from 'vitest';
import type { Assessment, Driver } from '../../src/core/intake/assess.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { planAssessment } from '../../src/core/plan/plan-verdict.js';
import { renderExecPlan } from '../../src/ui/render-execplan.js';
import { escapeMermaid, renderMermaid } from '../../src/ui/render-mermaid.js';
import { formatCriticalPath, renderPlanTable, renderPlanTree, truncate } from '../../src/ui/render-plan.js';
import { displayWidth } from '../../src/ui/text-width.js';
import { loadTheme, plainTheme } from '../../src/ui/theme.js';
import { approvedCheckoutPlan, checkoutPlan } from '../fixtures/plans/checkout.js';
import { fastPathPlan } from '../fixtures/plans/fast-path.js';

const ANSI = /\u001b\[[0-9;]*m/;
const ANSI_ALL = /\u001b\[[0-9;]*m/g;

const FIXTURES: Array<[name: string, plan: Plan]> = [
  ['fast path', fastPathPlan],
  ['checkout (draft)', checkoutPlan],
  ['checkout (approved)', approvedCheckoutPlan],
];

/** A copy of a plan with one task changed. */
function withTask(plan: Plan, id: string, change: Partial<Plan['tasks'][number]>): Plan {
  const copy = structuredClone(plan);
  Object.assign(
    copy.tasks.find((t) => t.id === id)!,
    change,
  );
  return copy;
}

describe('snapshots', () => {
  for (const [name, plan] of FIXTURES) {
    it(`table: ${name}`, () => expect(renderPlanTable(plan, { ...plainTheme, columns: 80 })).toMatchSnapshot());
    it(`tree: ${name}`, () => expect(renderPlanTree(plan, plainTheme)).toMatchSnapshot());
    it(`mermaid: ${name}`, () => expect(renderMermaid(plan)).toMatchSnapshot());
    it(`execplan: ${name}`, () => expect(renderExecPlan(plan)).toMatchSnapshot());
  }
});

describe('renderPlanTable', () => {
  it('lists every task as a row', () => {
    const lines = renderPlanTable(checkoutPlan, plainTheme).split('\n');
    for (const t of checkoutPlan.tasks) expect(lines.filter((l) => l.startsWith(`${t.id} `))).toHaveLength(1);
  });

  it('summarises the plan: critical path, efficiency, coverage, uncovered items, range', () => {
    const out = renderPlanTable(checkoutPlan, plainTheme);
    expect(out).toContain('Critical path T1 → T2 → T3 → T6 (8h)');
    expect(out).toContain('13.5h of work · about 8h at 3 agents · parallel efficiency 56%');
    expect(out).toContain('requirements 5/6 · acceptance 8/8');
    expect(out).toContain('Uncovered     specs/checkout.md:18 FR-6: Sellers export their orders as CSV');
    expect(out).toContain('(recommended 4–8)');
    expect(out).toContain('feature (each task branches from the run base)');
  });

  it('cuts a long title only when the terminal is too narrow for it, and shortens source lists', () => {
    const rowAt = (columns: number) =>
      renderPlanTable(checkoutPlan, { ...plainTheme, columns })
        .split('\n')
        .find((l) => l.startsWith('T4 '))!;
    expect(rowAt(200)).toContain('Show customers their order history with filters by date, status and seller on the account page');
    expect(rowAt(200)).toContain('FR-4, line 34, line 35 +1');
    expect(rowAt(100)).toMatch(/Show customers their order history[^|]*…/);
    expect(rowAt(100)).not.toContain('account page');
    expect(rowAt(100).length).toBeLessThanOrEqual(100);
  });

  it('prints warnings as sentences naming their tasks, without codes', () => {
    const out = renderPlanTable(checkoutPlan, plainTheme);
    expect(out).toContain('! Two tasks in different waves edit src/payments/**: expect a merge conflict (T3, T6)');
    expect(out).toContain('! 1 spec item is not covered by any task');
    for (const w of checkoutPlan.warnings) expect(out).not.toContain(w.code);
  });

  it('previews the first branches and counts the rest', () => {
    const out = renderPlanTable(checkoutPlan, plainTheme);
    expect(out).toContain('T1     xplan/<run>/agent-1-orders-and-payments-schema');
    expect(out).not.toContain('agent-4-');
    expect(out).toContain('… 4 more (7 in all');
  });

  it('ends with the next command: approve for a draft, run once approved', () => {
    const draft = renderPlanTable(checkoutPlan, plainTheme).split('\n').at(-1);
    expect(draft).toBe('Next: xplan approve (or xplan plan --edit to change it)');
    const approved = renderPlanTable(approvedCheckoutPlan, plainTheme);
    expect(approved).toContain('approved by Dana Lee <dana@example.com> at 2025-03-01T11:02:00.000Z');
    expect(approved.split('\n').at(-1)).toBe('Next: xplan run');
  });
});

describe('renderPlanTree', () => {
  it('groups tasks by wave, then by stream, with tree characters', () => {
    const out = renderPlanTree(checkoutPlan, plainTheme);
    const waves = out.split('\n').filter((l) => l.startsWith('Wave '));
    expect(waves.map((l) => l.split(' (')[0])).toEqual(['Wave 1', 'Wave 2', 'Wave 3', 'Wave 4']);
    expect(out).toContain(
      ['Wave 2 (3 tasks, 4h long, 6h of work)', '├─ B · payments API', '│  └─ T2 Write failing tests for: Charge cards through Stripe [S, risk high, test-first] ← T1', '└─ C · UI'].join('\n'),
    );
    expect(out).toContain('   └─ T3 Charge cards through Stripe [L, risk high, test-first] ← T1, T2');
    for (const t of checkoutPlan.tasks) expect(out).toMatch(new RegExp(`[├└]─ ${t.id} `));
  });
});

describe('renderMermaid', () => {
  it('draws every direct dependency exactly once, from prerequisite to dependent, and no edge another path implies', () => {
    const plan = withTask(checkoutPlan, 'T6', { dependsOn: ['T3', 'T4', 'T5', 'T3', 'T1'] });
    const edges = renderMermaid(plan)
      .split('\n')
      .filter((l) => l.includes('-->'));
    // T3 → T1 is implied by T3 → T2 → T1, and T6 → T1 by T6 → T3.
    expect(edges.sort()).toEqual(['  T1 --> T2', '  T1 --> T4', '  T1 --> T5', '  T2 --> T3', '  T3 --> T6', '  T3 --> T7', '  T4 --> T6', '  T5 --> T6']);
  });

  it('puts each stream in a subgraph and marks high-risk tasks', () => {
    const out = renderMermaid(checkoutPlan);
    expect(out.split('\n')[0]).toBe('flowchart TD');
    expect(out).toContain('  subgraph B["payments API"]\n    T2["T2: Write failing tests for: Charge cards through Stripe"]');
    expect(out.match(/^ {2}subgraph /gm)).toHaveLength(3);
    expect(out.match(/^ {2}end$/gm)).toHaveLength(3);
    expect(out).toMatch(/^ {2}class T2,T3 riskHigh$/m);
  });

  it('escapes titles so quotes and brackets cannot break the label', () => {
    const plan = withTask(checkoutPlan, 'T3', { title: 'Charge "saved" cards [beta] for #42 <b>fast</b> `now`' });
    const out = renderMermaid(plan);
    expect(out).toContain('T3["T3: Charge #quot;saved#quot; cards #91;beta#93; for #35;42 #60;b#62;fast#60;/b#62; #96;now#96;"]');
    // Every node label is one quoted string with nothing inside that Mermaid would read as syntax.
    for (const line of out.split('\n').filter((l) => /^\s+T\d+\[/.test(l))) expect(line).toMatch(/^\s+T\d+\["[^"[\]<>`]*"\]$/);
    expect(escapeMermaid('a #35; b')).toBe('a #35;35; b');
  });

  it('is deterministic', () => {
    expect(renderMermaid(structuredClone(checkoutPlan))).toBe(renderMermaid(checkoutPlan));
  });
});

describe('renderExecPlan', () => {
  it('has exactly the ExecPlan sections, in order', () => {
    for (const plan of [fastPathPlan, approvedCheckoutPlan]) {
      const headings = renderExecPlan(plan)
        .split('\n')
        .filter((l) => l.startsWith('## '));
      expect(headings).toEqual([
        '## Purpose',
        '## Progress',
        '## Context',
        '## Plan of Work',
        '## Milestones',
        '## Validation & Acceptance',
        '## Idempotence & Recovery',
        '## Surprises & Discoveries',
        '## Decision Log',
        '## Outcomes & Retrospective',
      ]);
    }
  });

  it('checks off tasks in merge order and turns waves into milestones', () => {
    const out = renderExecPlan(checkoutPlan);
    const progress = out.split('\n').filter((l) => /^- \[ \] T\d+ — /.test(l));
    expect(progress.map((l) => l.split(' ')[3])).toEqual(checkoutPlan.mergeOrder);
    expect(out).toContain('- **Milestone 1 (wave 1): T1** — done when T1 (Orders and payments schema) is complete and verified; T2, T4, T5 can start.');
    expect(out).toContain('- **Milestone 4 (wave 4): T6, T7**');
  });

  it('ticks the Progress of the tasks a run of this plan completed, and says how the others stand', () => {
    const out = renderExecPlan(checkoutPlan, { T1: { done: true, label: 'completed in run r1' }, T2: { done: false, label: 'failed: verify in run r1' } });
    expect(out).toContain('- [x] T1 — Orders and payments schema (completed in run r1)');
    expect(out).toMatch(/- \[ \] T2 — .* \(failed: verify in run r1\)/);
    expect(out).toMatch(/- \[ \] T3 — [^(\n]*$/m);
  });

  it('gives each task its sources, criteria and the test strategy to follow, naming its test partner', () => {
    const out = renderExecPlan(checkoutPlan);
    expect(out).toContain('- Sources: specs/checkout.md:13 (FR-2), specs/checkout.md:14 (FR-3), specs/checkout.md:32 (acceptance)');
    expect(out).toContain('- Risk: high — touches payments');
    expect(out).toContain('- [ ] A declined card leaves the order unpaid and shows the reason');
    expect(out).toContain('Test strategy (test-first): write these tests first and commit them failing; T3 must make them pass.');
    expect(out).toContain('Test strategy (test-first): make the failing tests from T2 pass without weakening them.');
    expect(out).toContain('Test strategy (test-parallel): a separate task (T5) writes the tests alongside');
  });

  it('explains recovery and records the planning decisions', () => {
    const out = renderExecPlan(approvedCheckoutPlan);
    expect(out).toContain('`xplan/<run>/agent-<n>-<slug>`');
    expect(out).toContain('`xplan retry T1`');
    expect(out).toContain('- Branching: feature — each task branches from the run base.');
    expect(out).toContain('- Guard: Two tasks in different waves edit src/payments/**: expect a merge conflict (T3, T6).');
    expect(out).toContain('- Not covered by any task: specs/checkout.md:18 FR-6: Sellers export their orders as CSV');
    expect(out).toContain('- Approved by Dana Lee <dana@example.com> at 2025-03-01T11:02:00.000Z');
  });
});

describe('colour', () => {
  it('the plain theme prints no ANSI codes; a colour theme does, with the same layout', async () => {
    const colour = await loadTheme(true);
    for (const render of [renderPlanTable, renderPlanTree]) {
      for (const [, plan] of FIXTURES) {
        const plain = render(plan, plainTheme);
        const coloured = render(plan, colour);
        expect(plain).not.toMatch(ANSI);
        expect(coloured).toMatch(ANSI);
        expect(coloured.replace(ANSI_ALL, '')).toBe(plain);
      }
    }
    expect(renderMermaid(checkoutPlan)).not.toMatch(ANSI);
    expect(renderExecPlan(checkoutPlan)).not.toMatch(ANSI);
  });
});

describe('helpers', () => {
  it('formats the critical path', () => {
    expect(formatCriticalPath(checkoutPlan)).toBe('T1 → T2 → T3 → T6 (8h)');
    expect(formatCriticalPath({ ...fastPathPlan, summary: { ...fastPathPlan.summary, criticalPath: [] } })).toBe('—');
  });

  it('truncates at a word boundary when one is close', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('Charge cards through Stripe', 20)).toBe('Charge cards…');
    expect(truncate('Supercalifragilistic', 10)).toBe('Supercali…');
  });
});

describe('the next step under a plan', () => {
  it('is approve for a sound draft, the fix for a plan approve would refuse, and adding a task for an empty one', () => {
    const next = (plan: typeof checkoutPlan) =>
      renderPlanTable(plan, plainTheme)
        .split('\n')
        .find((l) => l.startsWith('Next:'));
    expect(next(checkoutPlan)).toBe('Next: xplan approve (or xplan plan --edit to change it)');
    const cyclic = { ...checkoutPlan, warnings: [{ code: 'CYCLE', message: 'T1 → T2 → T1', tasks: ['T1', 'T2'] }] };
    expect(next(cyclic)).toBe('Next: fix the errors above with xplan task … or xplan plan --edit (xplan check lists them; approve refuses them)');
    expect(next({ ...checkoutPlan, tasks: [] })).toBe('Next: xplan task add --title "…" (a plan with no tasks cannot be approved)');
  });
});

const CHECKOUT_SPEC = 'specs/checkout.md';

function driver(id: Driver['id'], value: number, single: number, multi: number, lines: number[], affects: Driver['affects'] = 'verdict'): Driver {
  const level = value > multi ? 'decomposition-required' : value > single ? 'multi-agent' : 'single-agent';
  return { id, label: id, value, threshold: { single, multi }, level, affects, evidence: lines.map((line) => ({ file: CHECKOUT_SPEC, line, text: `line ${line}` })) };
}

/** The checkout spec as assessed: effort and requirements over their single-agent bounds, a few open questions. */
const checkoutAssessment: Assessment = {
  schemaVersion: 1,
  spec: { paths: [CHECKOUT_SPEC], title: 'Marketplace checkout' },
  verdict: 'multi-agent',
  confidence: 'medium',
  reasons: ['More than one agent session: requirements 12 > 8, effort 24h > 8h.'],
  drivers: [
    driver('requirements', 12, 8, 40, [10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32]),
    driver('components', 1, 2, 6, [5]),
    driver('integrations', 3, 2, 8, [40, 41, 42]),
    driver('risks', 0, 3, 8, []),
    driver('unknowns', 3, 2, 6, [60, 61, 62], 'confidence'),
    // An effort estimate may weigh a line twice (its text, then its criteria): it is cited once.
    driver('effortHours', 24, 8, 40, [20, 20, 12, 30]),
  ],
  warnings: [],
  split: [],
  next: 'xplan plan',
};

describe('the verdict a plan opens with', () => {
  const verdict = planAssessment(checkoutAssessment, checkoutPlan)!;

  it('says one agent or several, how sure, and how much work, right under the title', () => {
    const lines = renderPlanTable(checkoutPlan, plainTheme, verdict).split('\n');
    expect(lines[0]).toMatch(/^Marketplace checkout/);
    expect(lines[1]).toBe('Verdict: multi-agent · medium confidence · 24h of work');
    expect(renderPlanTree(checkoutPlan, plainTheme, verdict).split('\n')[1]).toBe(lines[1]);
  });

  it('gives at most three reasons, furthest over their bound first, each citing its spec lines once', () => {
    const lines = renderPlanTable(checkoutPlan, plainTheme, verdict).split('\n');
    expect(lines.slice(2, 5)).toEqual([
      '  effort 24h > 8h — specs/checkout.md:20, 12, 30',
      '  requirements 12 > 8 — specs/checkout.md:10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32',
      // Open questions do not change the verdict, but they are why the confidence is not high.
      '  open questions 3 > 2, lowers confidence — specs/checkout.md:60, 61, 62',
    ]);
    expect(lines[5]).toBe('');
    expect(verdict.reasons.map((r) => r.driver)).toEqual(['effortHours', 'requirements', 'unknowns']);
  });

  it('names each file before its lines when a reason spans several specs', () => {
    const twoSpecs = structuredClone(checkoutAssessment);
    twoSpecs.drivers[5]!.evidence.push({ file: 'specs/payments.md', line: 7, text: '' }, { file: 'specs/payments.md', line: 9, text: '' });
    const text = renderPlanTable(checkoutPlan, plainTheme, planAssessment(twoSpecs, checkoutPlan)).split('\n')[2];
    expect(text).toBe('  effort 24h > 8h — specs/checkout.md:20, 12, 30; specs/payments.md:7, 9');
  });

  it('fits the terminal: lines that do not fit are shown in part, with how many more', () => {
    const lines = renderPlanTable(checkoutPlan, { ...plainTheme, columns: 50 }, verdict)
      .split('\n')
      .slice(1, 5);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(50);
    expect(lines[2]).toBe('  requirements 12 > 8 — specs/checkout.md:10 +11');
    // Wide enough for the whole line, nothing is left out.
    expect(renderPlanTable(checkoutPlan, { ...plainTheme, columns: 100 }, verdict).split('\n')[3]).toBe('  requirements 12 > 8 — specs/checkout.md:10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32');
  });

  it('says why one agent suffices: effort within its bound, with the lines it came from', () => {
    const small: Assessment = {
      ...checkoutAssessment,
      verdict: 'single-agent',
      confidence: 'high',
      drivers: [driver('requirements', 3, 8, 40, [10, 12, 14]), driver('risks', 0, 3, 8, []), driver('unknowns', 0, 2, 6, [], 'confidence'), driver('effortHours', 4, 8, 40, [12, 10])],
    };
    const lines = renderPlanTable(checkoutPlan, plainTheme, planAssessment(small, checkoutPlan)).split('\n');
    expect(lines.slice(1, 4)).toEqual(['Verdict: single-agent · high confidence · 4h of work', '  effort 4h ≤ 8h — specs/checkout.md:12, 10', '  requirements 3 ≤ 8 — specs/checkout.md:10, 12, 14']);
    expect(lines[4]).toBe('');
  });

  it('is not stated for an assessment of other specs, nor when there is none', () => {
    expect(planAssessment({ ...checkoutAssessment, spec: { ...checkoutAssessment.spec, paths: ['other.md'] } }, checkoutPlan)).toBeUndefined();
    expect(planAssessment(undefined, checkoutPlan)).toBeUndefined();
    expect(renderPlanTable(checkoutPlan, plainTheme)).not.toContain('Verdict');
  });

  it('opens the ExecPlan too, under its title', () => {
    const md = renderExecPlan(checkoutPlan, undefined, verdict).split('\n');
    expect(md.slice(0, 7)).toEqual([
      '# Marketplace checkout — ExecPlan',
      '',
      '**Verdict:** multi-agent · medium confidence · 24h of work',
      '',
      '- effort 24h > 8h — specs/checkout.md:20, 12, 30',
      '- requirements 12 > 8 — specs/checkout.md:10, 12, 14, 16, 18, 20, 22, 24, 26, 28 +2',
      '- open questions 3 > 2, lowers confidence — specs/checkout.md:60, 61, 62',
    ]);
    expect(md[8]).toBe('## Purpose');
  });
});
