/**
 * Finds credentials in text: cloud keys, service tokens, JWTs, private key blocks, passwords in assignments and
 * URLs, and high-entropy values assigned to secret-looking names. A finding names its kind and line, never its
 * value. `redactSecrets` replaces each value with `<REDACTED:kind>`. Pure and linear: one pass per pattern.
 */

export interface SecretFinding {
  kind: string;
  /** 1-based line of the value. */
  line: number;
  /** Offsets of the value in the text: what redaction replaces. */
  start: number;
  end: number;
}

interface Pattern {
  kind: string;
  regex: RegExp;
  /** The capture group holding the value; 0 for the whole match. The value ends the match: what must follow it is a lookahead. */
  group?: number;
  /** Extra check on the value, for patterns that look like ordinary text. */
  accept?: (value: string) => boolean;
}

// Every repetition is bounded: an unbounded one over a megabyte-long line exhausts the regex engine's stack.
const PATTERNS: Pattern[] = [
  { kind: 'private-key', regex: /-----BEGIN (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,16384}?-----END (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----/gi },
  { kind: 'aws-access-key', regex: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g, accept: notExample },
  { kind: 'aws-secret-key', regex: /aws_?secret_?(?:access_?)?key["']?\s{0,16}[:=]\s{0,16}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi, group: 1, accept: notExample },
  { kind: 'google-api-key', regex: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  // Prefixes in any case: `GHP_…` pasted in capitals is still a token.
  { kind: 'github-token', regex: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/gi },
  { kind: 'gitlab-token', regex: /\bglpat-[A-Za-z0-9_-]{20,255}(?![A-Za-z0-9_-])/g },
  { kind: 'slack-token', regex: /\b(?:xox[abposr]-[A-Za-z0-9-]{10,255}|xapp-\d-[A-Za-z0-9-]{10,255})(?![A-Za-z0-9-])/gi },
  { kind: 'slack-webhook', regex: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]{1,64}\/B[A-Za-z0-9]{1,64}\/[A-Za-z0-9]{1,64}/gi },
  { kind: 'stripe-key', regex: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,255}\b/g, accept: hasDigitAndLetter },
  { kind: 'anthropic-key', regex: /\bsk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]{20,255}(?![A-Za-z0-9_-])/g },
  { kind: 'openai-key', regex: /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,255}|[A-Za-z0-9]{32,255})(?![A-Za-z0-9_-])/g, accept: hasDigitAndLetter },
  { kind: 'npm-token', regex: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'jwt', regex: /\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}/g },
  // scheme://user:password@host: the password only. It may hold `@`: the last one before the host ends it.
  { kind: 'url-password', regex: /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:@/'"\\]{1,256}:([^\s/'"\\]{1,256})(?=@[^\s@/'"\\])/gi, group: 1, accept: notPlaceholder },
  // HTTP auth schemes are case-insensitive (RFC 9110).
  { kind: 'bearer-token', regex: /\bBearer\s{1,16}([A-Za-z0-9._~+/-]{20,4096}={0,2})/gi, group: 1, accept: (v) => entropy(v) >= 3.5 },
  { kind: 'basic-auth', regex: /\bBasic\s{1,16}([A-Za-z0-9+/]{12,512}={0,2})(?![A-Za-z0-9+/=])/gi, group: 1, accept: isBasicCredentials },
  // name = value, name: value, "name": "value"
  {
    kind: 'password',
    regex: /\b[A-Za-z0-9_-]{0,64}(?:passw[o0]rd|passwd|pwd|passphrase)\b["']?\s{0,16}[:=]\s{0,16}["']?([^\s"',;`)\\]{6,256})/gi,
    group: 1,
    accept: notPlaceholder,
  },
  // In prose: "the admin password is Hunter2-xyz.", "the password for the staging database was …".
  {
    kind: 'password',
    regex:
      /\b(?:passw[o0]rd|passwd|passphrase|passcode)(?:\s{1,16}(?:for|of|to)\s{1,16}(?:the\s{1,16})?[\w.@-]{1,64}(?:\s{1,16}[\w.@-]{1,64})?)?\s{1,16}(?:is|was|will\s{1,16}be)(?:\s{0,16}[:=])?\s{0,16}["'`]?([^\s"'`]{5,128}?)(?=["'`]|[\s,;)]|[.!?](?:\s|$)|$)/gi,
    group: 1,
    accept: (v) => notPlaceholder(v) && looksLikePassword(v),
  },
  {
    kind: 'secret-assignment',
    regex:
      /\b[A-Za-z0-9_-]{0,64}(?:secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?key|credentials?)\b["']?\s{0,16}[:=]\s{0,16}["']?([A-Za-z0-9+/=_.~-]{16,4096})/gi,
    group: 1,
    // A hex digest is a secret when the name says so (`AUTH_TOKEN=9f8e…`); a UUID is an identifier.
    accept: (v) => notPlaceholder(v) && notExample(v) && !isUuid(v) && entropy(v) >= 3.5 && hasDigitAndLetter(v),
  },
];

export function scanSecrets(text: string): SecretFinding[] {
  // Sorted by offset and disjoint; a value already found by a more specific (earlier) pattern is not reported twice.
  let found: SecretFinding[] = [];
  for (const pattern of PATTERNS) {
    const added: SecretFinding[] = [];
    let next = 0; // the first finding that does not end before this match: matches come in order of offset
    pattern.regex.lastIndex = 0;
    for (let m = pattern.regex.exec(text); m; m = pattern.regex.exec(text)) {
      const value = m[pattern.group ?? 0];
      if (value === undefined || (pattern.accept && !pattern.accept(value))) continue;
      // The value ends the match (see Pattern.group): cheaper than the regex `d` flag's offsets.
      const end = m.index + m[0].length;
      const start = end - value.length;
      while (next < found.length && found[next]!.end <= start) next++;
      if (next < found.length && found[next]!.start < end) continue;
      added.push({ kind: pattern.kind, line: 0, start, end });
    }
    if (added.length > 0) found = mergeByOffset(found, added);
  }
  let line = 1;
  let offset = 0;
  for (const finding of found) {
    for (; offset < finding.start; offset++) if (text.charCodeAt(offset) === 10) line++;
    finding.line = line;
  }
  return found;
}

function mergeByOffset(a: SecretFinding[], b: SecretFinding[]): SecretFinding[] {
  const out: SecretFinding[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i]!.start < b[j]!.start) ? a[i++]! : b[j++]!);
  return out;
}

/**
 * The text with every secret value replaced by `<REDACTED:kind>`. With `keepLines`, a value that spans lines (a
 * private key block) leaves its line breaks behind, so every other line keeps its number.
 */
export function redactSecrets(text: string, options: { keepLines?: boolean } = {}): string {
  if (!mayHoldSecret(text)) return text;
  const findings = scanSecrets(text);
  if (findings.length === 0) return text;
  let out = '';
  let at = 0;
  for (const f of findings) {
    const breaks = options.keepLines ? '\n'.repeat(countLineBreaks(text, f.start, f.end)) : '';
    out += `${text.slice(at, f.start)}<REDACTED:${f.kind}>${breaks}`;
    at = f.end;
  }
  return out + text.slice(at);
}

function countLineBreaks(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', start); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A JSON value with every string in it redacted: the structure, and so the JSON, stays intact. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item);
    return out as T;
  }
  return value;
}

/** A line of JSON (a transcript event) redacted inside its strings; other text redacted as text. */
export function redactJsonLine(line: string): string {
  if (!mayHoldSecret(line)) return line;
  try {
    return JSON.stringify(redactDeep(JSON.parse(line)));
  } catch {
    return redactSecrets(line);
  }
}

/** Findings as people read them: `line 12: github-token`, never the value. */
export function describeFindings(findings: SecretFinding[], file?: string): string[] {
  return findings.map((f) => `${file ? `${file}:` : 'line '}${f.line}: ${f.kind}`);
}

/** A cheap first look, so lines without anything key-like skip the full scan. */
function mayHoldSecret(text: string): boolean {
  return /[:=]|-----BEGIN|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|glpat-|xox|sk[-_]|rk_|npm_|eyJ|Bearer|Basic|hooks\.slack|pass(?:w[o0]rd|wd|phrase|code)/i.test(text);
}

function notExample(value: string): boolean {
  return !/EXAMPLE/i.test(value);
}

const PLACEHOLDER =
  /^(?:\$\{?[A-Za-z_]|<[^>]*>?|\{\{|%[A-Za-z_(]|\*{3,}|x{3,}|\.{3}|your[-_]|my[-_]?(?:password|secret|token)|example|changeme$|placeholder|redacted|dummy|fake|test[-_]?(?:password|secret|token)|null$|none$|undefined$|true$|false$|process\.env|os\.environ|env\.|getenv|secrets\.|config\.|settings\.|REDACTED)/i;

function notPlaceholder(value: string): boolean {
  return !PLACEHOLDER.test(value) && !/^(?:password|secret|token|pass|pwd)$/i.test(value);
}

/**
 * A word after "password is" is a password when it does not read like a word: it has a digit, a symbol other than
 * a hyphen, or capitals after its first letter ("required", "re-entered" and "hashed" are not passwords).
 */
function looksLikePassword(value: string): boolean {
  return /\d/.test(value) || /[^A-Za-z0-9-]/.test(value) || /.[A-Z]/.test(value);
}

/** `Basic <base64>` holds credentials when it decodes to printable `user:password`. */
function isBasicCredentials(value: string): boolean {
  let decoded: string;
  try {
    decoded = atob(value);
  } catch {
    return false;
  }
  return /^[\x20-\x7e]+:[\x20-\x7e]+$/.test(decoded);
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

function hasDigitAndLetter(value: string): boolean {
  return /\d/.test(value) && /[A-Za-z]/.test(value);
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Where a spec holds secrets, by kind and line (never the value), for a warning on assess and plan. */
export function secretsInSpecs(specs: ReadonlyArray<{ path: string; text: string }>): Array<{ file: string; line: number; kind: string }> {
  return specs.flatMap((spec) => scanSecrets(spec.text).map((f) => ({ file: spec.path, line: f.line, kind: f.kind })));
}

export function secretsWarning(found: ReadonlyArray<{ file: string; line: number; kind: string }>): string {
  const listed = found
    .slice(0, 5)
    .map((f) => `${f.file}:${f.line} (${f.kind})`)
    .join(', ');
  return `The spec holds ${found.length} secret${found.length === 1 ? '' : 's'}: ${listed}${found.length > 5 ? ', …' : ''}. Remove ${found.length === 1 ? 'it' : 'them'}; \`secrets:\` in .xplan/config.yaml decides what agents and the planning engine get`;
}
