/**
 * On a terminal (a pseudo-terminal made by `script`), a result taller than the screen goes through $PAGER; with
 * --no-pager, piped, or when the pager cannot start, it is printed directly.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, runXplan, tempRepo } from '../support/cli.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

let repo: string;
let pager: string;
const paged = () => join(repo, 'paged.txt');

beforeAll(() => {
  repo = tempRepo();
  copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'spec.md'));
  const result = runXplan(['plan', 'spec.md', '--yes'], { cwd: repo });
  if (result.code !== 0) throw new Error(`xplan plan: ${result.stderr}`);
  // A pager that keeps what it was given, and shows nothing.
  pager = join(repo, 'record-pager.sh');
  writeFileSync(pager, `#!/bin/sh\ncat > '${paged()}'\n`);
  chmodSync(pager, 0o755);
}, 60_000);

/** `xplan show` on a 10-row terminal. */
function showOnTerminal(extra: string, env: NodeJS.ProcessEnv): { code: number | null; output: string } {
  const command = `stty rows 10 cols 120; exec '${process.execPath}' '${BIN}' show ${extra}`;
  const result = spawnSync('script', ['-qfec', command, '/dev/null'], {
    cwd: repo,
    env: { PATH: process.env.PATH, HOME: repo, NO_COLOR: '1', TERM: 'xterm', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, output: result.stdout };
}

describe('the pager', () => {
  it.skipIf(!hasScript)('pages a plan taller than the terminal through $PAGER, and exits 0 when the pager ends', () => {
    spawnSync('rm', ['-f', paged()]);
    const { code, output } = showOnTerminal('', { PAGER: pager });
    expect(code, output).toBe(0);
    const text = readFileSync(paged(), 'utf8');
    expect(text.split('\n').length).toBeGreaterThan(10);
    expect(text).toContain('T1');
    // The pager showed nothing: the plan was not printed besides.
    expect(output).not.toContain('T1');
  });

  it.skipIf(!hasScript)('XPLAN_PAGER comes before PAGER', () => {
    spawnSync('rm', ['-f', paged()]);
    const { code, output } = showOnTerminal('', { XPLAN_PAGER: pager, PAGER: '/nowhere/pager' });
    expect(code, output).toBe(0);
    expect(existsSync(paged())).toBe(true);
  });

  it.skipIf(!hasScript)('with --no-pager or XPLAN_PAGER=cat, prints the plan directly', () => {
    for (const [extra, env] of [
      ['--no-pager', { PAGER: pager }],
      ['', { PAGER: pager, XPLAN_PAGER: 'cat' }],
    ] as const) {
      spawnSync('rm', ['-f', paged()]);
      const { code, output } = showOnTerminal(extra, env);
      expect(code, output).toBe(0);
      expect(existsSync(paged())).toBe(false);
      expect(output).toContain('T1');
    }
  });

  it.skipIf(!hasScript)('prints the plan directly when the pager cannot start', () => {
    const { code, output } = showOnTerminal('', { PAGER: '/nowhere/pager' });
    expect(code, output).toBe(0);
    expect(output).toMatch(/\/nowhere\/pager: not found/);
    expect(output).toContain('T1');
  });

  it('never pages piped output', () => {
    spawnSync('rm', ['-f', paged()]);
    const result = runXplan(['show'], { cwd: repo, env: { PAGER: pager, XPLAN_PAGER: pager } });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(paged())).toBe(false);
    expect(result.stdout.split('\n').length).toBeGreaterThan(10);
  });
});
