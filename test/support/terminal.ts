/**
 * A small terminal: it applies what a program wrote (text, newlines, cursor up, erase down, colours) to a screen of
 * `rows` × `columns` with the scrollback above it, as a real terminal does, so a test can read what stays. The cursor
 * cannot go above the top of the screen. Sequences it does not know are recorded.
 */
export class Terminal {
  readonly lines: string[] = [''];
  readonly unknown: string[] = [];
  private row = 0;
  private col = 0;

  constructor(
    readonly rows: number,
    readonly columns: number,
  ) {}

  write(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\u001b') {
        const csi = /^\u001b\[([0-9;?]*)([A-Za-z])/.exec(text.slice(i));
        if (!csi) {
          this.unknown.push(text.slice(i, i + 2));
          i += 1;
          continue;
        }
        i += csi[0].length - 1;
        this.control(csi[1]!, csi[2]!, csi[0]);
      } else if (ch === '\n') {
        this.row++;
        this.col = 0;
        if (this.lines.length <= this.row) this.lines.push('');
      } else if (ch === '\r') this.col = 0;
      else {
        if (this.col >= this.columns) {
          this.row++;
          this.col = 0;
          if (this.lines.length <= this.row) this.lines.push('');
        }
        const line = this.lines[this.row]!.padEnd(this.col);
        this.lines[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
        this.col++;
      }
    }
  }

  /** What the scrollback and the screen hold, without the empty line the cursor sits on. */
  text(): string {
    return this.lines.join('\n').replace(/\n$/, '');
  }

  private control(params: string, final: string, sequence: string): void {
    const n = Number(params || '1');
    if (final === 'm') return; // colours
    if (final === 'A') {
      const screenTop = Math.max(0, this.lines.length - this.rows);
      this.row = Math.max(screenTop, this.row - n);
    } else if (final === 'J' && (params === '' || params === '0')) {
      this.lines.length = this.row + 1;
      this.lines[this.row] = this.lines[this.row]!.slice(0, this.col);
    } else this.unknown.push(sequence);
  }
}
