import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, tempDir } from '../support/cli.js';

/** The modules a run of xplan loads, recorded by a resolve hook. */
function loadedModules(args: string[]): string[] {
  const log = join(tempDir(), 'imports.log');
  const result = spawnSync(process.execPath, ['--import', join(REPO_ROOT, 'test/support/record-imports.mjs'), BIN, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, NO_COLOR: '1', XPLAN_IMPORT_LOG: log },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return readFileSync(log, 'utf8').trim().split('\n');
}

const HEAVY = ['execa', 'simple-git', '@inquirer', 'ora', 'chalk', 'zod', 'yaml', 'write-file-atomic', '/dist/adapters/', '/dist/commands/'];

describe('lazy start-up', () => {
  it('xplan --version loads no Claude, git, prompt, colour, schema or command code', () => {
    const modules = loadedModules(['--version']);
    for (const heavy of HEAVY)
      expect(
        modules.filter((m) => m.includes(heavy)),
        heavy,
      ).toEqual([]);
    expect(modules.some((m) => m.includes('commander'))).toBe(false);
  });

  it('xplan __complete (asked on every Tab) loads neither the argument parser nor any command or schema code', () => {
    const modules = loadedModules(['__complete', 'task']);
    const heavy = ['commander', 'zod', 'yaml', 'execa', 'chalk', '@inquirer', '/dist/commands/', '/dist/cli/program.js', 'state-store'];
    expect(modules.filter((m) => heavy.some((h) => m.includes(h)))).toEqual([]);
    expect(modules.some((m) => m.includes('/dist/adapters/store/completion-words.js'))).toBe(true);
  });

  it('xplan --help loads the argument parser but no command or adapter code', () => {
    const modules = loadedModules(['--help']);
    for (const heavy of HEAVY)
      expect(
        modules.filter((m) => m.includes(heavy)),
        heavy,
      ).toEqual([]);
  });

  it('xplan check of a task-master file loads neither the plan schema, the state store nor a YAML parser', () => {
    const modules = loadedModules(['check', 'test/fixtures/taskmaster/tagged-tasks.json']);
    expect(modules.some((m) => m.includes('/dist/commands/check.js'))).toBe(true);
    for (const heavy of ['zod', 'yaml', 'plan-schema', 'state-store', '/dist/adapters/store/project.js', 'render-plan.js', 'execa', 'chalk']) {
      expect(
        modules.filter((m) => m.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
  });

  it('xplan assess loads neither git, prompts nor process helpers', () => {
    const modules = loadedModules(['assess', '--no-save', 'examples/specs/bookmarks-api.md']);
    expect(modules.some((m) => m.includes('/dist/commands/assess.js'))).toBe(true);
    for (const heavy of ['execa', 'simple-git', '@inquirer', 'ora'])
      expect(
        modules.filter((m) => m.includes(heavy)),
        heavy,
      ).toEqual([]);
  });
});

describe('a reader that stops early', () => {
  it('`xplan --help | head -1` ends quietly, without a stack trace', () => {
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --help | head -1`], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, NO_COLOR: '1' }, encoding: 'utf8' });
    expect(result.stdout).toBe('Usage: xplan [options] [command]\n');
    expect(result.stderr).toBe('');
  });
});

describe('bare xplan', () => {
  it('prints the help on stdout and exits 0, as `xplan --help` does', () => {
    const result = spawnSync(process.execPath, [BIN], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, NO_COLOR: '1' }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: xplan \[options\] \[command\]/);
    expect(result.stderr).toBe('');
  });
});
