import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runXplan, tempRepo } from '../support/cli.js';

/** A repo with the example spec planned, and a git identity for approvals. */
function plannedRepo(): string {
  const repo = tempRepo();
  spawnSync('git', ['config', 'user.name', 'Ada Lovelace'], { cwd: repo });
  spawnSync('git', ['config', 'user.email', 'ada@example.com'], { cwd: repo });
  copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'spec.md'));
  expect(runXplan(['plan', '--yes', 'spec.md'], { cwd: repo }).code).toBe(0);
  return repo;
}

const stateOf = (repo: string) => JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8'));
const stateText = (repo: string) => readFileSync(join(repo, '.xplan/state.json'), 'utf8');
const task = (repo: string, id: string) => stateOf(repo).plan.tasks.find((t: { id: string }) => t.id === id);

describe('xplan task', () => {
  it('adds a task after another, with dependencies and fields, and re-derives the plan', () => {
    const repo = plannedRepo();
    const before = stateOf(repo).plan;
    const result = runXplan(['task', 'add', '--title', 'Write the deployment guide', '--after', 'T2', '--depends-on', 'T1,T2', '--effort', 'S', '--kind', 'docs', '--strategy', 'none'], { cwd: repo });
    expect(result.code).toBe(0);
    const newId = `T${before.tasks.length + 1}`;
    expect(result.stdout).toContain(`Added ${newId} "Write the deployment guide"`);
    const plan = stateOf(repo).plan;
    expect(plan.tasks.map((t: { id: string }) => t.id).indexOf(newId)).toBe(2);
    const waveOf = (id: string) => (task(repo, id) as { wave: number }).wave;
    expect(task(repo, newId)).toMatchObject({ dependsOn: ['T1', 'T2'], effort: 'S', kind: 'docs', testStrategy: 'none', wave: Math.max(waveOf('T1'), waveOf('T2')) + 1 });
    expect(plan.summary.tasks).toBe(before.tasks.length + 1);
    expect(plan.mergeOrder).toContain(newId);
  });

  it('sets fields, and refuses a task that is not in the plan', () => {
    const repo = plannedRepo();
    expect(runXplan(['task', 'set', 'T2', '--effort', 'L', '--risk', 'high', '--risk-reason', 'touches billing'], { cwd: repo }).code).toBe(0);
    expect(task(repo, 'T2')).toMatchObject({ effort: 'L', risk: 'high', riskReason: 'touches billing' });
    const unknown = runXplan(['task', 'set', 'T99', '--effort', 'L'], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no task T99 in the plan/);
  });

  it('refuses a dependency that would create a cycle, with its path, and changes nothing', () => {
    const repo = plannedRepo();
    const dependent = stateOf(repo).plan.tasks.find((t: { dependsOn: string[] }) => t.dependsOn.includes('T1'));
    const before = stateText(repo);
    const result = runXplan(['task', 'dep', 'add', 'T1', dependent.id], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Refused: T1 depending on ${dependent.id} would create a cycle: T1 → ${dependent.id} → T1`);
    expect(stateText(repo)).toBe(before);
  });

  it('adds and removes dependencies', () => {
    const repo = plannedRepo();
    const last = stateOf(repo).plan.tasks.at(-1).id;
    expect(runXplan(['task', 'dep', 'rm', 'T1', 'T2'], { cwd: repo }).stderr).toMatch(/T1 does not depend on T2/);
    expect(runXplan(['task', 'dep', 'add', last, 'T1'], { cwd: repo }).code).toBe(0);
    expect(task(repo, last).dependsOn).toContain('T1');
    expect(runXplan(['task', 'dep', 'rm', last, 'T1'], { cwd: repo }).code).toBe(0);
    expect(task(repo, last).dependsOn).not.toContain('T1');
  });

  it('names the dependents of a task before removing it, and rewires them with --force', () => {
    const repo = plannedRepo();
    const dependents = stateOf(repo)
      .plan.tasks.filter((t: { dependsOn: string[] }) => t.dependsOn.includes('T1'))
      .map((t: { id: string }) => t.id);
    expect(dependents.length).toBeGreaterThan(0);
    const before = stateText(repo);
    const refused = runXplan(['task', 'rm', 'T1'], { cwd: repo });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${dependents.join(', ')} depend on T1`);
    expect(refused.stderr).toMatch(/--force/);
    expect(stateText(repo)).toBe(before);
    const forced = runXplan(['task', 'rm', 'T1', '--force'], { cwd: repo });
    expect(forced.code).toBe(0);
    const plan = stateOf(repo).plan;
    expect(plan.tasks.some((t: { id: string }) => t.id === 'T1')).toBe(false);
    for (const t of plan.tasks) expect(t.dependsOn).not.toContain('T1');
  });

  it('moves a task in the list without changing ids or dependencies', () => {
    const repo = plannedRepo();
    const last = stateOf(repo).plan.tasks.at(-1);
    expect(runXplan(['task', 'move', last.id, '--before', 'T1'], { cwd: repo }).code).toBe(0);
    const moved = stateOf(repo).plan.tasks[0];
    expect(moved).toMatchObject({ id: last.id, dependsOn: last.dependsOn });
  });

  it('warns when edits push the plan past the over-decomposition threshold', () => {
    const repo = plannedRepo();
    let result = runXplan(['task', 'add', '--title', 'Tiny 0', '--effort', 'XS'], { cwd: repo });
    for (let i = 1; i < 15; i++) result = runXplan(['task', 'add', '--title', `Tiny ${i}`, '--effort', 'XS'], { cwd: repo });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/! \d+ tasks for a spec that supports \d+–\d+/);
    expect(stateOf(repo).plan.warnings.map((w: { code: string }) => w.code)).toContain('OVER_DECOMPOSED');
  });

  it('refuses edits while a run works from the plan', () => {
    const repo = plannedRepo();
    const state = stateOf(repo);
    const run = {
      id: '20261123-101500',
      status: 'running',
      startedAt: '2026-11-23T10:15:00.000Z',
      base: { commit: 'abc123', branch: 'main' },
      branching: 'feature',
      concurrency: 2,
      verify: null,
      planHash: 'h',
      nextAgent: 1,
      tasks: { T1: { state: 'ready', attempts: [], transientFailures: 0 } },
    };
    writeFileSync(join(repo, '.xplan/state.json'), JSON.stringify({ ...state, run }));
    const result = runXplan(['task', 'set', 'T1', '--effort', 'L'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Run 20261123-101500 is running: the plan cannot change/);
    expect(result.stderr).toContain('end it for good with `xplan cancel`');
  });
});

describe('xplan approve', () => {
  it('records who, when and the plan hash; a later edit returns the plan to draft', () => {
    const repo = plannedRepo();
    const result = runXplan(['approve', '--yes'], { cwd: repo });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Approved by Ada Lovelace <ada@example\.com> at \d{4}-\d\d-\d\dT/);
    const plan = stateOf(repo).plan;
    expect(plan.status).toBe('approved');
    expect(plan.approval).toEqual({ by: 'Ada Lovelace <ada@example.com>', at: expect.any(String), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout).approval.hash).toBe(plan.approval.hash);

    const edit = runXplan(['task', 'set', 'T1', '--effort', 'XL'], { cwd: repo });
    expect(edit.stdout).toContain('this edit returned it to draft');
    expect(stateOf(repo).plan.status).toBe('draft');
    expect(stateOf(repo).plan.approval).toBeUndefined();
  });

  it('asks about warnings; without a terminal or --yes it exits 1 and approves nothing', () => {
    const repo = plannedRepo();
    for (let i = 0; i < 12; i++) runXplan(['task', 'add', '--title', `Tiny ${i}`, '--effort', 'XS'], { cwd: repo });
    const result = runXplan(['approve'], { cwd: repo });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Not approved: the plan has warnings/);
    expect(stateOf(repo).plan.status).toBe('draft');
  });

  it('refuses a plan with errors', () => {
    const repo = plannedRepo();
    const state = stateOf(repo);
    state.plan.tasks[0].dependsOn = [state.plan.tasks[1].id];
    state.plan.tasks[1].dependsOn = [state.plan.tasks[0].id];
    writeFileSync(join(repo, '.xplan/state.json'), JSON.stringify(state));
    const result = runXplan(['approve', '--yes'], { cwd: repo });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot be approved: cycle: /);
    expect(stateOf(repo).plan.status).toBe('draft');
  });
});

describe('confirmations on a terminal', () => {
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

  function onTerminal(repo: string, args: string[], answer: string) {
    const command = [process.execPath, join(REPO_ROOT, 'bin/xplan.js'), ...args].map((a) => `'${a}'`).join(' ');
    return spawnSync('sh', ['-c', `(sleep 1.5; printf '${answer}'; sleep 0.3; printf '\\r'; sleep 1.5) | script -qfec "${command}" /dev/null`], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: repo, TERM: 'xterm', NO_COLOR: '1' },
      timeout: 30_000,
    });
  }

  it.skipIf(!hasScript)('approve asks about warnings and approves on yes', () => {
    const repo = plannedRepo();
    for (let i = 0; i < 12; i++) runXplan(['task', 'add', '--title', `Tiny ${i}`, '--effort', 'XS'], { cwd: repo });
    const result = onTerminal(repo, ['approve'], 'y');
    expect(result.stdout).toMatch(/Approve it anyway\?/);
    expect(result.status).toBe(0);
    expect(stateOf(repo).plan.status).toBe('approved');
  });

  it.skipIf(!hasScript)('task rm asks before removing a task others depend on, and keeps it on no', () => {
    const repo = plannedRepo();
    const before = stateText(repo);
    const result = onTerminal(repo, ['task', 'rm', 'T1'], 'n');
    expect(result.stdout).toMatch(/depend on T1\. Remove T1 anyway\?/);
    expect(result.status).toBe(130);
    expect(stateText(repo)).toBe(before);
  });
});
