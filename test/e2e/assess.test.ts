import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANSI, REPO_ROOT, runXplan, tempDir, tempRepo, writeFiles } from '../support/cli.js';

interface Expectation {
  file: string;
  verdict: string;
  why: string;
}

const expectations = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/specs/expected.json'), 'utf8')) as Expectation[];

function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (name === '.git') continue;
      if (statSync(path).isDirectory()) walk(path);
      else out[path.slice(dir.length + 1)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('xplan assess on real spec shapes', () => {
  it('covers every spec in the corpus and every own example', () => {
    const corpus = readdirSync(join(REPO_ROOT, 'test/fixtures/specs/corpus')).filter((f) => f.endsWith('.md') && f !== 'SOURCE.md');
    const listed = new Set(expectations.map((e) => e.file));
    for (const f of corpus) expect(listed, `no expected verdict for corpus/${f}`).toContain(`test/fixtures/specs/corpus/${f}`);
    expect(expectations.length).toBeGreaterThanOrEqual(14);
  });

  for (const expectation of expectations) {
    it(`${expectation.file} → ${expectation.verdict}`, () => {
      const result = runXplan(['assess', '--json', '--no-save', expectation.file], { cwd: REPO_ROOT });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const assessment = JSON.parse(result.stdout);
      expect(assessment.verdict, expectation.why).toBe(expectation.verdict);
      // Every piece of evidence points at a real line of the spec it names.
      const lines = readFileSync(join(REPO_ROOT, expectation.file), 'utf8').split(/\r?\n/);
      for (const driver of assessment.drivers) {
        for (const e of driver.evidence) {
          expect(e.file).toBe(expectation.file);
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.line).toBeLessThanOrEqual(lines.length);
        }
      }
    });
  }

  it('keeps the one-paragraph bug fix on the single-agent fast path with high confidence', () => {
    const result = runXplan(['assess', '--json', '--no-save', 'test/fixtures/specs/own/bugfix-one-paragraph.md'], { cwd: REPO_ROOT });
    const assessment = JSON.parse(result.stdout);
    expect(assessment.verdict).toBe('single-agent');
    expect(assessment.confidence).toBe('high');
    expect(assessment.spec.kind).toBe('debug-investigation');
  });
});

describe('xplan assess output', () => {
  it('follows the JSON contract', () => {
    const result = runXplan(['assess', '--json', '--no-save', 'examples/specs/bookmarks-api.md'], { cwd: REPO_ROOT });
    const a = JSON.parse(result.stdout);
    expect(a.schemaVersion).toBe(1);
    expect(a.spec).toEqual({ paths: ['examples/specs/bookmarks-api.md'], kind: 'prd', title: expect.any(String) });
    expect(['single-agent', 'multi-agent', 'decomposition-required']).toContain(a.verdict);
    expect(['low', 'medium', 'high']).toContain(a.confidence);
    expect(a.drivers.map((d: { id: string }) => d.id)).toEqual(['requirements', 'components', 'integrations', 'risks', 'unknowns', 'effortHours']);
    for (const d of a.drivers) {
      expect(d).toMatchObject({ id: expect.any(String), label: expect.any(String), value: expect.any(Number), threshold: { single: expect.any(Number), multi: expect.any(Number) } });
      for (const e of d.evidence) expect(e).toMatchObject({ file: expect.any(String), line: expect.any(Number), text: expect.any(String) });
    }
    expect(Array.isArray(a.warnings)).toBe(true);
    expect(a.next).toBe('xplan plan examples/specs/bookmarks-api.md');
  });

  it('shows verdict, drivers with values, thresholds and spec lines, warnings and the next command', () => {
    const result = runXplan(['assess', '--no-save', '--wide', 'examples/specs/bookmarks-api.md'], { cwd: REPO_ROOT });
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/Verdict\s+multi-agent\s+\(confidence: (low|medium|high)\)/);
    expect(out).toMatch(/Requirements and user stories\s+18\s+≤ 8\s+≤ 60\s+multi-agent\s+40, 42, 44, 46 \+14/);
    expect(out).toContain('2 open questions to answer before agents start');
    expect(out).toMatch(/line 172\s+Should tags be shared/);
    expect(out).toContain('Next: xplan plan examples/specs/bookmarks-api.md');
    expect(out).not.toMatch(ANSI);
  });

  it('names the requirements that have no acceptance criteria', () => {
    const dir = tempDir();
    writeFiles(dir, {
      'spec.md': '# Export\n\n## Requirements\n\n- FR-1 Export reports as CSV.\n- FR-2 Email the export link.\n\n## Acceptance criteria\n\n- [ ] A CSV downloads (FR-1).\n',
    });
    const result = runXplan(['assess', 'spec.md'], { cwd: dir });
    expect(result.stdout).toContain('1 of 2 requirements have no acceptance criteria');
    expect(result.stdout).toMatch(/line 6\s+FR-2 Email the export link/);
  });

  it('says how to split a spec that needs decomposing', () => {
    const result = runXplan(['assess', '--no-save', 'test/fixtures/specs/own/platform-prd-large.md'], { cwd: REPO_ROOT });
    expect(result.stdout).toContain('decomposition-required');
    expect(result.stdout).toContain('Split by section');
    expect(result.stdout).toMatch(/line 77\s+6\. Epic A — Identity & SSO\s+16 requirements/);
    expect(result.stdout).toContain('Next: split the spec into one spec per section listed');
  });

  it('assesses several specs together and lists each path', () => {
    const result = runXplan(['assess', '--json', '--no-save', 'test/fixtures/specs/own/bugfix-one-paragraph.md', 'examples/specs/bookmarks-api.md'], { cwd: REPO_ROOT });
    const a = JSON.parse(result.stdout);
    expect(a.spec.paths).toEqual(['test/fixtures/specs/own/bugfix-one-paragraph.md', 'examples/specs/bookmarks-api.md']);
    expect(a.spec.kind).toBe('mixed');
  });

  it('uses colour only when asked for on a terminal-less run', () => {
    const spec = 'examples/specs/bookmarks-api.md';
    const forced = runXplan(['assess', '--no-save', spec], { cwd: REPO_ROOT, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(ANSI);
    const noColorEnv = runXplan(['assess', '--no-save', spec], { cwd: REPO_ROOT, env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(noColorEnv.stdout).not.toMatch(ANSI);
    const noColorFlag = runXplan(['assess', '--no-save', '--no-color', spec], { cwd: REPO_ROOT, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(noColorFlag.stdout).not.toMatch(ANSI);
    const pipe = runXplan(['assess', '--no-save', spec], { cwd: REPO_ROOT, env: { NO_COLOR: undefined } });
    expect(pipe.stdout).not.toMatch(ANSI);
    const missing = runXplan(['assess', 'nope.md'], { cwd: REPO_ROOT, env: { NO_COLOR: undefined } });
    expect(missing.stderr).not.toMatch(ANSI);
  });
});

describe('xplan assess saves into .xplan/state.json', () => {
  it('saves atomically inside a git repo, with spec hash, and bumps the revision', () => {
    const repo = tempRepo();
    copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'spec.md'));
    const first = runXplan(['assess', 'spec.md'], { cwd: repo });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Saved to .xplan/state.json (revision 1)');
    const state = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8'));
    expect(state).toMatchObject({ schemaVersion: 1, revision: 1, specs: [{ path: 'spec.md', bytes: expect.any(Number) }] });
    expect(state.specs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(state.assessment.verdict).toBe('multi-agent');
    expect(readFileSync(join(repo, '.xplan/.gitignore'), 'utf8')).toContain('state.json');

    const second = runXplan(['assess', 'spec.md'], { cwd: repo });
    expect(second.stdout).toContain('(revision 2)');
    expect(JSON.parse(readFileSync(join(repo, '.xplan/state.json.bak'), 'utf8')).revision).toBe(1);
    expect(readdirSync(join(repo, '.xplan')).sort()).toEqual(['.gitignore', 'state.json', 'state.json.bak']);
  });

  it('saves from a subdirectory into the repository root', () => {
    const repo = tempRepo();
    writeFiles(repo, { 'docs/spec.md': '# Fix\n\nThe export button crashes on empty reports; fix it.\n' });
    const result = runXplan(['assess', 'spec.md'], { cwd: join(repo, 'docs') });
    expect(result.code).toBe(0);
    const state = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8'));
    expect(state.specs[0].path).toBe('docs/spec.md');
    expect(existsSync(join(repo, 'docs/.xplan'))).toBe(false);
  });

  it('does not save with --no-save or outside a git repository', () => {
    const repo = tempRepo();
    writeFiles(repo, { 'spec.md': '# Fix\n\nThe export button crashes on empty reports; fix it.\n' });
    const noSave = runXplan(['assess', '--no-save', 'spec.md'], { cwd: repo });
    expect(noSave.stdout).toContain('Not saved: --no-save.');
    expect(existsSync(join(repo, '.xplan'))).toBe(false);

    const plain = tempDir();
    writeFiles(plain, { 'spec.md': '# Fix\n\nThe export button crashes on empty reports; fix it.\n' });
    const outside = runXplan(['assess', 'spec.md'], { cwd: plain });
    expect(outside.code).toBe(0);
    expect(outside.stdout).toContain('Not saved: not inside a git repository.');
    expect(existsSync(join(plain, '.xplan'))).toBe(false);
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  const cases: Array<{ name: string; files: Record<string, string | Buffer>; args: string[]; code: number; message: RegExp; hint: RegExp }> = [
    { name: 'missing path', files: {}, args: ['missing.md'], code: 2, message: /Spec not found: missing\.md/, hint: /Check the path/ },
    { name: 'a directory', files: { 'specs/a.md': '# A\n' }, args: ['specs'], code: 2, message: /specs is a directory, not a spec file/, hint: /specs\/spec\.md/ },
    { name: 'an empty file', files: { 'empty.md': '  \n\n' }, args: ['empty.md'], code: 2, message: /empty\.md is empty/, hint: /Write the spec first/ },
    {
      name: 'a binary file',
      files: { 'logo.md': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01]) },
      args: ['logo.md'],
      code: 2,
      message: /logo\.md looks like a binary file/,
      hint: /Markdown or text version/,
    },
    {
      name: 'a non-UTF-8 file',
      files: { 'latin1.md': Buffer.concat([Buffer.from('# Café\n\nline two\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]) },
      args: ['latin1.md'],
      code: 2,
      message: /latin1\.md is not valid UTF-8 \(first bad byte at line 4/,
      hint: /iconv -f latin1 -t utf-8/,
    },
    {
      name: 'an invalid config.yaml',
      files: { 'spec.md': '# A\n\nFix it.\n', '.xplan/config.yaml': 'assess:\n  thresholds:\n    requirements:\n      single: many\n  colour: red\n' },
      args: ['spec.md'],
      code: 2,
      message: /\.xplan\/config\.yaml is invalid: assess\.thresholds\.requirements\.single: .*number.* \(and 1 more\)\n\s+assess\.colour: unknown key/,
      hint: /xplan init --print/,
    },
    {
      name: 'config.yaml with broken YAML',
      files: { 'spec.md': '# A\n\nFix it.\n', '.xplan/config.yaml': 'assess:\n  thresholds: [\n' },
      args: ['spec.md'],
      code: 2,
      message: /\.xplan\/config\.yaml:\d+:\d+ is not valid YAML/,
      hint: /Fix the YAML syntax/,
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      const repo = tempRepo();
      writeFiles(repo, c.files);
      const before = snapshotDir(repo);
      const result = runXplan(['assess', ...c.args], { cwd: repo });
      expect(result.code).toBe(c.code);
      expect(result.stdout).toBe('');
      const [first, ...rest] = result.stderr.trimEnd().split('\n');
      expect(result.stderr).toMatch(c.message);
      expect(first!.startsWith('✖ ')).toBe(true);
      expect(rest.at(-1)).toMatch(c.hint);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(snapshotDir(repo)).toEqual(before);
    });
  }

  it('refuses a file over 10 MB', () => {
    const repo = tempRepo();
    writeFileSync(join(repo, 'huge.md'), Buffer.alloc(10 * 1024 * 1024 + 1, 'a'));
    const result = runXplan(['assess', 'huge.md'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/huge\.md is 10\.0 MB; specs are limited to 10 MB/);
    expect(existsSync(join(repo, '.xplan'))).toBe(false);
  });

  it('never overwrites a corrupt state.json and points at the last good backup', () => {
    const repo = tempRepo();
    writeFiles(repo, { 'spec.md': '# A\n\nFix the crash in the export.\n' });
    expect(runXplan(['assess', 'spec.md'], { cwd: repo }).code).toBe(0);
    expect(runXplan(['assess', 'spec.md'], { cwd: repo }).code).toBe(0);
    writeFileSync(join(repo, '.xplan/state.json'), '{"schemaVersion": 1, "revision": ');
    const before = snapshotDir(repo);
    const result = runXplan(['assess', 'spec.md'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/state\.json is corrupt \(not valid JSON.*\); xplan will not overwrite it/);
    expect(result.stderr).toMatch(/The last good state is .*state\.json\.bak/);
    expect(snapshotDir(repo)).toEqual(before);
  });

  it('prints errors as one JSON object on stderr with --json', () => {
    const dir = tempDir();
    const result = runXplan(['assess', '--json', 'missing.md'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr)).toEqual({ schemaVersion: 1, error: { code: 'SPEC_NOT_FOUND', message: 'Spec not found: missing.md', hint: expect.stringContaining('Check the path') } });
  });

  it('shows the stack trace only with --debug or XPLAN_DEBUG', () => {
    const repo = tempRepo();
    writeFiles(repo, { 'spec.md': '# A\n\nFix it.\n', '.xplan/state.json': '[]' });
    const plain = runXplan(['assess', 'spec.md'], { cwd: repo });
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = runXplan(['assess', '--debug', 'spec.md'], { cwd: repo });
    expect(debug.stderr).toMatch(/\n\s+at /);
    const env = runXplan(['assess', 'spec.md'], { cwd: repo, env: { XPLAN_DEBUG: '1' } });
    expect(env.stderr).toMatch(/\n\s+at /);
  });
});
