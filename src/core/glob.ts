/**
 * Path globs for file reservations: does a path match a glob, and can two globs match the same path.
 *
 * Patterns are relative to the repository root, `/`-separated, and anchored at the root:
 *   `*` any run of characters within one path segment, `?` one such character, `[a-z]` / `[!a-z]` a class,
 *   `{a,b}` alternatives, `**` as a whole segment any number of directories (`src/**` everything under src,
 *   `**` + `/x.ts` x.ts at any depth), a trailing `/` everything under that directory, `\` escapes.
 * node's `path.matchesGlob` is experimental in Node 20 and cannot tell whether two globs overlap, hence this.
 * Pure.
 */

type Token =
  | { kind: 'char'; char: string }
  /** `?` */
  | { kind: 'one' }
  | { kind: 'class'; negated: boolean; ranges: Array<[string, string]> }
  /** `*`: any run without `/` */
  | { kind: 'star' }
  /** `**`: any run, `/` included */
  | { kind: 'any' };

/** More alternatives than this (from braces and `**` segments) is refused rather than expanded. */
const MAX_ALTERNATIVES = 256;

export class GlobError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`\`${pattern}\` is not a usable file pattern: ${reason}`);
    this.name = 'GlobError';
  }
}

/** `./src//a.ts` → `src/a.ts`; `src/api/` → `src/api/**`. Empty when nothing is left. */
export function normalizePattern(pattern: string): string {
  let p = normalizePath(pattern);
  if (p.endsWith('/')) p = `${p}**`;
  return p;
}

/** `./src//a.ts` → `src/a.ts`, `/a.ts` → `a.ts`. */
export function normalizePath(path: string): string {
  let p = path.trim().replace(/\/{2,}/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '');
  p = p.replace(/(^|\/)\.(?=\/|$)/g, '$1').replace(/\/{2,}/g, '/');
  return p === '.' ? '' : p;
}

/** True when the pattern has no wildcard: it names one file. */
export function isLiteralPattern(pattern: string): boolean {
  return facts(pattern).literal;
}

const known = new Map<string, { normalized: string; literal: boolean }>();

/** The normalized form of a pattern and whether it names one file, remembered: clash checks ask again and again. */
function facts(pattern: string): { normalized: string; literal: boolean } {
  let found = known.get(pattern);
  if (!found) {
    const normalized = normalizePattern(pattern);
    found = { normalized, literal: !/[*?[{\\]/.test(normalized) };
    if (known.size > 10_000) known.clear();
    known.set(pattern, found);
  }
  return found;
}

const compiled = new Map<string, Token[][]>();

/** The alternatives a pattern stands for, each as tokens. Throws GlobError for an unusable pattern. */
function compile(pattern: string): Token[][] {
  let tokens = compiled.get(pattern);
  if (!tokens) {
    tokens = compileUncached(pattern);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, tokens);
  }
  return tokens;
}

function compileUncached(pattern: string): Token[][] {
  const normalized = normalizePattern(pattern);
  if (normalized === '') throw new GlobError(pattern, 'it is empty');
  if (normalized.split('/').includes('..')) throw new GlobError(pattern, '`..` points outside the repository');
  return expandBraces(normalized, pattern).flatMap((alternative) => expandGlobstars(alternative, pattern));
}

function expandBraces(pattern: string, original: string): string[] {
  let results = [pattern];
  for (;;) {
    const next: string[] = [];
    let changed = false;
    for (const p of results) {
      const group = firstBraceGroup(p, original);
      if (!group) {
        next.push(p);
        continue;
      }
      changed = true;
      for (const option of group.options) next.push(p.slice(0, group.start) + option + p.slice(group.end + 1));
    }
    if (next.length > MAX_ALTERNATIVES) throw new GlobError(original, `it expands to more than ${MAX_ALTERNATIVES} alternatives`);
    results = next;
    if (!changed) return results;
  }
}

/** The outermost first `{…}` group with its top-level options; undefined when there is none. */
function firstBraceGroup(p: string, original: string): { start: number; end: number; options: string[] } | undefined {
  let start = -1;
  let depth = 0;
  let inClass = false;
  const commas: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const options: string[] = [];
        let from = start + 1;
        for (const comma of commas) {
          options.push(p.slice(from, comma));
          from = comma + 1;
        }
        options.push(p.slice(from, i));
        return { start, end: i, options };
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (depth > 0) throw new GlobError(original, 'a `{` is never closed');
  return undefined;
}

/** A `**` segment matches zero or more directories: `a/**` + `/b` is `a/b` or `a/<anything>/b`. */
function expandGlobstars(pattern: string, original: string): Token[][] {
  const segments = pattern.split('/');
  let alternatives: Token[][] = [[]];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    const separator: Token[] = last ? [] : [{ kind: 'char', char: '/' }];
    if (segment === '**') {
      // Trailing `**`: everything below. Elsewhere: nothing, or any directories.
      alternatives = last ? alternatives.map((a) => [...a, { kind: 'any' }]) : alternatives.flatMap((a) => [a, [...a, { kind: 'any' }, ...separator]]);
    } else {
      const tokens = [...tokenizeSegment(segment, original), ...separator];
      alternatives = alternatives.map((a) => [...a, ...tokens]);
    }
    if (alternatives.length > MAX_ALTERNATIVES) throw new GlobError(original, `it expands to more than ${MAX_ALTERNATIVES} alternatives`);
  });
  return alternatives;
}

function tokenizeSegment(segment: string, original: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\') {
      const next = segment[i + 1];
      if (next === undefined) throw new GlobError(original, 'it ends with a lone `\\`');
      tokens.push({ kind: 'char', char: next });
      i++;
    } else if (c === '*') {
      while (segment[i + 1] === '*') i++; // `a**b` inside a segment is a plain `*`
      tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '[') {
      const parsed = parseClass(segment, i, original);
      tokens.push(parsed.token);
      i = parsed.end;
    } else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

function parseClass(segment: string, open: number, original: string): { token: Token; end: number } {
  let i = open + 1;
  const negated = segment[i] === '!' || segment[i] === '^';
  if (negated) i++;
  const ranges: Array<[string, string]> = [];
  let first = true;
  for (; i < segment.length; i++) {
    let c = segment[i]!;
    if (c === ']' && !first) return { token: { kind: 'class', negated, ranges }, end: i };
    first = false;
    if (c === '\\' && i + 1 < segment.length) c = segment[++i]!;
    if (segment[i + 1] === '-' && i + 2 < segment.length && segment[i + 2] !== ']') {
      let hi = segment[i + 2]!;
      i += 2;
      if (hi === '\\' && i + 1 < segment.length) hi = segment[++i]!;
      if (hi < c) throw new GlobError(original, `the range \`${c}-${hi}\` is backwards`);
      ranges.push([c, hi]);
    } else ranges.push([c, c]);
  }
  throw new GlobError(original, 'a `[` is never closed');
}

function classHas(token: Extract<Token, { kind: 'class' }>, char: string): boolean {
  if (char === '/') return false;
  const inside = token.ranges.some(([lo, hi]) => char >= lo && char <= hi);
  return token.negated ? !inside : inside;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

function tokensToRegExpSource(tokens: Token[]): string {
  return tokens
    .map((t) => {
      switch (t.kind) {
        case 'char':
          return escapeRegExp(t.char);
        case 'one':
          return '[^/]';
        case 'star':
          return '[^/]*';
        case 'any':
          return '[\\s\\S]*';
        case 'class': {
          const body = t.ranges.map(([lo, hi]) => (lo === hi ? escapeRegExp(lo) : `${escapeRegExp(lo)}-${escapeRegExp(hi)}`)).join('');
          return t.negated ? `[^/${body}]` : `(?!/)[${body}]`;
        }
      }
    })
    .join('');
}

/** One anchored regular expression source for the pattern, for readers that cannot import this module (the hook). */
export function globToRegExpSource(pattern: string): string {
  return `^(?:${compile(pattern).map(tokensToRegExpSource).join('|')})$`;
}

const cache = new Map<string, RegExp>();

function regexFor(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(globToRegExpSource(pattern));
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** Does the repository-relative path match the pattern? */
export function matchesGlob(path: string, pattern: string): boolean {
  return regexFor(pattern).test(normalizePath(path));
}

/** Can some path match both patterns? Exact, not a guess: it searches for a path both accept. */
export function globsOverlap(a: string, b: string): boolean {
  const left0 = facts(a);
  const right0 = facts(b);
  if (left0.literal && right0.literal) return left0.normalized === right0.normalized;
  if (left0.literal) return regexFor(b).test(left0.normalized);
  if (right0.literal) return regexFor(a).test(right0.normalized);
  const left = compile(a);
  const right = compile(b);
  return left.some((x) => right.some((y) => literalEndsAgree(x, y) && tokensOverlap(x, y)));
}

/** Cheap refusal before the search: the fixed text before the first and after the last wildcard must agree. */
function literalEndsAgree(a: Token[], b: Token[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.kind !== 'char' || y.kind !== 'char') break;
    if (x.char !== y.char) return false;
  }
  for (let i = 1; i <= n; i++) {
    const x = a[a.length - i]!;
    const y = b[b.length - i]!;
    if (x.kind !== 'char' || y.kind !== 'char') break;
    if (x.char !== y.char) return false;
  }
  return true;
}

const isRun = (t: Token | undefined): t is Extract<Token, { kind: 'star' | 'any' }> => t?.kind === 'star' || t?.kind === 'any';

/** Can a run token (`*` or `**`) take this one-character token's character? */
function runTakes(run: Extract<Token, { kind: 'star' | 'any' }>, t: Token): boolean {
  if (run.kind === 'any') return true;
  return t.kind !== 'char' || t.char !== '/';
}

function singlesMeet(a: Token, b: Token): boolean {
  if (a.kind === 'char' && b.kind === 'char') return a.char === b.char;
  if (a.kind === 'char') return singleAccepts(b, a.char);
  if (b.kind === 'char') return singleAccepts(a, b.char);
  if (a.kind === 'one' || b.kind === 'one') return true; // a class always has a non-`/` member it accepts, or is empty
  const x = a as Extract<Token, { kind: 'class' }>;
  const y = b as Extract<Token, { kind: 'class' }>;
  if (x.negated && y.negated) return true;
  const [positive, other] = x.negated ? [y, x] : [x, y];
  for (const [lo, hi] of positive.ranges) {
    const from = lo.codePointAt(0)!;
    const to = Math.min(hi.codePointAt(0)!, from + 4096);
    for (let cp = from; cp <= to; cp++) if (classHas(other, String.fromCodePoint(cp))) return true;
  }
  return false;
}

function singleAccepts(t: Token, char: string): boolean {
  if (t.kind === 'one') return char !== '/';
  if (t.kind === 'class') return classHas(t, char);
  return false;
}

/**
 * Intersection of two token strings, as a search over (position in a, position in b). A run may end (skip it), or
 * take the other side's next single character; two singles advance together when they accept a common character.
 * Characters both runs would take at once can be left out of the witness path, so that move is never needed.
 */
function tokensOverlap(a: Token[], b: Token[]): boolean {
  const seen = new Set<number>();
  const width = b.length + 1;
  const stack: Array<[number, number]> = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    const key = i * width + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    if (isRun(ta)) {
      stack.push([i + 1, j]);
      if (tb && !isRun(tb) && runTakes(ta, tb)) stack.push([i, j + 1]);
    }
    if (isRun(tb)) {
      stack.push([i, j + 1]);
      if (ta && !isRun(ta) && runTakes(tb, ta)) stack.push([i + 1, j]);
    }
    if (ta && tb && !isRun(ta) && !isRun(tb) && singlesMeet(ta, tb)) stack.push([i + 1, j + 1]);
  }
  return false;
}

/** Checks a pattern, returning the reason it is unusable, or undefined when it is fine. */
export function patternProblem(pattern: string): string | undefined {
  try {
    compile(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof GlobError) return error.message;
    throw error;
  }
}
