import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runXplan, tempDir, tempRepo } from '../support/cli.js';

function plannedRepo(): string {
  const repo = tempRepo();
  copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'spec.md'));
  expect(runXplan(['plan', '--yes', 'spec.md'], { cwd: repo }).code).toBe(0);
  return repo;
}
const stateText = (repo: string) => readFileSync(join(repo, '.xplan/state.json'), 'utf8');
const planOf = (repo: string) => JSON.parse(stateText(repo)).plan;

/** Runs `xplan plan --edit --editor` with a scripted editor performing `steps`, one per opening. */
function editWith(repo: string, steps: unknown[]) {
  const stepsFile = join(tempDir(), 'steps.json');
  writeFileSync(stepsFile, JSON.stringify(steps));
  const editor = `'${process.execPath}' '${join(REPO_ROOT, 'test/support/scripted-editor.mjs')}' '${stepsFile}'`;
  const result = runXplan(['plan', '--edit', '--editor'], { cwd: repo, env: { EDITOR: editor } });
  const opened = existsSync(`${stepsFile}.count`) ? Number(readFileSync(`${stepsFile}.count`, 'utf8')) : 0;
  const seen = (n: number) => readFileSync(`${stepsFile}.seen.${n}`, 'utf8');
  return { ...result, opened, seen };
}

describe('xplan plan --edit --editor', () => {
  it('round-trips the plan as YAML and saves a valid edit', () => {
    const repo = plannedRepo();
    const t1 = planOf(repo).tasks[0];
    const result = editWith(repo, [{ replace: [`title: ${t1.title}`, 'title: Set up the SQLite schema'] }]);
    expect(result.code).toBe(0);
    expect(result.seen(0)).toMatch(/^# Edit the tasks of this plan/);
    expect(result.seen(0)).toContain(`- id: T1\n    title: ${t1.title}`);
    expect(result.stdout).toContain('Saved the plan edited in the editor');
    expect(planOf(repo).tasks[0].title).toBe('Set up the SQLite schema');
  });

  it('changes nothing when the file is saved unchanged', () => {
    const repo = plannedRepo();
    const before = stateText(repo);
    const result = editWith(repo, [{ keep: true }]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('No changes.');
    expect(stateText(repo)).toBe(before);
  });

  it('reopens with the error on top after an invalid save, then saves the fix', () => {
    const repo = plannedRepo();
    const dependent = planOf(repo).tasks.find((t: { dependsOn: string[] }) => t.dependsOn.includes('T1'));
    expect(dependent).toBeDefined();
    const result = editWith(repo, [
      // T1 depending on its own dependent closes a cycle.
      // T1 is a root, so its dependsOn is the first empty one in the file.
      { replace: ['dependsOn: []', `dependsOn: [${dependent.id}]`] },
      { replace: [`dependsOn: [${dependent.id}]`, 'dependsOn: []'] },
    ]);
    expect(result.opened).toBe(2);
    expect(result.seen(1)).toMatch(/^# xplan: the plan was not saved:\n# xplan: +cycle: T\d+ → T\d+/);
    expect(result.seen(1)).toContain(`dependsOn: [${dependent.id}]`); // what the user typed is kept
    expect(result.code).toBe(0);
    expect(planOf(repo).tasks[0].dependsOn).not.toContain(dependent.id);
  });

  it('reopens on an invalid field and cancels, changing nothing, when the file is cleared', () => {
    const repo = plannedRepo();
    const before = stateText(repo);
    const result = editWith(repo, [{ replace: ['effort: ', 'effort: HUGE # was '] }, { write: '' }]);
    expect(result.opened).toBe(2);
    expect(result.seen(1)).toMatch(/# xplan: +tasks\.0\.effort: expected one of XS, S, M, L, XL/);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/cleared; nothing changed/);
    expect(stateText(repo)).toBe(before);
  });

  it('cancels when the editor fails, and says which editor setting to use when none is set', () => {
    const repo = plannedRepo();
    const before = stateText(repo);
    expect(editWith(repo, [{ exit: 3 }]).code).toBe(130);
    expect(stateText(repo)).toBe(before);
    const none = runXplan(['plan', '--edit', '--editor'], { cwd: repo, env: { EDITOR: '', VISUAL: '' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Set \$VISUAL or \$EDITOR/);
  });
});

describe('xplan plan --edit (menu)', () => {
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

  it('needs a terminal, and says what to use instead', () => {
    const repo = plannedRepo();
    const result = runXplan(['plan', '--edit'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs a terminal/);
    expect(result.stderr).toMatch(/--editor/);
  });

  /** Drives the menu on a pseudo-terminal: each key string is typed after a pause. */
  function onTerminal(repo: string, keys: string[]) {
    const command = [process.execPath, join(REPO_ROOT, 'bin/xplan.js'), 'plan', '--edit'].map((a) => `'${a}'`).join(' ');
    const typing = keys.map((k) => `sleep 0.8; printf '${k}'`).join('; ');
    return spawnSync('sh', ['-c', `(sleep 1.5; ${typing}; sleep 1.5) | script -qfec "${command}" /dev/null`], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: repo, TERM: 'xterm', NO_COLOR: '1' },
      timeout: 60_000,
    });
  }
  const DOWN = '\\033[B';
  const ENTER = '\\r';

  it.skipIf(!hasScript)('adds a task, shows the refreshed summary and saves', () => {
    const repo = plannedRepo();
    const count = planOf(repo).tasks.length;
    // Add a task → title → no dependencies → effort M → Save and exit (6th entry).
    const result = onTerminal(repo, [ENTER, `Write the deployment guide${ENTER}`, ENTER, ENTER, `${DOWN}${DOWN}${DOWN}${DOWN}${DOWN}${ENTER}`]);
    const screen = result.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(screen).toContain(`Added T${count + 1} "Write the deployment guide"`);
    expect(screen).toContain(`${count + 1} tasks ·`);
    expect(result.status).toBe(0);
    expect(planOf(repo).tasks.at(-1).title).toBe('Write the deployment guide');
  });

  it.skipIf(!hasScript)('discards: nothing is written', () => {
    const repo = plannedRepo();
    const before = stateText(repo);
    // Add a task, then "Discard changes and exit" (7th entry) and confirm.
    const result = onTerminal(repo, [ENTER, `Throwaway${ENTER}`, ENTER, ENTER, `${DOWN}${DOWN}${DOWN}${DOWN}${DOWN}${DOWN}${ENTER}`, `y${ENTER}`]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Nothing saved.');
    expect(stateText(repo)).toBe(before);
  });
});
