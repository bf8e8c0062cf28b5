import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runXplan, tempRepo } from '../support/cli.js';

interface PlanJson {
  status: string;
  spec: { paths: string[] };
  tasks: Array<{
    id: string;
    title: string;
    dependsOn: string[];
    acceptanceCriteria: string[];
    risk: string;
    wave: number;
    stream: string;
    kind: string;
    sources: Array<{ file: string; line: number; ref: string }>;
  }>;
  warnings: Array<{ code: string }>;
}

const edges = (plan: PlanJson) => Object.fromEntries(plan.tasks.map((t) => [t.id, [...t.dependsOn].sort()]));

function repoWith(fixture: string, name: string): string {
  const repo = tempRepo();
  copyFileSync(join(REPO_ROOT, 'test/fixtures', fixture), join(repo, name));
  return repo;
}

function planFrom(repo: string, args: string[]): PlanJson {
  const r = runXplan(['plan', ...args, '--json'], { cwd: repo });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
}

describe('xplan plan --from taskmaster', () => {
  it('makes a saved draft from a legacy tasks.json: ids, edges, acceptance, risk and sources kept', () => {
    const repo = repoWith('taskmaster/legacy-tasks.json', 'tasks.json');
    const plan = planFrom(repo, ['--from', 'taskmaster', 'tasks.json']);
    expect(plan.status).toBe('draft');
    // "2.2" (a subtask of 2) is folded into task 2, so 4 waits for 2.
    expect(edges(plan)).toEqual({ T1: [], T2: ['T1'], T3: ['T2'], T4: ['T2'], T5: ['T3', 'T4'] });
    const t2 = plan.tasks.find((t) => t.id === 'T2')!;
    expect(t2.acceptanceCriteria).toEqual(['Repository unit tests against an in-memory database', 'Subtask 2.1: Migrations', 'Subtask 2.2: Repository']);
    expect(t2.risk).toBe('medium');
    expect(t2.sources).toEqual([{ file: 'tasks.json', line: 16, ref: 'task-master 2' }]);
    expect(plan.tasks.map((t) => t.wave)).toEqual([1, 2, 3, 3, 4]);
    // Saved: show prints it, and approve accepts it like a generated plan.
    expect(JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout).tasks).toHaveLength(5);
    const approved = runXplan(['approve', '--yes'], { cwd: repo });
    expect(approved.code, approved.stderr).toBe(0);
  });

  it('reads the tag asked for from a tagged file, with subtasks as tasks of their own', () => {
    const repo = repoWith('taskmaster/tagged-tasks.json', 'tasks.json');
    const master = planFrom(repo, ['--from', 'taskmaster', 'tasks.json', '--subtasks']);
    expect(master.tasks.length).toBeGreaterThan(10);
    expect(master.tasks.some((t) => t.sources[0]!.ref === 'task-master 5.2')).toBe(true);
    const ui = planFrom(repo, ['--from', 'taskmaster', 'tasks.json', '--tag', 'feature-ui']);
    expect(ui.tasks.map((t) => t.title)).toEqual(['Board layout']);
  });

  it('round trip: show --format taskmaster, then --from taskmaster, keeps ids and edges', () => {
    const repo = repoWith('speckit/tasks.md', 'tasks.md');
    const original = planFrom(repo, ['--from', 'speckit', 'tasks.md']);
    const exported = runXplan(['show', '--format', 'taskmaster'], { cwd: repo });
    expect(exported.code, exported.stderr).toBe(0);
    const doc = JSON.parse(exported.stdout) as { master: { tasks: Array<{ id: number; dependencies: number[]; priority: string }> } };
    expect(doc.master.tasks.find((t) => t.id === 11)).toMatchObject({ dependencies: [8, 9, 10, 7], priority: 'medium' });
    writeFileSync(join(repo, 'back.json'), exported.stdout);
    const back = planFrom(repo, ['--from', 'taskmaster', 'back.json']);
    expect(back.tasks.map((t) => t.id)).toEqual(original.tasks.map((t) => t.id));
    expect(edges(back)).toEqual(edges(original));
    expect(back.tasks.map((t) => t.title)).toEqual(original.tasks.map((t) => t.title));
  });

  it('refuses a file with entries it cannot read, saving nothing', () => {
    const repo = tempRepo();
    writeFileSync(
      join(repo, 'tasks.json'),
      JSON.stringify({
        tasks: [
          { id: 1, title: 'a' },
          { id: 'two', title: 'b' },
        ],
      }),
    );
    const r = runXplan(['plan', '--from', 'taskmaster', 'tasks.json'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tasks.json has entries xplan cannot read: tasks.1.id: expected a whole number such as 3 (found "two")');
    expect(runXplan(['show'], { cwd: repo }).code).toBe(2);
  });

  it('plan and assess given a tasks.json point to --from', () => {
    const repo = repoWith('taskmaster/legacy-tasks.json', 'tasks.json');
    for (const command of [
      ['plan', 'tasks.json'],
      ['assess', 'tasks.json'],
    ]) {
      const r = runXplan(command, { cwd: repo });
      expect(r.code, command.join(' ')).toBe(2);
      expect(r.stderr).toContain('task-master tasks file');
      expect(r.stderr).toContain('xplan plan --from taskmaster tasks.json');
    }
  });
});

describe('xplan plan --from speckit', () => {
  it('reads phases, [P] markers and "depends on" lines into the expected edges', () => {
    const repo = repoWith('speckit/tasks.md', 'tasks.md');
    const plan = planFrom(repo, ['--from', 'speckit', 'tasks.md']);
    expect(edges(plan)).toEqual({
      T1: [],
      T2: ['T1'],
      T3: ['T2'],
      // Foundational waits for Setup; [P] tasks side by side, then T7 waits for both.
      T4: ['T3'],
      T5: ['T4'],
      T6: ['T4'],
      T7: ['T5', 'T6'],
      // Each story waits for Foundational only; T11 names T007 and T010 itself.
      T8: ['T7'],
      T9: ['T7'],
      T10: ['T7'],
      T11: ['T10', 'T7', 'T8', 'T9'],
      T12: ['T11'],
      T13: ['T12'],
      T14: ['T7'],
      T15: ['T14'],
      // Polish waits for both stories.
      T16: ['T13', 'T15'],
      T17: ['T16'],
    });
    const t12 = plan.tasks.find((t) => t.id === 'T12')!;
    expect(t12).toMatchObject({ title: 'Implement POST /bookmarks in src/api/bookmarks.ts', risk: 'medium', stream: 'B', sources: [{ file: 'tasks.md', line: 64, ref: 'spec-kit T012' }] });
    expect(t12.acceptanceCriteria[0]).toBe('POST /bookmarks returns 201 and the bookmark is listed by GET /bookmarks');
    expect(plan.tasks.find((t) => t.id === 'T8')!.kind).toBe('test');
    expect(plan.spec.paths).toEqual(['tasks.md']);
    expect(readFileSync(join(repo, 'tasks.md'), 'utf8').split('\n')[63]).toContain('T012');
  });
});

describe('an import with nothing to run', () => {
  it('saves the empty draft, says to add a task rather than approve, and approve refuses it', () => {
    const repo = tempRepo();
    writeFileSync(join(repo, 'tasks.json'), '{"tasks":[]}');
    const imported = runXplan(['plan', '--from', 'taskmaster', 'tasks.json'], { cwd: repo });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Next: xplan task add --title "…" (a plan with no tasks cannot be approved)');
    const approve = runXplan(['approve', '--yes'], { cwd: repo });
    expect(approve.code).toBe(1);
    expect(approve.stderr).toMatch(/The plan has no tasks and cannot be approved/);
  });
});
