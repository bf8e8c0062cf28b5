import { describe, expect, it } from 'vitest';
import { parseSpec, type ParsedSpec } from '../../src/core/intake/spec.js';

/** Joins lines with LF so line N of the spec is element N-1 of the array. */
const md = (...lines: string[]): string => `${lines.join('\n')}\n`;

const parse = (text: string, file = 'spec.md'): ParsedSpec => parseSpec(text, file);

/** [id, line] of each requirement, in order. */
const reqIds = (spec: ParsedSpec) => spec.requirements.map((r) => [r.id, r.line]);
const lineTexts = (items: Array<{ line: number; text: string }>) => items.map((i) => [i.line, i.text]);

describe('parseSpec: requirement ids at the start of a line', () => {
  it.each([
    {
      name: 'bold spec-kit ids in a list',
      text: md('# Shop', '## Requirements', '- **FR-001**: System MUST allow login.', '- **FR-002**: System MUST allow logout.'),
      expected: [
        ['FR-001', 3],
        ['FR-002', 4],
      ],
    },
    {
      name: 'bare ids at the start of a paragraph line',
      text: md('# Shop', '', 'FR-1 Export data as CSV', 'FR-2 Import data from CSV'),
      expected: [
        ['FR-1', 3],
        ['FR-2', 4],
      ],
    },
    {
      name: 'story ids in headings',
      text: md('# Loop', '## Stories', '### US-1: Basic loop', 'Runs one task.', '### US-2: Stop when done', 'Exits at the end.'),
      expected: [
        ['US-1', 3],
        ['US-2', 5],
      ],
    },
    {
      name: 'numbered list with ids and NFR ids',
      text: md('# Shop', '## Requirements', '1. FR-10: Search', '2. NFR-1: p95 under 200 ms'),
      expected: [
        ['FR-10', 3],
        ['NFR-1', 4],
      ],
    },
  ])('$name', ({ text, expected }) => {
    expect(reqIds(parse(text))).toEqual(expected);
  });

  it('classifies requirements by their id prefix', () => {
    const spec = parse(md('# Shop', '## Requirements', '- FR-1: Search', '- NFR-1: Fast', '', '### US-1: Save cart'));
    expect(spec.requirements.map((r) => [r.id, r.kind])).toEqual([
      ['FR-1', 'functional'],
      ['NFR-1', 'non-functional'],
      ['US-1', 'story'],
    ]);
  });

  it('keeps the requirement text readable (markdown emphasis removed)', () => {
    const spec = parse(md('# Shop', '## Requirements', '- **FR-001**: System MUST allow `login`.'));
    expect(spec.requirements[0]!.text).toBe('FR-001: System MUST allow login.');
  });

  it('labels every item with the file it came from', () => {
    const spec = parse(md('# Shop', '## Requirements', '- FR-1: Search'), 'docs/shop spec.md');
    expect(spec.file).toBe('docs/shop spec.md');
    expect(spec.requirements[0]!.file).toBe('docs/shop spec.md');
  });
});

describe('parseSpec: user stories', () => {
  it('recognises "As a …, I want …" sentences as stories, in prose and in lists', () => {
    const spec = parse(md('# Shop', '## Users', 'As a shopper, I want to save my cart so that I can buy later.', '- As an admin, I need to export orders.', 'Shoppers like carts.'));
    expect(spec.requirements.map((r) => [r.kind, r.line])).toEqual([
      ['story', 3],
      ['story', 4],
    ]);
  });

  it('does not count the story sentence under a "### US-n" heading a second time', () => {
    const spec = parse(md('# App', '## User Stories', '### US-1: Save cart', 'As a shopper, I want to save my cart so that I can buy later.'));
    expect(reqIds(spec)).toEqual([['US-1', 3]]);
  });

  it('reads spec-kit stories with their priority and attaches their acceptance scenarios to them', () => {
    const spec = parse(
      md(
        '# Feature Specification: Photo albums', // 1
        '', // 2
        '## User Scenarios & Testing', // 3
        '', // 4
        '### User Story 1 - Create album (Priority: P1)', // 5
        '', // 6
        'As a user, I want to create albums so that I can organise photos.', // 7
        '', // 8
        '**Acceptance Scenarios**:', // 9
        '', // 10
        '1. **Given** no albums, **When** I create one, **Then** it appears in the list.', // 11
        '2. **Given** an album, **When** I rename it, **Then** the new name shows.', // 12
        '', // 13
        '### User Story 2 - Share album (Priority: P2)', // 14
        '', // 15
        'As a user, I want to share albums.', // 16
        '', // 17
        '**Acceptance Scenarios**:', // 18
        '', // 19
        '1. **Given** an album, **When** I share it, **Then** the link works.', // 20
      ),
    );
    expect(spec.requirements.map((r) => [r.kind, r.line, r.priority])).toEqual([
      ['story', 5, 'P1'],
      ['story', 14, 'P2'],
    ]);
    expect(spec.acceptance.map((a) => a.line)).toEqual([11, 12, 20]);
    const [story1, story2] = spec.requirements;
    expect(story1!.acceptance.map((i) => spec.acceptance[i]!.line)).toEqual([11, 12]);
    expect(story2!.acceptance.map((i) => spec.acceptance[i]!.line)).toEqual([20]);
    expect(spec.acceptance[0]!.text).toBe('Given no albums, When I create one, Then it appears in the list.');
    expect(story1!.endLine).toBe(12);
  });
});

describe('parseSpec: acceptance criteria', () => {
  it('reads checkboxes as acceptance criteria, not requirements', () => {
    const spec = parse(md('# Shop', '## Tasks', '- [ ] Cart total updates when quantity changes', '- [x] Checkout button disabled when cart is empty'));
    expect(lineTexts(spec.acceptance)).toEqual([
      [3, 'Cart total updates when quantity changes'],
      [4, 'Checkout button disabled when cart is empty'],
    ]);
    expect(spec.requirements).toEqual([]);
  });

  it('links criteria in an Acceptance Criteria section to the requirements they name; an unnamed one stays uncovered', () => {
    const spec = parse(
      md(
        '# Shop',
        '## Requirements',
        '- FR-1: Users can search products.',
        '- FR-2: Users can filter by price.',
        '- FR-3: Users can sort results.',
        '## Acceptance Criteria',
        '- Searching "shoe" lists matching products (FR-1)',
        '- Filtering by price hides items above the limit (FR-2)',
      ),
    );
    expect(spec.acceptance.map((a) => [a.line, a.refs])).toEqual([
      [7, ['FR-1']],
      [8, ['FR-2']],
    ]);
    const byId = new Map(spec.requirements.map((r) => [r.id, r]));
    expect(byId.get('FR-1')!.acceptance.map((i) => spec.acceptance[i]!.line)).toEqual([7]);
    expect(byId.get('FR-2')!.acceptance.map((i) => spec.acceptance[i]!.line)).toEqual([8]);
    expect(byId.get('FR-3')!.acceptance).toEqual([]);
    // Criteria in a spec-wide section do not belong to whatever requirement was read last.
    expect(spec.acceptance.every((a) => a.owner === undefined)).toBe(true);
  });

  it('applies the ids of a bold group label to the criteria under it', () => {
    const spec = parse(
      md(
        '# Shop',
        '## Requirements',
        '- FR-5: Search by keyword.',
        '- FR-6: Search by tag.',
        '- FR-7: Export results.',
        '## Acceptance Criteria',
        '**Search (FR-5, FR-6)**',
        '- Results appear within 1 second',
        '- Empty query shows a hint',
      ),
    );
    expect(spec.acceptance.map((a) => [a.line, a.refs])).toEqual([
      [8, ['FR-5', 'FR-6']],
      [9, ['FR-5', 'FR-6']],
    ]);
    const covered = spec.requirements.filter((r) => r.acceptance.length > 0).map((r) => r.id);
    expect(covered).toEqual(['FR-5', 'FR-6']);
  });

  it('attaches an inline "Acceptance criteria:" list to the feature it sits under', () => {
    const spec = parse(md('# App', '## Core Features', '### Search', '- Keyword search', '**Acceptance criteria**:', '- Results within 1 s', '### Export', '- CSV export'));
    expect(spec.requirements.map((r) => [r.text, r.acceptance.map((i) => spec.acceptance[i]!.line)])).toEqual([
      ['Search', [6]],
      ['Export', []],
    ]);
  });
});

describe('parseSpec: features and roadmaps', () => {
  it('counts each sub-heading under "Core Features" as one requirement with its bullets as details', () => {
    const spec = parse(
      md('# Product', '## Core Features', '### Shopping cart', '- Add items', '- Remove items', '- Persist across sessions', '### Checkout', '- Card payment', '- Order confirmation'),
    );
    expect(spec.requirements.map((r) => [r.kind, r.line, r.text, r.endLine])).toEqual([
      ['feature', 3, 'Shopping cart', 6],
      ['feature', 7, 'Checkout', 9],
    ]);
    // The detail bullets make the feature bigger, not more numerous.
    expect(spec.requirements[0]!.words).toBeGreaterThan(spec.requirements[1]!.words);
  });

  it('does not double count a roadmap that repeats the feature list', () => {
    const spec = parse(
      md('# Product', '## Features', '- Shopping cart', '- Checkout', '- Order history', '## Roadmap', '### Phase 1', '- Shopping cart', '- Checkout', '### Phase 2', '- Order history'),
    );
    expect(spec.requirements.map((r) => [r.line, r.text])).toEqual([
      [3, 'Shopping cart'],
      [4, 'Checkout'],
      [5, 'Order history'],
    ]);
  });

  it('counts roadmap items when the spec has no other feature list', () => {
    const spec = parse(md('# Product', '## Roadmap', '### Phase 1', '- Shopping cart', '- Checkout'));
    expect(spec.requirements.map((r) => [r.line, r.fromRoadmap])).toEqual([
      [4, true],
      [5, true],
    ]);
  });

  it('reads plain list items under functional and non-functional requirement headings', () => {
    const spec = parse(md('# App', '## Functional Requirements', '1. Users can sign up', '2. Users can sign in', '## Non-Functional Requirements', '- p95 latency under 200 ms'));
    expect(spec.requirements.map((r) => [r.kind, r.line, r.text])).toEqual([
      ['functional', 3, 'Users can sign up'],
      ['functional', 4, 'Users can sign in'],
      ['non-functional', 6, 'p95 latency under 200 ms'],
    ]);
  });
});

describe('parseSpec: risks', () => {
  it('reads risks from a Risks section and **Risk**: lines elsewhere, without counting mitigations', () => {
    const spec = parse(
      md(
        '# Product', // 1
        '## Risks', // 2
        '- Vendor API rate limits may throttle imports', // 3
        '- Data migration could lose records', // 4
        '', // 5
        '**Mitigation**:', // 6
        '- Cache vendor responses', // 7
        '- Run a dry run first', // 8
        '## Design', // 9
        'Tokens are signed by the gateway.', // 10
        '**Risk**: Clock skew between servers breaks token expiry.', // 11
      ),
    );
    expect(lineTexts(spec.risks)).toEqual([
      [3, 'Vendor API rate limits may throttle imports'],
      [4, 'Data migration could lose records'],
      [11, 'Clock skew between servers breaks token expiry.'],
    ]);
  });

  it('counts a risk sub-heading once, not the mitigation bullets under it', () => {
    const spec = parse(md('# P', '## Risks', '### Vendor lock-in', '**Mitigation**:', '- Abstract the storage layer', '- Keep exports', '### Data loss'));
    expect(lineTexts(spec.risks)).toEqual([
      [3, 'Vendor lock-in'],
      [7, 'Data loss'],
    ]);
  });
});

describe('parseSpec: open questions', () => {
  it('reads an Open Questions section (a wrapped item once) and TBD / NEEDS CLARIFICATION markers elsewhere', () => {
    const spec = parse(
      md(
        '# P', // 1
        '## Requirements', // 2
        '- FR-1: Export orders as CSV (format TBD)', // 3
        '- FR-2: Email receipts [NEEDS CLARIFICATION: which provider?]', // 4
        '- FR-3: Show order totals', // 5
        '## Open Questions', // 6
        '- Should exports include refunds, or only', // 7
        '  completed orders?', // 8
        '- Who owns the email templates?', // 9
      ),
    );
    expect(spec.openQuestions.map((q) => q.line)).toEqual([3, 4, 7, 9]);
    expect(spec.openQuestions.find((q) => q.line === 9)!.text).toBe('Who owns the email templates?');
    // A marker flags the requirement as unclear; it does not remove it.
    expect(reqIds(spec)).toEqual([
      ['FR-1', 3],
      ['FR-2', 4],
      ['FR-3', 5],
    ]);
  });

  it('does not treat a TBD in an out-of-scope item as an open question', () => {
    const spec = parse(md('# App', '## Requirements', '- FR-1: Do a thing', '## Out of Scope', '- Offline mode (TBD later)'));
    expect(spec.openQuestions).toEqual([]);
    expect(lineTexts(spec.outOfScope)).toEqual([[5, 'Offline mode (TBD later)']]);
  });
});

describe('parseSpec: out of scope', () => {
  it('reads Out of Scope and Non-goals items, and ignores components only named there', () => {
    const spec = parse(
      md('# P', '## Requirements', '- FR-1: Show orders in the React dashboard', '## Out of Scope', '- Mobile app', '- Payment service rewrite with Kafka', '## Non-goals', '- Multi-currency support'),
    );
    expect(lineTexts(spec.outOfScope)).toEqual([
      [5, 'Mobile app'],
      [6, 'Payment service rewrite with Kafka'],
      [8, 'Multi-currency support'],
    ]);
    expect(spec.components.map((c) => [c.name, c.category])).toEqual([['web UI', 'web-ui']]);
    expect(reqIds(spec)).toEqual([['FR-1', 3]]);
  });
});

describe('parseSpec: code fences', () => {
  it.each([
    ['backticks', '```'],
    ['tildes', '~~~'],
  ])('ignores everything inside a %s fence', (_name, fence) => {
    const spec = parse(md('# P', '## Requirements', '- FR-1: Real one', '', fence, '- FR-9: inside the fence', '## Risks', '- not a risk', fence, '- FR-2: Another'));
    expect(reqIds(spec)).toEqual([
      ['FR-1', 3],
      ['FR-2', 10],
    ]);
    expect(spec.risks).toEqual([]);
    expect(spec.headings.map((h) => h.text)).toEqual(['P', 'Requirements']);
  });
});

describe('parseSpec: components and integrations', () => {
  const spec = parse(
    md(
      '# P',
      '## Requirements',
      '- FR-1: Build the page in React',
      '- FR-2: Store orders in PostgreSQL',
      '- FR-3: The payment service charges cards via Stripe',
      '- FR-4: Expose POST /api/orders for checkout',
      '- FR-5: Render the React page fast',
    ),
  );

  it.each([
    ['web UI', 'web-ui', 3],
    ['database', 'database', 4],
    ['payment service', 'service', 5],
  ])('finds %s (%s) on line %i', (name, category, line) => {
    const component = spec.components.find((c) => c.name === name);
    expect(component).toBeDefined();
    expect(component!.category).toBe(category);
    expect(component!.evidence.line).toBe(line);
  });

  it('counts each component once however often it is mentioned', () => {
    expect(spec.components.map((c) => c.name).sort()).toEqual(['database', 'payment service', 'web UI']);
  });

  it('finds external systems and HTTP endpoints as integrations', () => {
    expect(spec.integrations.map((i) => [i.name, i.evidence.line])).toEqual([
      ['Stripe', 5],
      ['POST /api/orders', 6],
    ]);
  });

  it('does not take generic words before "service" as a named service', () => {
    const s = parse(md('# P', '## Requirements', '- FR-1: The service returns JSON from an external service'));
    expect(s.components.filter((c) => c.category === 'service')).toEqual([]);
  });
});

describe('parseSpec: title', () => {
  it.each([
    { name: 'first # heading', text: md('# Invoice reminders', '', 'Send reminders.'), file: 'a.md', title: 'Invoice reminders' },
    {
      name: 'spec-kit prefix removed',
      text: md('# Feature Specification: Album sharing', '', 'Share albums.'),
      file: 'a.md',
      title: 'Album sharing',
    },
    {
      name: 'first sentence when the first heading is generic',
      text: md('# Overview', '', 'Invoice reminders for overdue accounts. We send emails weekly.', '', '## Requirements', '- FR-1: Send reminders'),
      file: 'a.md',
      title: 'Invoice reminders for overdue accounts.',
    },
    {
      name: 'first line of plain text',
      text: md('Add a CSV export button to the orders page', 'The button streams all orders for the current filter.'),
      file: 'notes.txt',
      title: 'Add a CSV export button to the orders page',
    },
  ])('$name', ({ text, file, title }) => {
    expect(parse(text, file).title).toBe(title);
  });
});

describe('parseSpec: kind', () => {
  it.each([
    {
      name: 'a one-paragraph bug report',
      text: 'Fix: login fails when the password contains a plus sign. The form encodes + as a space, so the server compares the wrong password and the login is rejected. Fix the encoding in the login form and add a regression test.\n',
      kind: 'debug-investigation',
    },
    {
      name: 'a doc with Architecture / Design / Data model headings',
      text: md('# Rate limiter', '## Architecture', 'The gateway calls a middleware.', '## Design', 'Token bucket per key.', '## Data model', 'A hash per key.'),
      kind: 'technical-spec',
    },
    {
      name: 'a doc with Problem Statement / Goals / User Stories',
      text: md('# Team calendar', '## Problem Statement', 'Teams miss meetings.', '## Goals', '- Fewer missed meetings', '## User Stories', '- As a member, I want reminders so that I attend.'),
      kind: 'prd',
    },
    {
      name: 'a doc with Steps to Reproduce / Expected / Actual behaviour',
      text: md('# Exports time out', '## Steps to reproduce', '1. Open the orders page', '## Expected behaviour', 'The export downloads.', '## Actual behaviour', 'The request times out.'),
      kind: 'debug-investigation',
    },
  ])('$name → $kind', ({ text, kind }) => {
    expect(parse(text).kind).toBe(kind);
  });
});

describe('parseSpec: format', () => {
  it.each([
    {
      name: '<context>/<PRD> tags → taskmaster',
      text: md('<context>', '# Overview', 'A habit tracker.', '</context>', '<PRD>', '# Core Features', '- Daily reminders', '</PRD>'),
      file: 'prd.txt',
      format: 'taskmaster',
    },
    {
      name: '"# Feature Specification:" → spec-kit',
      text: md('# Feature Specification: Album sharing', '', '## Requirements', '- **FR-001**: System MUST let users share albums.'),
      file: 'spec.md',
      format: 'spec-kit',
    },
    { name: '.txt with no headings → text', text: md('Add an export button.', 'Reuse the query.'), file: 'notes.txt', format: 'text' },
    { name: '.md with headings → markdown', text: md('# Export', 'Add an export button.'), file: 'notes.md', format: 'markdown' },
  ])('$name', ({ text, file, format }) => {
    expect(parse(text, file).format).toBe(format);
  });

  it('does not count taskmaster tags as text or requirements', () => {
    const spec = parse(md('<context>', '# Overview', 'A habit tracker.', '</context>', '<PRD>', '# Core Features', '- Daily reminders', '</PRD>'), 'prd.txt');
    expect(spec.requirements.map((r) => [r.line, r.text])).toEqual([[7, 'Daily reminders']]);
    expect(spec.title).toBe('A habit tracker.');
  });
});

describe('parseSpec: line endings', () => {
  it('gives the same items and lines for CRLF input as for LF', () => {
    const lf = md(
      '# Feature Specification: Shop',
      '## Requirements',
      '- FR-1: Search',
      '- FR-2: Filter',
      '### User Story 1 - Browse (Priority: P1)',
      '1. **Given** a list, **When** I scroll, **Then** more items load.',
      '## Risks',
      '- Slow search',
      '## Open Questions',
      '- Which index?',
    );
    const a = parse(lf);
    const b = parse(lf.replace(/\n/g, '\r\n'));
    expect(b).toEqual(a);
    expect(a.lineCount).toBe(10);
    expect(a.requirements.map((r) => [r.id ?? r.text, r.line, r.priority])).toEqual([
      ['FR-1', 3, undefined],
      ['FR-2', 4, undefined],
      ['User Story 1 - Browse (Priority: P1)', 5, 'P1'],
    ]);
    expect(a.title).toBe('Shop');
  });
});

describe('parseSpec: cases that once went wrong', () => {
  it('keeps reading risks after a nested mitigation bullet', () => {
    const spec = parse(md('# S', '## Risks', '- Risk A', '  - Mitigation: X', '- Risk B', '  - Mitigation: Y', '- Risk C'));
    expect(spec.risks.map((r) => r.line)).toEqual([3, 5, 7]);
  });

  it('keeps the roadmap, not the feature list, when the roadmap is more detailed', () => {
    const spec = parse(md('# Shop', '## Features', '- Cart', '- Checkout', '## Roadmap', '- Cart model', '- Cart API', '- Checkout API', '- Checkout UI'));
    expect(spec.requirements.map((r) => r.text)).toEqual(['Cart model', 'Cart API', 'Checkout API', 'Checkout UI']);
  });

  it('does not count a line that repeats an id already defined as new work', () => {
    const spec = parse(md('# S', '## Requirements', '- FR-1: Login', '- FR-2: Logout', '- FR-3: Reset', '## Milestones', '- FR-1: week 1', '- FR-2: week 2', '- FR-3: week 2'));
    expect(reqIds(spec)).toEqual([
      ['FR-1', 3],
      ['FR-2', 4],
      ['FR-3', 5],
    ]);
  });

  it('does not read standards such as SHA-256 or ISO-8601 as requirement ids', () => {
    const spec = parse(md('# S', '## Background', '- SHA-256 checksums are already stored for every file.', '- ISO-8601 timestamps are used in logs.', '### UTF-8 handling'));
    expect(spec.requirements).toEqual([]);
  });
});
