import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { assessSpecs, MAX_EVIDENCE, type Assessment, type Driver, type DriverId } from '../../src/core/intake/assess.js';
import { defaultConfig, validateConfig, type Thresholds } from '../../src/core/config.js';
import { parseSpec } from '../../src/core/intake/spec.js';

const thresholds = (): Thresholds => defaultConfig().assess.thresholds;

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;

const assess = (specs: Array<[path: string, text: string]>, t: Thresholds = thresholds()): Assessment =>
  assessSpecs(
    specs.map(([path, text]) => parseSpec(text, path)),
    t,
  );

const driver = (a: Assessment, id: DriverId): Driver => {
  const d = a.drivers.find((x) => x.id === id);
  if (!d) throw new Error(`no driver ${id}`);
  return d;
};

const BUG_FIX =
  'Fix: login fails when the password contains a plus sign. The form encodes + as a space, so the server ' +
  'compares the wrong password and the login is rejected. Fix the encoding in the login form and add a regression test.\n';

const SERVICE_FEATURES = [
  'React storefront shows the cart',
  'The cart is stored in PostgreSQL',
  'Sessions are cached in Redis',
  'The payment service charges cards through Stripe',
  'Order events are published to Kafka',
  'The notification service sends receipts',
  'Sellers see their orders on a dashboard',
  'Refunds are issued through Stripe',
  'Inventory is reserved at checkout',
  'Reservations expire after 15 minutes',
  'Expose POST /api/orders for checkout',
  'Expose GET /api/orders/:id for order status',
];

/** A multi-component feature: 12 requirements, each covered by a criterion, optionally with open questions. */
function serviceSpec(questions = 0): string {
  const lines = ['# Marketplace checkout', '', '## Requirements'];
  SERVICE_FEATURES.forEach((f, i) => lines.push(`- FR-${i + 1}: ${f}`));
  lines.push('', '## Acceptance Criteria');
  SERVICE_FEATURES.forEach((_f, i) => lines.push(`- Verified end to end in staging (FR-${i + 1})`));
  if (questions > 0) {
    lines.push('', '## Open Questions');
    for (let q = 1; q <= questions; q++) lines.push(`- Question number ${q} about checkout?`);
  }
  return md(...lines);
}

/** A program spec: `epics` sections of `perEpic` requirements, each described in about forty words. */
function epicSpec(epics: number, perEpic: number): string {
  const lines = ['# Learning platform', '', 'A platform that replaces the legacy LMS for every tenant.', ''];
  for (let e = 1; e <= epics; e++) {
    lines.push(`## Epic ${e}`, '');
    for (let r = 1; r <= perEpic; r++) {
      lines.push(
        `- **FR-${e}${String(r).padStart(2, '0')}**: The system MUST support capability ${r} of epic ${e}, including validation of ` +
          'every input, an audit log entry for each change, permission checks for tenant admins and learners, and a clear ' +
          'error message when the operation is rejected.',
      );
    }
    lines.push('');
  }
  return md(...lines);
}

describe('assessSpecs: verdicts', () => {
  it('a one-paragraph bug fix fits one agent, with high confidence and every measure within single-agent bounds', () => {
    const a = assess([['bugs/login-plus.md', BUG_FIX]]);
    expect(a.verdict).toBe('single-agent');
    expect(a.confidence).toBe('high');
    expect(a.spec.kind).toBe('debug-investigation');
    // Nothing argues for more than one task: the one-task fast path applies.
    expect(a.drivers.every((d) => d.level === 'single-agent')).toBe(true);
    expect(driver(a, 'effortHours').value).toBeLessThanOrEqual(1);
    expect(a.warnings).toEqual([]);
    expect(a.split).toEqual([]);
    expect(a.next).toBe('xplan plan bugs/login-plus.md');
  });

  it('many requirements across several components need several agents', () => {
    const a = assess([['specs/checkout.md', serviceSpec()]]);
    expect(a.verdict).toBe('multi-agent');
    expect(driver(a, 'requirements').value).toBe(12);
    expect(driver(a, 'requirements').level).toBe('multi-agent');
    expect(driver(a, 'components').value).toBeGreaterThan(thresholds().components.single);
    expect(driver(a, 'components').level).toBe('multi-agent');
    expect(a.split).toEqual([]);
    expect(a.next).toBe('xplan plan specs/checkout.md');
  });

  it('a program of 8 epics × 15 requirements needs splitting, by epic, with counts in order', () => {
    const text = epicSpec(8, 15);
    const a = assess([['specs/platform.md', text]]);
    expect(a.verdict).toBe('decomposition-required');
    expect(driver(a, 'requirements').value).toBe(120);
    expect(driver(a, 'requirements').level).toBe('decomposition-required');

    const lines = text.split('\n');
    expect(a.split.map((s) => [s.title, s.requirements])).toEqual(Array.from({ length: 8 }, (_v, i) => [`Epic ${i + 1}`, 15]));
    for (const s of a.split) {
      expect(s.file).toBe('specs/platform.md');
      expect(lines[s.line - 1]).toBe(`## ${s.title}`);
    }
    expect(a.next).not.toMatch(/^xplan plan/);
    expect(a.next).toMatch(/split/i);
  });

  it('a single oversized measure alone does not force a multi-agent verdict', () => {
    // Five risks (> 4) but nothing else: one agent still fits.
    const a = assess([['r.md', md('# Fix export', '## Requirements', '- FR-1: Export orders as CSV', '## Risks', '- a slow', '- b flaky', '- c large', '- d odd', '- e cold')]]);
    expect(driver(a, 'risks').value).toBe(5);
    expect(driver(a, 'risks').level).toBe('multi-agent');
    expect(a.verdict).toBe('single-agent');
  });
});

describe('assessSpecs: drivers', () => {
  const path = 'specs/checkout.md';
  const text = serviceSpec(3);
  const lines = text.split('\n');
  const a = assess([[path, text]]);

  it('reports every driver once, with the configured thresholds and a level that matches its value', () => {
    const t = thresholds();
    expect(a.drivers.map((d) => d.id).sort()).toEqual(['components', 'effortHours', 'integrations', 'requirements', 'risks', 'unknowns']);
    for (const d of a.drivers) {
      expect(d.threshold).toEqual(t[d.id]);
      const expected = d.value > t[d.id].multi ? 'decomposition-required' : d.value > t[d.id].single ? 'multi-agent' : 'single-agent';
      expect(d.level, d.id).toBe(expected);
      expect(d.affects).toBe(d.id === 'unknowns' ? 'confidence' : 'verdict');
    }
  });

  it('gives evidence that points at the real spec lines', () => {
    for (const d of a.drivers) {
      for (const ev of d.evidence) {
        expect(ev.file, d.id).toBe(path);
        expect(ev.line, d.id).toBeGreaterThanOrEqual(1);
        expect(ev.line, d.id).toBeLessThanOrEqual(lines.length);
      }
    }
    const source = (line: number) => lines[line - 1]!.trim();
    for (const ev of driver(a, 'requirements').evidence) expect(source(ev.line)).toBe(`- ${ev.text}`);
    for (const ev of driver(a, 'unknowns').evidence) expect(source(ev.line)).toBe(`- ${ev.text}`);
    // Component and integration evidence is "name: line text".
    for (const id of ['components', 'integrations'] as const) {
      for (const ev of driver(a, id).evidence) expect(ev.text.endsWith(source(ev.line)), `${id}: ${ev.text}`).toBe(true);
    }
    // Effort evidence names each requirement's line.
    for (const ev of driver(a, 'effortHours').evidence) expect(source(ev.line)).toContain(ev.text.split(' · ')[1]!);
  });

  it('counts the requirements, components and integrations the spec names', () => {
    expect(driver(a, 'requirements').evidence.map((e) => e.line)).toEqual(SERVICE_FEATURES.map((_f, i) => i + 4));
    const componentLines = driver(a, 'components').evidence.map((e) => e.line);
    // React, PostgreSQL, Redis, payment service, Kafka, notification service.
    for (const line of [4, 5, 6, 7, 8, 9]) expect(componentLines).toContain(line);
    const integrations = driver(a, 'integrations').evidence.map((e) => e.text.split(':')[0]);
    expect(integrations).toEqual(expect.arrayContaining(['Stripe', 'POST /api/orders', 'GET /api/orders/']));
  });

  it('caps evidence at MAX_EVIDENCE for a huge spec while the value stays the true count', () => {
    const huge = ['# Huge', '## Requirements'];
    for (let i = 1; i <= 200; i++) huge.push(`- FR-${i}: Requirement number ${i}`);
    huge.push('## Acceptance Criteria', '- The first one works (FR-1)', '## Open Questions');
    for (let i = 1; i <= 60; i++) huge.push(`- Question ${i}?`);
    const big = assess([['huge.md', md(...huge)]]);

    const reqs = driver(big, 'requirements');
    expect(reqs.value).toBe(200);
    expect(reqs.evidence).toHaveLength(MAX_EVIDENCE);
    expect(reqs.evidence.map((e) => e.line)).toEqual(Array.from({ length: MAX_EVIDENCE }, (_v, i) => i + 3));

    const unknowns = driver(big, 'unknowns');
    expect(unknowns.value).toBe(60);
    expect(unknowns.evidence).toHaveLength(MAX_EVIDENCE);

    expect(driver(big, 'effortHours').evidence.length).toBeLessThanOrEqual(MAX_EVIDENCE);
    const uncovered = big.warnings.find((w) => w.code === 'REQUIREMENTS_WITHOUT_ACCEPTANCE')!;
    expect(uncovered.message).toContain('199 of 200');
    expect(uncovered.evidence).toHaveLength(MAX_EVIDENCE);
    expect(big.warnings.find((w) => w.code === 'OPEN_QUESTIONS')!.evidence).toHaveLength(MAX_EVIDENCE);
  });
});

describe('assessSpecs: unknowns lower confidence, never change the verdict', () => {
  it.each([
    { name: 'bug fix', base: BUG_FIX, verdict: 'single-agent' },
    { name: 'multi-component feature', base: serviceSpec(), verdict: 'multi-agent' },
  ])('$name', ({ base, verdict }) => {
    const questions = (n: number) => (n === 0 ? base : `${base}\n## Open Questions\n${Array.from({ length: n }, (_v, i) => `- Open question ${i + 1}?`).join('\n')}\n`);
    const clear = assess([['s.md', questions(0)]]);
    const some = assess([['s.md', questions(3)]]);
    const many = assess([['s.md', questions(15)]]);

    expect(clear.verdict).toBe(verdict);
    expect(clear.confidence).toBe('high');
    expect(driver(some, 'unknowns').value).toBe(3);
    expect(driver(many, 'unknowns').value).toBe(15);
    expect(driver(many, 'unknowns').level).toBe('decomposition-required');
    for (const a of [some, many]) {
      expect(a.verdict).toBe(verdict);
      expect(a.confidence).not.toBe('high');
    }
  });

  it('counts TBD and NEEDS CLARIFICATION markers as unknowns', () => {
    const a = assess([
      [
        's.md',
        md('# Export', '## Requirements', '- FR-1: Export as CSV (delimiter TBD)', '- FR-2: Email the file [NEEDS CLARIFICATION: to whom?]', '- FR-3: Zip large files [NEEDS CLARIFICATION: limit?]'),
      ],
    ]);
    expect(driver(a, 'unknowns').evidence.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(a.verdict).toBe('single-agent');
    expect(a.confidence).not.toBe('high');
  });
});

describe('assessSpecs: custom thresholds', () => {
  it('higher bounds turn a multi-agent spec into a single-agent one', () => {
    const t = thresholds();
    t.requirements = { single: 20, multi: 100 };
    t.components = { single: 10, multi: 20 };
    const a = assess([['s.md', serviceSpec()]], t);
    expect(a.verdict).toBe('single-agent');
    expect(driver(a, 'requirements').threshold).toEqual({ single: 20, multi: 100 });
    expect(driver(a, 'requirements').level).toBe('single-agent');
  });

  it('lower bounds make the bug fix look large, yet a bug write-up stays one agent’s work, and says why', () => {
    const t = thresholds();
    t.effortHours = { single: 0.25, multi: 100 };
    const a = assess([['bug.md', BUG_FIX]], t);
    expect(driver(a, 'effortHours').level).toBe('multi-agent');
    expect(a.verdict).toBe('single-agent');
    expect(a.reasons[0]).toMatch(/^A bug write-up: one cause and one fix/);
    expect(a.reasons[0]).toMatch(/estimated effort/);
  });

  it('lower bounds turn a multi-agent spec into decomposition-required', () => {
    const t = thresholds();
    t.requirements = { single: 2, multi: 5 };
    t.components = { single: 1, multi: 3 };
    const a = assess([['s.md', serviceSpec()]], t);
    expect(a.verdict).toBe('decomposition-required');
  });
});

describe('assessSpecs: warnings', () => {
  const codes = (a: Assessment) => a.warnings.map((w) => w.code);

  it('OPEN_QUESTIONS lists each open question line', () => {
    const a = assess([['s.md', serviceSpec(2)]]);
    const w = a.warnings.find((x) => x.code === 'OPEN_QUESTIONS');
    expect(w).toBeDefined();
    expect(w!.message).toMatch(/\b2 open questions\b/);
    const lines = serviceSpec(2).split('\n');
    expect(w!.evidence.map((e) => lines[e.line - 1])).toEqual(['- Question number 1 about checkout?', '- Question number 2 about checkout?']);
  });

  it('REQUIREMENTS_WITHOUT_ACCEPTANCE names the uncovered requirement lines (non-functional ones excused)', () => {
    const a = assess([
      [
        's.md',
        md(
          '# Search', // 1
          '## Requirements', // 2
          '- FR-1: Search by keyword', // 3
          '- FR-2: Filter by tag', // 4
          '- FR-3: Sort by date', // 5
          '- NFR-1: Results in under 200 ms', // 6
          '## Acceptance Criteria', // 7
          '- A keyword search lists matches (FR-1)', // 8
        ),
      ],
    ]);
    expect(codes(a)).toEqual(['REQUIREMENTS_WITHOUT_ACCEPTANCE']);
    const w = a.warnings[0]!;
    expect(w.evidence.map((e) => e.line)).toEqual([4, 5]);
    expect(w.message).toContain('2 of 4');
  });

  it('NO_ACCEPTANCE_CRITERIA when a spec has requirements and no criteria at all (instead of listing every requirement)', () => {
    const a = assess([['s.md', md('# Search', '## Requirements', '- FR-1: Search by keyword', '- FR-2: Filter by tag')]]);
    expect(codes(a)).toEqual(['NO_ACCEPTANCE_CRITERIA']);
  });

  it('no acceptance warning when every requirement is covered', () => {
    const a = assess([['s.md', serviceSpec()]]);
    expect(codes(a)).toEqual([]);
  });

  it('NO_REQUIREMENTS when a long text has nothing recognisable as a requirement', () => {
    const prose = Array.from({ length: 40 }, (_v, i) => `Sentence ${i} describes the system in some detail.`).join(' ');
    const a = assess([['notes.txt', `${prose}\n`]]);
    expect(codes(a)).toContain('NO_REQUIREMENTS');
    expect(driver(a, 'effortHours').value).toBeGreaterThan(0);
  });
});

describe('assessSpecs: next command', () => {
  it.each([
    ['specs/checkout.md', 'xplan plan specs/checkout.md'],
    ['my specs/checkout v2.md', "xplan plan 'my specs/checkout v2.md'"],
    ["specs/it's.md", "xplan plan 'specs/it'\\''s.md'"],
  ])('%s → %s', (path, next) => {
    expect(assess([[path, serviceSpec()]]).next).toBe(next);
  });
});

describe('assessSpecs: several specs together', () => {
  const specs: Array<[string, string]> = [
    ['specs/checkout.md', serviceSpec(3)],
    ['bugs/login plus.md', BUG_FIX],
  ];
  const together = assess(specs);
  const alone = specs.map((s) => assess([s]));

  it('sums every driver', () => {
    for (const d of together.drivers) {
      const sum = alone.reduce((n, a) => n + driver(a, d.id).value, 0);
      expect(d.value, d.id).toBeCloseTo(sum, 6);
    }
  });

  it('lists every path, in order, in the spec summary and the next command', () => {
    expect(together.spec.paths).toEqual(['specs/checkout.md', 'bugs/login plus.md']);
    expect(together.spec.kind).toBe('mixed');
    expect(together.spec.title).toBe(`${alone[0]!.spec.title} + ${alone[1]!.spec.title}`);
    expect(together.next).toBe("xplan plan specs/checkout.md 'bugs/login plus.md'");
  });

  it('keeps evidence pointing at the spec each item came from', () => {
    const files = new Set(together.drivers.flatMap((d) => d.evidence.map((e) => e.file)));
    expect([...files].sort()).toEqual(['bugs/login plus.md', 'specs/checkout.md']);
  });

  it('refuses an empty list of specs', () => {
    expect(() => assessSpecs([], thresholds())).toThrow();
  });
});

describe('validateConfig', () => {
  it('accepts an empty file and fills in the defaults', () => {
    expect(validateConfig(undefined)).toEqual({ ok: true, config: defaultConfig() });
  });

  it.each([
    [{ assess: { foo: 1 } }, 'assess.foo: unknown key'],
    [{ engin: 'heuristic' }, 'engin: unknown key'],
    [{ assess: { thresholds: { requirement: { single: 1 } } } }, 'assess.thresholds.requirement: unknown key'],
  ])('rejects unknown keys: %j', (input, error) => {
    expect(validateConfig(input)).toEqual({ ok: false, errors: [error] });
  });

  it('names the path of a value of the wrong type', () => {
    const result = validateConfig({ assess: { thresholds: { requirements: { single: 'eight' } } } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^assess\.thresholds\.requirements\.single: /);
  });

  it.each([
    [{ single: 10, multi: 5 }],
    [{ single: 100 }], // multi defaults to 60
  ])('rejects multi below single: %j', (range) => {
    const result = validateConfig({ assess: { thresholds: { requirements: range } } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^assess\.thresholds\.requirements: .*multi/);
  });

  it('rejects negative thresholds', () => {
    const result = validateConfig({ assess: { thresholds: { risks: { single: -1 } } } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatch(/^assess\.thresholds\.risks\.single: /);
  });

  it('keeps the defaults for what a partial config leaves out', () => {
    const result = validateConfig({ assess: { thresholds: { requirements: { single: 10 } } } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const expected = defaultConfig();
    expected.assess.thresholds.requirements = { single: 10, multi: 60 };
    expect(result.config).toEqual(expected);
  });

  it('the YAML template validates to exactly the defaults', () => {
    const template = readFileSync(fileURLToPath(new URL('../../templates/config.yaml', import.meta.url)), 'utf8');
    expect(validateConfig(parseYaml(template))).toEqual({ ok: true, config: defaultConfig() });
  });
});

describe('assessSpecs: one measure far beyond its bound', () => {
  it('120 one-line requirements over 8 epics need splitting even though each is small', () => {
    const lines = ['# Program'];
    let n = 0;
    for (let epic = 1; epic <= 8; epic++) {
      lines.push(`## Epic ${epic}`, '');
      for (let r = 0; r < 15; r++) lines.push(`- FR-${++n}: Screen ${n} works.`);
    }
    const a = assessSpecs([parseSpec(lines.join('\n'), 'program.md')], defaultConfig().assess.thresholds);
    expect(a.drivers.find((d) => d.id === 'requirements')!.value).toBe(120);
    expect(a.verdict).toBe('decomposition-required');
    expect(a.split.map((s) => s.requirements)).toEqual([15, 15, 15, 15, 15, 15, 15, 15]);
  });
});
