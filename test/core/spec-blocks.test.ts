/** Code blocks and GFM tables arrive as blocks, with their lines, and what they hold is read as such. */
import { describe, expect, it } from 'vitest';
import { scanBlocks, splitTableRow } from '../../src/core/intake/markdown-blocks.js';
import { parseSpec } from '../../src/core/intake/spec.js';

const md = (...lines: string[]): string => `${lines.join('\n')}\n`;

describe('fenced code blocks', () => {
  it('close only on a fence of the same character, at least as long, with no info string', () => {
    const lines = ['````md', '```js', 'x', '```', '~~~', '````', 'after'];
    const { codeBlocks, roles } = scanBlocks(lines);
    expect(codeBlocks).toEqual([{ kind: 'code', line: 1, endLine: 6, lang: 'md', body: ['```js', 'x', '```', '~~~'] }]);
    expect(roles[6]).toBeUndefined();
  });

  it('a fence left open runs to the end; a backtick run with a backtick after it is inline code, not a fence', () => {
    expect(scanBlocks(['``` `x` ```', 'text']).codeBlocks).toEqual([]);
    expect(scanBlocks(['intro', '~~~yaml', 'a: 1']).codeBlocks).toEqual([{ kind: 'code', line: 2, endLine: 3, lang: 'yaml', body: ['a: 1'] }]);
  });

  it('list items shown in a code block are not requirements, and a fence with an info string does not close the block', () => {
    const spec = parseSpec(md('# S', '', '## Requirements', '', '- Export to CSV', '', '```text', '- not a requirement', '```python', '- nor this', '```', '', '- Import from CSV'), 's.md');
    expect(spec.requirements.map((r) => [r.line, r.text])).toEqual([
      [5, 'Export to CSV'],
      [13, 'Import from CSV'],
    ]);
  });
});

describe('GFM tables', () => {
  it('split cells at unescaped pipes, outer pipes optional', () => {
    expect(splitTableRow('| `a \\| b` | c |')).toEqual(['`a | b`', 'c']);
    expect(splitTableRow('a | b')).toEqual(['a', 'b']);
  });

  it('need a delimiter row with as many cells as the header; rows run to a blank line and are padded to the header', () => {
    const { tables } = scanBlocks(['Name | Kind', ':--- | ---:', 'x | y', '| only |', '', 'z | w']);
    expect(tables).toEqual([
      {
        kind: 'table',
        line: 1,
        endLine: 4,
        columns: ['Name', 'Kind'],
        rows: [
          { line: 3, cells: ['x', 'y'] },
          { line: 4, cells: ['only', ''] },
        ],
      },
    ]);
    expect(scanBlocks(['| a | b |', '| --- |', '| x | y |']).tables).toEqual([]);
  });

  it('a requirements table without outer pipes gives one requirement per row, on its own line', () => {
    const spec = parseSpec(
      md('# S', '', '## Requirements', '', 'ID | Requirement | Priority', '---|---|---', 'FR-1 | Export bookmarks as JSON | P1', 'FR-2 | Import a `tab \\| comma` file | P2'),
      's.md',
    );
    expect(spec.requirements.map((r) => [r.line, r.id, r.text, r.priority])).toEqual([
      [7, 'FR-1', 'FR-1: Export bookmarks as JSON', 'P1'],
      [8, 'FR-2', 'FR-2: Import a tab | comma file', 'P2'],
    ]);
  });
});
