/** Plain-text tables whose column widths ignore ANSI colour codes. */
const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

export function renderTable(header: string[], rows: string[][], options: { indent?: string; styleHeader?: (s: string) => string } = {}): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const pad = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  const indent = options.indent ?? '';
  const style = options.styleHeader ?? ((s: string) => s);
  return [style(pad(header)), ...rows.map(pad)].map((line) => indent + line).join('\n');
}
