/**
 * The Markdown blocks the intake must not read line by line: fenced code blocks and GFM tables. One pass over the
 * lines, linear in their number; every block keeps its 1-based lines, so what is read from it stays traceable.
 *
 * Fences follow CommonMark: a fence opens with three or more backticks or tildes, and only a fence of the same
 * character, at least as long and with nothing after it, closes it (a ```` fence can show ``` inside); an unclosed
 * fence runs to the end. Tables follow GFM: a header row, then a delimiter row (`| --- | :-: |`) with as many cells;
 * the rows run to the first blank line or line without a pipe, outer pipes optional, `\|` an escaped pipe. Indented
 * code blocks are not recognised: specs indent nested list items, not code.
 * Pure.
 */

export interface CodeBlock {
  kind: 'code';
  /** The line of the opening fence, and of the closing one (the last line when unclosed). */
  line: number;
  endLine: number;
  /** The info string's first word, lower case (`json`, `sql`, `yaml`), or ''. */
  lang: string;
  /** The lines between the fences, as written. */
  body: string[];
}

export interface TableRowCells {
  line: number;
  cells: string[];
}

export interface TableBlock {
  kind: 'table';
  /** The header row's line, and the last row's. */
  line: number;
  endLine: number;
  /** Header cells, as written (trimmed). */
  columns: string[];
  rows: TableRowCells[];
}

/** What one line is to the block it belongs to; lines outside code blocks and tables have no role. */
export type BlockRole = { block: CodeBlock; part: 'open' | 'body' | 'close' } | { block: TableBlock; part: 'header' | 'delimiter' } | { block: TableBlock; part: 'row'; cells: string[] };

export interface MarkdownBlocks {
  /** Indexed by 0-based line number. */
  roles: Array<BlockRole | undefined>;
  codeBlocks: CodeBlock[];
  tables: TableBlock[];
}

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})(.*)$/;
const DELIMITER_CELL = /^\s*:?-+:?\s*$/;

/** The cells of a table row: outer pipes dropped, split at unescaped pipes, `\|` read as `|`, trimmed. */
export function splitTableRow(line: string): string[] {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

function hasUnescapedPipe(line: string): boolean {
  for (let i = line.indexOf('|'); i >= 0; i = line.indexOf('|', i + 1)) if (i === 0 || line[i - 1] !== '\\') return true;
  return false;
}

function isDelimiterRow(line: string, columns: number): boolean {
  if (!line.includes('-') || !/^[\s|:-]+$/.test(line)) return false;
  const cells = splitTableRow(line);
  return cells.length === columns && cells.every((c) => DELIMITER_CELL.test(c));
}

export function scanBlocks(lines: string[]): MarkdownBlocks {
  const roles: Array<BlockRole | undefined> = new Array(lines.length);
  const codeBlocks: CodeBlock[] = [];
  const tables: TableBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const fence = FENCE_OPEN.exec(raw);
    // A backtick fence's info string has no backtick (``` `x` ``` is code in a paragraph).
    if (fence && !(fence[2]![0] === '`' && fence[3]!.includes('`'))) {
      const marker = fence[2]!;
      const block: CodeBlock = { kind: 'code', line: i + 1, endLine: lines.length, lang: (fence[3]!.trim().split(/\s+/)[0] ?? '').toLowerCase().replace(/^\{|\}$/g, ''), body: [] };
      codeBlocks.push(block);
      roles[i] = { block, part: 'open' };
      const closing = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
      let j = i + 1;
      for (; j < lines.length; j++) {
        if (closing.test(lines[j]!)) {
          roles[j] = { block, part: 'close' };
          block.endLine = j + 1;
          break;
        }
        roles[j] = { block, part: 'body' };
        block.body.push(lines[j]!);
      }
      i = j;
      continue;
    }
    const next = lines[i + 1];
    if (next === undefined || !hasUnescapedPipe(raw)) continue;
    const columns = splitTableRow(raw);
    if (!isDelimiterRow(next, columns.length)) continue;
    const table: TableBlock = { kind: 'table', line: i + 1, endLine: i + 2, columns, rows: [] };
    tables.push(table);
    roles[i] = { block: table, part: 'header' };
    roles[i + 1] = { block: table, part: 'delimiter' };
    let j = i + 2;
    for (; j < lines.length; j++) {
      const row = lines[j]!;
      if (row.trim() === '' || !hasUnescapedPipe(row) || FENCE_OPEN.test(row) || /^\s{0,3}#{1,6}\s/.test(row)) break;
      // GFM: a row has as many cells as the header, the missing ones empty and the extra ones dropped.
      const cells = splitTableRow(row).slice(0, columns.length);
      while (cells.length < columns.length) cells.push('');
      table.rows.push({ line: j + 1, cells });
      table.endLine = j + 1;
      roles[j] = { block: table, part: 'row', cells };
    }
    i = j - 1;
  }
  return { roles, codeBlocks, tables };
}
