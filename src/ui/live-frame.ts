/**
 * A frame redrawn in place on a terminal, the way log-update does it: the cursor goes up over the previous frame,
 * which is erased and written again. Nothing clears the screen or the scrollback, so what was printed before stays,
 * and lines printed above the frame scroll up as usual. The frame is cut to the terminal's height ("… N more"), since
 * the cursor cannot go up past the top of the screen.
 */

/** The part of a terminal stream a frame needs. */
export interface FrameTerminal {
  write(text: string): unknown;
  columns?: number;
  rows?: number;
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** How many terminal rows a line takes, with the terminal's wrapping. */
function rowsOf(line: string, columns: number): number {
  const width = [...line.replace(ANSI, '')].length;
  return Math.max(1, Math.ceil(width / columns));
}

/** The frame's lines that fit in `rows` terminal rows, the last one saying how many were left out. */
export function fitFrame(lines: readonly string[], columns: number, rows: number): string[] {
  const budget = Math.max(1, rows - 1); // the row under the frame holds the cursor
  if (lines.reduce((sum, line) => sum + rowsOf(line, columns), 0) <= budget) return [...lines];
  const kept: string[] = [];
  let used = 1; // the "… N more" line
  for (const line of lines) {
    if (used + rowsOf(line, columns) > budget) break;
    kept.push(line);
    used += rowsOf(line, columns);
  }
  return [...kept, `… ${lines.length - kept.length} more`];
}

export class LiveFrame {
  /** Terminal rows the frame on screen takes. */
  private shown = 0;
  private text = '';

  constructor(private readonly terminal: FrameTerminal) {}

  /** Replaces the frame on screen with this one. */
  draw(text: string): void {
    this.text = text;
    const columns = this.terminal.columns || 80;
    const lines = fitFrame(text === '' ? [] : text.split('\n'), columns, this.terminal.rows || 24);
    this.terminal.write(`${this.erasure()}${lines.map((l) => `${l}\n`).join('')}`);
    this.shown = lines.reduce((sum, line) => sum + rowsOf(line, columns), 0);
  }

  /** Prints a line for good, above the frame, which is drawn again under it. */
  line(text: string): void {
    this.terminal.write(`${this.erasure()}${text}\n`);
    this.shown = 0;
    if (this.text !== '') this.draw(this.text);
  }

  /** Takes the frame off the screen. */
  clear(): void {
    if (this.shown > 0) this.terminal.write(this.erasure());
    this.shown = 0;
    this.text = '';
  }

  private erasure(): string {
    // Up to the frame's first row, then erase from there to the end of the screen. With no frame shown, the row of
    // the cursor is erased all the same: what the terminal echoed there (the ^C of a Ctrl-C) does not start the line.
    return this.shown > 0 ? `\x1b[${this.shown}A\r\x1b[0J` : '\r\x1b[0J';
  }
}
