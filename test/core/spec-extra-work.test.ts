/**
 * Work a spec asks for outside its requirement lists: command tables, formats, decisions, mitigations, test cases still
 * to write. Each becomes an inventory item, numbered after the others so the keys already given stay as they were.
 */
import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../src/core/intake/inventory.js';
import { parseSpec } from '../../src/core/intake/spec.js';

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;
const work = (text: string) =>
  parseSpec(text, 's.md')
    .requirements.filter((r) => r.origin)
    .map((r) => [r.line, r.origin, r.text]);

describe('tables', () => {
  it('a command table gives one item per command row; a glossary or a comparison gives none', () => {
    const text = md(
      '# Tool',
      '',
      '## CLI',
      '',
      '| Command | What it does |',
      '| --- | --- |',
      '| `tool init` | Creates the config file |',
      '| `tool sync` | Pulls and pushes changes |',
      '',
      '## Glossary',
      '',
      '| Term | Meaning |',
      '| --- | --- |',
      '| Sync | Pull then push |',
      '',
      '## Comparison',
      '',
      '| Feature | Us | Them |',
      '| --- | --- | --- |',
      '| Offline | yes | no |',
    );
    expect(work(text)).toEqual([
      [7, 'command', 'tool init — Creates the config file'],
      [8, 'command', 'tool sync — Pulls and pushes changes'],
    ]);
  });

  it('a table of fields with their types is one item for its format, named by its heading', () => {
    const text = md('# Tool', '', '## State file', '', '| Field | Type | Notes |', '|---|---|---|', '| version | number | |', '| tasks | Task[] | |');
    expect(work(text)).toEqual([[5, 'format', 'State file: format (version, tasks)']]);
  });

  it('a test table whose status says a case is still to write gives that case as a criterion', () => {
    const text = md('# Tool', '', '## Test cases', '', '| Test | Status |', '|---|---|', '| empty input imports nothing | TODO |', '| one row imports one | done |');
    const spec = parseSpec(text, 's.md');
    expect(spec.acceptance.map((c) => [c.line, c.origin, c.text])).toEqual([[7, 'test', 'empty input imports nothing']]);
  });
});

describe('fenced schema blocks', () => {
  it('a schema block is one item for its format, with the names it declares; other code illustrates', () => {
    const text = md(
      '# Tool',
      '',
      '## Storage',
      '',
      '```sql',
      'CREATE TABLE bookmarks (id INTEGER PRIMARY KEY);',
      'CREATE TABLE tags (id INTEGER);',
      '```',
      '',
      '## Usage',
      '',
      '```bash',
      'tool sync',
      '```',
      '',
      '## Config file format',
      '',
      '```yaml',
      'remote: origin',
      'interval: 5m',
      '```',
    );
    expect(work(text)).toEqual([
      [5, 'format', 'Storage: SQL format (bookmarks, tags)'],
      [18, 'format', 'Config file format: YAML format (remote, interval)'],
    ]);
  });

  it('a schema shown under a requirement is part of that requirement, and one shown after an example label is an example', () => {
    const text = md('# Tool', '', '### FR-1: Save state', '', '```json', '{ "version": 1 }', '```', '', '## Data model', '', 'Example:', '', '```sql', 'CREATE TABLE x (id INT);', '```');
    expect(work(text)).toEqual([]);
    expect(parseSpec(text, 's.md').requirements.map((r) => r.id)).toEqual(['FR-1']);
  });
});

describe('decisions, mitigations and tests to write', () => {
  it('decisions that ask for work are items, their rationale their details; a decision not to do something is none', () => {
    const text = md(
      '# Tool',
      '',
      '## Key Design Decisions',
      '',
      '**Decision 1: Store state in SQLite**',
      '- Rationale: one file, transactions',
      '',
      '**Decision 2: Do not support Windows**',
      '- Rationale: no users',
      '',
      '### Repository layout',
      '',
      '**Decision:** One monorepo for all packages',
    );
    const spec = parseSpec(text, 's.md');
    expect(work(text)).toEqual([
      [5, 'decision', 'Store state in SQLite'],
      [11, 'decision', 'Repository layout'],
    ]);
    expect(spec.requirements[0]!.details).toContain('one file, transactions');
    expect(spec.requirements[1]!.details).toContain('One monorepo for all packages');
  });

  it('mitigations that say what to build are criteria for the work they concern; the risks stay risks, and "acceptable for now" asks for nothing', () => {
    const text = md(
      '# Tool',
      '',
      '## Risks',
      '',
      '- **Risk:** The API rate-limits us.',
      '  - **Mitigation:** Add exponential backoff with retries.',
      '- **Risk:** Memory store is lost on restart.',
      '  - **Mitigation:** Acceptable for the first release.',
      '',
      '### Model output varies',
      '**Mitigation**:',
      '- Validate every response against the schema',
      '- Focus on the core use case',
    );
    const spec = parseSpec(text, 's.md');
    expect(spec.acceptance.map((c) => [c.line, c.origin, c.text, c.owner])).toEqual([
      [6, 'mitigation', 'Add exponential backoff with retries.', undefined],
      [12, 'mitigation', 'Validate every response against the schema', undefined],
    ]);
    expect(work(text)).toEqual([]);
    expect(spec.risks.map((r) => r.line)).toEqual([5, 7, 10]);
  });

  it('a TODO test case is a criterion to meet', () => {
    const text = md('# Tool', '', '## Test plan', '', '- TODO: test that an empty file imports nothing', '- covered: one row imports one row');
    expect(parseSpec(text, 's.md').acceptance.map((c) => [c.line, c.origin, c.text])).toEqual([[5, 'test', 'test that an empty file imports nothing']]);
  });
});

describe('inventory keys', () => {
  it('items found outside the requirement lists are numbered after every other requirement and criterion, of every spec', () => {
    const first = parseSpec(md('# A', '', '## Requirements', '', '- Export to CSV', '', '## Commands', '', '| Command | Does |', '|---|---|', '| `a export` | Exports |'), 'a.md');
    const second = parseSpec(
      md('# B', '', '## Requirements', '', '- Import from CSV', '', '## Test plan', '', '- TODO: test an empty import', '', '## Acceptance criteria', '', '- Importing a file adds its rows'),
      'b.md',
    );
    const inventory = buildInventory([first, second]);
    expect(inventory.items.filter((i) => i.key.startsWith('R') || i.key.startsWith('A')).map((i) => [i.key, i.origin ?? '', i.text])).toEqual([
      ['R1', '', 'Export to CSV'],
      ['R2', '', 'Import from CSV'],
      ['A1', '', 'Importing a file adds its rows'],
      ['R3', 'command', 'a export — Exports'],
      ['A2', 'test', 'test an empty import'],
    ]);
  });
});
