import { describe, expect, it } from 'vitest';
import { globsOverlap, globToRegExpSource, isLiteralPattern, matchesGlob, normalizePattern, patternProblem } from '../../src/core/glob.js';

describe('matchesGlob', () => {
  const cases: Array<[string, string, boolean]> = [
    ['src/shared.ts', 'src/shared.ts', true],
    ['src/shared.ts', 'src/shared.tsx', false],
    ['src/shared.ts', './src/shared.ts', true],
    ['src/shared.ts', '/src/shared.ts', true],
    ['src/shared.ts', 'src/*.ts', true],
    ['src/a/shared.ts', 'src/*.ts', false],
    ['src/a/shared.ts', 'src/**/*.ts', true],
    ['src/shared.ts', 'src/**/*.ts', true],
    ['src/a/b/c.ts', 'src/**', true],
    ['lib/a.ts', 'src/**', false],
    ['src/a/b/c.ts', 'src/', true],
    ['deep/x/shared.ts', '**/shared.ts', true],
    ['shared.ts', '**/shared.ts', true],
    ['src/a.ts', 'src/?.ts', true],
    ['src/ab.ts', 'src/?.ts', false],
    ['src/a.ts', 'src/[abc].ts', true],
    ['src/d.ts', 'src/[abc].ts', false],
    ['src/d.ts', 'src/[!abc].ts', true],
    ['src/b.ts', 'src/[a-c].ts', true],
    ['src/api.ts', 'src/{api,db}.ts', true],
    ['src/db.ts', 'src/{api,db}.ts', true],
    ['src/ui.ts', 'src/{api,db}.ts', false],
    ['src/x/db/y.ts', 'src/{x/{db,api},z}/*.ts', true],
    ['src/a*b.ts', 'src/a\\*b.ts', true],
    ['src/axb.ts', 'src/a\\*b.ts', false],
    ['src/a.b.ts', 'src/a.b.ts', true],
    ['src/aXb.ts', 'src/a.b.ts', false], // `.` is literal
    ['src/(x).ts', 'src/(x).ts', true],
    ['.github/workflows/ci.yml', '.github/**', true],
  ];
  it.each(cases)('%s against %s → %s', (path, pattern, expected) => {
    expect(matchesGlob(path, pattern)).toBe(expected);
  });
});

describe('globsOverlap', () => {
  const cases: Array<[string, string, boolean]> = [
    ['src/shared.ts', 'src/shared.ts', true],
    ['src/shared.ts', 'src/other.ts', false],
    ['src/*.ts', 'src/shared.ts', true],
    ['src/*.ts', 'src/a/shared.ts', false],
    ['src/**', 'src/a/shared.ts', true],
    ['src/**', 'lib/**', false],
    ['src/*.ts', 'src/*.js', false],
    ['src/a*.ts', 'src/*b.ts', true], // src/ab.ts
    ['src/api/**', 'src/**/handler.ts', true],
    ['src/api/*', 'src/db/*', false],
    ['**/shared.ts', 'lib/x/shared.ts', true],
    ['**/shared.ts', 'lib/x/other.ts', false],
    ['src/[ab].ts', 'src/[bc].ts', true],
    ['src/[ab].ts', 'src/[cd].ts', false],
    ['src/[!a].ts', 'src/a.ts', false],
    ['src/{a,b}.ts', 'src/b.ts', true],
    ['src/?.ts', 'src/ab.ts', false],
    ['src/*', 'src/a/b', false], // `*` never crosses a `/`
    ['**', 'anything/at/all.md', true],
    ['docs/', 'docs/guide.md', true],
  ];
  it.each(cases)('%s with %s → %s', (a, b, expected) => {
    expect(globsOverlap(a, b)).toBe(expected);
    expect(globsOverlap(b, a)).toBe(expected);
  });

  it('agrees with matching whenever one side is a plain path', () => {
    const patterns = ['src/*.ts', 'src/**/x.ts', '**/x.ts', 'src/[a-c]*.ts', 'src/{a,b}/*.ts', 'src/?/x.ts'];
    const paths = ['src/x.ts', 'src/a/x.ts', 'x.ts', 'src/b.ts', 'src/d.ts', 'src/a/b/x.ts', 'lib/x.ts', 'src/ab/x.ts'];
    for (const pattern of patterns) for (const path of paths) expect(globsOverlap(pattern, path), `${pattern} / ${path}`).toBe(matchesGlob(path, pattern));
  });
});

describe('patterns', () => {
  it('normalizes', () => {
    expect(normalizePattern('./src//api/')).toBe('src/api/**');
    expect(normalizePattern('  /README.md ')).toBe('README.md');
    expect(normalizePattern('a/./b.ts')).toBe('a/b.ts');
  });

  it('tells a plain path from a glob', () => {
    expect(isLiteralPattern('src/shared.ts')).toBe(true);
    expect(isLiteralPattern('src/*.ts')).toBe(false);
    expect(isLiteralPattern('src/{a,b}.ts')).toBe(false);
  });

  it('names what is wrong with an unusable pattern', () => {
    expect(patternProblem('src/[abc.ts')).toMatch(/`\[` is never closed/);
    expect(patternProblem('src/{a,b.ts')).toMatch(/`\{` is never closed/);
    expect(patternProblem('../outside.ts')).toMatch(/outside the repository/);
    expect(patternProblem('   ')).toMatch(/empty/);
    expect(patternProblem('src/[z-a].ts')).toMatch(/backwards/);
    expect(patternProblem('src/ok.ts')).toBeUndefined();
  });

  it('compiles to a regular expression a hook can use without this module', () => {
    const re = new RegExp(globToRegExpSource('src/**/*.{ts,tsx}'));
    expect(re.test('src/a/b.tsx')).toBe(true);
    expect(re.test('src/b.ts')).toBe(true);
    expect(re.test('src/b.js')).toBe(false);
  });
});
