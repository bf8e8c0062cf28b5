import { describe, expect, it } from 'vitest';
import { slugify } from '../../src/core/branch-names.js';
import { describeFindings, redactSecrets, scanSecrets } from '../../src/core/secrets.js';
import { parseSpec } from '../../src/core/intake/spec.js';
import { LOOK_ALIKES, SECRETS } from '../fixtures/secrets/corpus.js';

describe('secret scanner on the labelled corpus', () => {
  it('finds at least 95 % of the secrets and flags at most 5 % of the look-alikes', () => {
    const missed = SECRETS.filter((s) => !scanSecrets(s.text).some((f) => f.kind === s.kind));
    const flagged = LOOK_ALIKES.filter((s) => scanSecrets(s.text).length > 0);
    const detection = (SECRETS.length - missed.length) / SECRETS.length;
    const falsePositives = flagged.length / LOOK_ALIKES.length;
    console.log(
      `secret scanner: detection ${(detection * 100).toFixed(1)} % (${SECRETS.length - missed.length}/${SECRETS.length}), ` +
        `false positives ${(falsePositives * 100).toFixed(1)} % (${flagged.length}/${LOOK_ALIKES.length})` +
        `${missed.length ? `\n  missed: ${missed.map((m) => `${m.kind}: ${m.text.slice(0, 50)}`).join('\n  missed: ')}` : ''}` +
        `${
          flagged.length
            ? `\n  flagged: ${flagged
                .map(
                  (f) =>
                    `${scanSecrets(f.text)
                      .map((x) => x.kind)
                      .join(',')}: ${f.text.slice(0, 60)}`,
                )
                .join('\n  flagged: ')}`
            : ''
        }`,
    );
    expect(SECRETS.length).toBeGreaterThanOrEqual(60);
    expect(LOOK_ALIKES.length).toBeGreaterThanOrEqual(60);
    expect(detection).toBeGreaterThanOrEqual(0.95);
    expect(falsePositives).toBeLessThanOrEqual(0.05);
  });

  it('redaction leaves no secret value behind, and keeps the rest of the line', () => {
    for (const secret of SECRETS) {
      const redacted = redactSecrets(secret.text);
      expect(redacted, secret.text).toContain('<REDACTED:');
      for (const f of scanSecrets(secret.text)) expect(redacted).not.toContain(secret.text.slice(f.start, f.end));
    }
    expect(redactSecrets('DATABASE_URL=postgres://app:Tr0ub4dor-3x@db:5432/app')).toBe('DATABASE_URL=postgres://app:<REDACTED:url-password>@db:5432/app');
    expect(redactSecrets('nothing to see here')).toBe('nothing to see here');
  });

  it('names kind and line, never the value', () => {
    const text = 'intro\nGITHUB_TOKEN=ghp_4fJk9Lm2Nq8Rs6Tv1Wx3Yz5Ab7Cd9Ef0Gh2Ij\n\npassword: Correct-Horse-Battery-9\n';
    expect(describeFindings(scanSecrets(text), 'spec.md')).toEqual(['spec.md:2: github-token', 'spec.md:4: password']);
  });

  it('redacts inside JSON lines without breaking them', () => {
    const line = JSON.stringify({
      type: 'user',
      message: { content: [{ type: 'tool_result', content: 'token ghp_4fJk9Lm2Nq8Rs6Tv1Wx3Yz5Ab7Cd9Ef0Gh2Ij\n-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----' }] },
    });
    const redacted = redactSecrets(line);
    expect(() => JSON.parse(redacted)).not.toThrow();
    expect(redacted).toContain('<REDACTED:github-token>');
    expect(redacted).toContain('<REDACTED:private-key>');
  });
});

describe('secrets the scanner catches whole', () => {
  it('a URL password holding @ is redacted up to the host, and a prose password up to the sentence end', () => {
    expect(redactSecrets('DATABASE_URL=postgres://app:p@ssw0rd-9x@db.internal:5432/app')).toBe('DATABASE_URL=postgres://app:<REDACTED:url-password>@db.internal:5432/app');
    expect(redactSecrets('The admin password is Hunter2-xyz for now.')).toBe('The admin password is <REDACTED:password> for now.');
    expect(redactSecrets('Password is `Tr0ub4dor&3`.')).toBe('Password is `<REDACTED:password>`.');
  });

  it('keepLines keeps the line count, so spec lines stay where they were', () => {
    const text = 'before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1x2y3z4\n-----END RSA PRIVATE KEY-----\nafter ghp_4fJk9Lm2Nq8Rs6Tv1Wx3Yz5Ab7Cd9Ef0Gh2Ij';
    const redacted = redactSecrets(text, { keepLines: true });
    expect(redacted.split('\n')).toHaveLength(text.split('\n').length);
    expect(redacted.split('\n')[4]).toBe('after <REDACTED:github-token>');
  });
});

describe('nothing derived from a spec holds its secrets', () => {
  const TOKEN = 'ghp_4fJk9Lm2Nq8Rs6Tv1Wx3Yz5Ab7Cd9Ef0Gh2Ij';

  it('a branch slug of a title with a token holds no part of it', () => {
    const slug = slugify(`Publish ${TOKEN} to the registry`);
    expect(slug).not.toContain(TOKEN.toLowerCase().slice(4, 12));
    expect(slug).toBe('publish-redacted-github-token-to-the');
  });

  it('parsed items and the title carry the redacted text, on their own lines', () => {
    const spec = `# Release ${TOKEN}\n\n-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----\n\n## Requirements\n\n- FR-1 Reports read postgres://app:p@ssw0rd-9x@db/app nightly.\n`;
    const parsed = parseSpec(spec, 'spec.md');
    const everything = JSON.stringify(parsed);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('ssw0rd');
    expect(everything).not.toContain('MIGHAgEA');
    expect(parsed.title).toBe('Release <REDACTED:github-token>');
    const fr1 = parsed.requirements.find((r) => r.id === 'FR-1')!;
    expect(fr1.line).toBe(9);
    expect(fr1.text).toContain('postgres://app:<REDACTED:url-password>@db/app');
  });
});

describe('a megabyte-long line', () => {
  // Each starts like a secret and goes on for 10 MB: an unbounded repetition over it exhausts the regex stack.
  it.each(['password: ', 'api_key=', 'sk-proj-', 'eyJ', 'Bearer ', 'glpat-', 'password is ', 'http://u:', 'xoxb-'])('starting with %j is scanned without running out of stack', (prefix) => {
    const line = prefix + 'aB3'.repeat(3_500_000);
    expect(() => redactSecrets(line)).not.toThrow();
  });

  it('of spaces between a name and its value is scanned in linear time', () => {
    const started = performance.now();
    redactSecrets(`password is${' '.repeat(2_000_000)}x`);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
