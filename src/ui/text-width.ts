/**
 * Text measured as a terminal draws it: a CJK character or an emoji takes two columns, a combining mark none, and
 * colour codes take no room at all. Cutting keeps whole characters (grapheme clusters) and colour codes intact.
 */
import stringWidth from 'string-width';

const ANSI = /\u001b\[[0-9;]*m/g;
const ANSI_AT_START = /^\u001b\[[0-9;]*m/;
const RESET = '\u001b[0m';
const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * A symbol that is an emoji only when asked for (✔ ✖ ⚠ without U+FE0F): terminals draw it in one column, where
 * string-width counts two.
 */
const TEXT_STYLE_SYMBOL = /^(?:(?!\p{Emoji_Presentation})\p{Extended_Pictographic})$/u;

function graphemeWidth(grapheme: string): number {
  return TEXT_STYLE_SYMBOL.test(grapheme) ? 1 : stringWidth(grapheme);
}

/** Columns the text takes in a terminal, colour codes ignored. */
export function displayWidth(text: string): number {
  const plain = stripColour(text);
  // Plain ASCII, the usual case, needs no segmenting.
  if (/^[\x20-\x7e]*$/.test(plain)) return plain.length;
  let width = 0;
  for (const { segment } of graphemes.segment(plain)) width += graphemeWidth(segment);
  return width;
}

export function stripColour(text: string): string {
  return text.replace(ANSI, '');
}

/** The longest start of the text that fits in `max` columns; colour codes are kept, and closed if the cut is inside one. */
export function sliceToWidth(text: string, max: number): string {
  let out = '';
  let used = 0;
  let coloured = false;
  let rest = text;
  while (rest.length > 0) {
    const code = ANSI_AT_START.exec(rest);
    if (code) {
      out += code[0];
      coloured = true;
      rest = rest.slice(code[0].length);
      continue;
    }
    const next = rest.search(ANSI);
    const plain = next === -1 ? rest : rest.slice(0, next);
    for (const { segment } of graphemes.segment(plain)) {
      const w = graphemeWidth(segment);
      if (used + w > max) return coloured ? out + RESET : out;
      out += segment;
      used += w;
    }
    rest = next === -1 ? '' : rest.slice(next);
  }
  return out;
}

/** The text cut to `max` columns with `…` at the end when it does not fit, at a word when one ends near the cut. */
export function truncateEnd(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  if (max <= 0) return '';
  const cut = sliceToWidth(text, max - 1);
  // At a word boundary when one is close to the end, so no word is left half-shown.
  const plain = stripColour(cut);
  const space = plain.lastIndexOf(' ');
  const atWord = space > 0 && displayWidth(plain.slice(0, space)) >= (max - 1) * 0.6 && plain.length === cut.length ? cut.slice(0, space) : cut;
  return `${atWord.replace(/[\s,;:.\-–—]+$/, '')}${ELLIPSIS}`;
}

/**
 * The text cut to `max` columns by taking out its middle, where a branch name or a path says least:
 * `xplan/…/agent-2-login`. Colour is dropped from a cut cell.
 */
export function truncateMiddle(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  if (max <= 1) return max === 1 ? ELLIPSIS : '';
  const chars = [...graphemes.segment(stripColour(text))].map((s) => s.segment);
  const tailRoom = Math.floor((max - 1) / 2);
  let tail = '';
  let tailWidth = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = graphemeWidth(chars[i]!);
    if (tailWidth + w > tailRoom) break;
    tail = chars[i]! + tail;
    tailWidth += w;
  }
  return `${sliceToWidth(chars.join(''), max - 1 - tailWidth)}${ELLIPSIS}${tail}`;
}

/**
 * The text in lines of at most `max` columns, broken between words; a word longer than a line is broken inside.
 * Whitespace runs become one space; nothing is left out.
 */
export function wrapToWidth(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  const push = () => {
    if (line !== '') lines.push(line);
    line = '';
  };
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (word === '') continue;
    const joined = line === '' ? word : `${line} ${word}`;
    if (displayWidth(joined) <= max) {
      line = joined;
      continue;
    }
    push();
    let rest = word;
    while (displayWidth(rest) > max) {
      const head = sliceToWidth(rest, max) || [...graphemes.segment(rest)][0]!.segment;
      lines.push(head);
      rest = rest.slice(head.length);
    }
    line = rest;
  }
  push();
  return lines.length > 0 ? lines : [''];
}
