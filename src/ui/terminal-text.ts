/**
 * Text from outside xplan (specs, plans, file names, agent transcripts, command output) as a terminal may show it.
 * A control character in it could start an escape sequence the terminal acts on: OSC (window title, hyperlinks,
 * clipboard writes), CSI (clear the screen, move the cursor, recolour), a C1 control, or a bidi override that
 * reorders what is shown. Each one is printed as a visible escape instead (`\x1b`, `\u202e`); newlines and tabs stay.
 * Every renderer passes the data it prints through here, and colours are added afterwards by the theme.
 */

// C0 controls but tab and newline, DEL, C1 controls, and the bidi marks, embeddings, overrides and isolates.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control character but newline and tab shown as an escape; `\r\n` line ends become `\n`. */
export function escapeControl(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text.replace(/\r\n/g, '\n').replace(CONTROL_ALL, visible);
}

/**
 * A copy of a result with every string in it escaped, for a renderer to print from. Arrays and plain objects are
 * walked; anything else (numbers, dates, iterators) is kept as it is.
 */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map((item) => terminalSafe(item)) as T;
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    // defineProperty: a key such as `__proto__` (a task id from a hand-edited file) stays an ordinary key.
    for (const [key, item] of Object.entries(value)) Object.defineProperty(out, key, { value: terminalSafe(item), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
