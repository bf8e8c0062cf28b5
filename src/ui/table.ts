/**
 * Plain-text tables that fit the terminal. Widths are display widths (colour codes take no room, CJK and emoji two
 * columns). When the natural table is wider than `width`, columns give way in the order they say: shortened ones
 * (a branch, then the title) are cut down to their minimum, then optional ones are left out, until it fits.
 */
import { displayWidth, sliceToWidth, stripColour, truncateEnd, truncateMiddle, wrapToWidth } from './text-width.js';

export interface Column {
  header: string;
  /**
   * How a cell gives way when the column must narrow: cut at its end (a title) or in its middle (a branch, a path),
   * or, for the last column, wrapped onto more lines so nothing is lost (a reason, an error).
   */
  cut?: 'end' | 'middle' | 'wrap';
  /** The narrowest the column gets before other columns are left out. */
  min?: number;
  /** Among the columns that can be cut, the lower is cut first: a branch before the title. */
  cutOrder?: number;
  /** A column that may be left out on a narrow terminal; the lower is left out first. */
  optional?: number;
}

export interface TableOptions {
  indent?: string;
  styleHeader?: (s: string) => string;
  /** The columns the whole table, indent included, may take; unlimited when absent. */
  width?: number;
}

const GAP = 2;

export function renderTable(columns: Array<string | Column>, rows: string[][], options: TableOptions = {}): string {
  const cols: Column[] = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const indent = options.indent ?? '';
  const limit = (options.width ?? Infinity) - displayWidth(indent);
  const natural = cols.map((c, i) => Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const shown = cols.map((_, i) => i);
  let widths = fit(cols, natural, shown, limit);
  // Optional columns go, the lowest first, until the cut columns fit at their minimum.
  const optional = shown.filter((i) => cols[i]!.optional !== undefined).sort((a, b) => cols[a]!.optional! - cols[b]!.optional!);
  while (widths === null && optional.length > 0) {
    shown.splice(shown.indexOf(optional.shift()!), 1);
    widths = fit(cols, natural, shown, limit);
  }
  // Nothing left to leave out: the cut columns go below their minimum, and any line still too long is clipped.
  widths ??=
    fit(
      cols.map((c) => (c.cut ? { ...c, min: 1 } : c)),
      natural,
      shown,
      limit,
    ) ?? shown.map((i) => natural[i]!);

  const cell = (text: string, k: number) => {
    const col = cols[shown[k]!]!;
    const w = widths[k]!;
    if (displayWidth(text) <= w) return text;
    return col.cut === 'middle' ? truncateMiddle(text, w) : truncateEnd(text, w);
  };
  const join = (picked: string[]) => {
    const text = picked
      .map((c, k) => (k === picked.length - 1 ? c : c + ' '.repeat(Math.max(0, widths[k]! - displayWidth(c)))))
      .join(' '.repeat(GAP))
      .trimEnd();
    return Number.isFinite(limit) && displayWidth(text) > limit ? sliceToWidth(text, Math.max(0, limit)) : text;
  };
  const lines = (cells: string[]): string[] => {
    const last = shown.length - 1;
    const tail = cells[shown[last]!] ?? '';
    if (cols[shown[last]!]!.cut === 'wrap' && displayWidth(tail) > widths[last]!) {
      // The last cell goes on below, under its own column; a colour it had is dropped rather than left open.
      const [first, ...more] = wrapToWidth(stripColour(tail), widths[last]!);
      const lead = shown.slice(0, last).map((i, k) => cell(cells[i] ?? '', k));
      return [join([...lead, first!]), ...more.map((rest) => join([...lead.map(() => ''), rest]))];
    }
    return [join(shown.map((i, k) => cell(cells[i] ?? '', k)))];
  };
  const style = options.styleHeader ?? ((s: string) => s);
  return [style(join(shown.map((i, k) => cell(cols[i]!.header, k)))), ...rows.flatMap(lines)].map((l) => indent + l).join('\n');
}

/** Widths of the shown columns within `limit`, cutting the cut columns in their order; null if they cannot fit. */
function fit(cols: Column[], natural: number[], shown: number[], limit: number): number[] | null {
  const widths = shown.map((i) => natural[i]!);
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, widths.length - 1);
  let over = total() - limit;
  if (over <= 0) return widths;
  const cuttable = shown
    .map((i, k) => ({ col: cols[i]!, k }))
    .filter(({ col }) => col.cut)
    .sort((a, b) => (a.col.cutOrder ?? 0) - (b.col.cutOrder ?? 0));
  for (const { col, k } of cuttable) {
    const floor = Math.min(widths[k]!, col.min ?? Math.max(displayWidth(col.header), 8));
    const give = Math.min(over, widths[k]! - floor);
    widths[k]! -= give;
    over -= give;
    if (over <= 0) return widths;
  }
  return null;
}
