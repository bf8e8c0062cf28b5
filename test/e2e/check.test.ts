import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runXplan, tempDir, tempRepo } from '../support/cli.js';

const fixture = (name: string) => join(REPO_ROOT, 'test/fixtures/taskmaster', name);

describe('xplan check', () => {
  it('validates the saved plan and prints its DAG statistics', () => {
    const repo = tempRepo();
    copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'spec.md'));
    expect(runXplan(['plan', '--yes', 'spec.md'], { cwd: repo }).code).toBe(0);
    const result = runXplan(['check'], { cwd: repo });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Checked the saved plan (.xplan/state.json)');
    expect(result.stdout).toMatch(/Tasks\s+\d+ tasks · \d+ dependencies · \d+ roots? · \d+ lea(f|ves)/);
    expect(result.stdout).toMatch(/Critical path\s+T1 → /);
    expect(result.stdout).toContain('Plan is valid.');
  });

  it('reads a plan file (JSON and YAML) and exits 1 with the cycle path', () => {
    const dir = tempDir();
    const tasks = [
      { id: 'T1', title: 'Schema', dependsOn: [] },
      { id: 'T3', title: 'API', dependsOn: ['T1', 'T5'] },
      { id: 'T5', title: 'UI', dependsOn: ['T3'] },
    ];
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ schemaVersion: 1, tasks }));
    const json = runXplan(['check', 'plan.json'], { cwd: dir });
    expect(json.code).toBe(1);
    expect(json.stdout).toContain('CYCLE  cycle: T3 → T5 → T3');
    expect(json.stdout).toContain('1 error.');

    writeFileSync(join(dir, 'plan.yaml'), 'tasks:\n  - id: T1\n    title: Schema\n  - id: T2\n    title: API\n    dependsOn: [T1]\n    effort: XXL\n');
    const yaml = runXplan(['check', '--json', 'plan.yaml'], { cwd: dir });
    expect(yaml.code).toBe(1);
    expect(JSON.parse(yaml.stdout).errors).toEqual([{ code: 'INVALID_FIELD', message: 'tasks.1.effort: expected one of XS, S, M, L, XL (found "XXL")', tasks: [] }]);
  });

  it('detects and checks a task-master tasks.json (tagged format)', () => {
    const result = runXplan(['check', '--json', fixture('tagged-tasks.json')], { cwd: tempDir() });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.source).toMatchObject({ kind: 'file', format: 'taskmaster' });
    expect(report.stats).toMatchObject({ tasks: 10, edges: 13, roots: 1, leaves: 3, waves: 5 });
    expect(report.stats.criticalPath).toEqual(['T1', 'T2', 'T5', 'T6', 'T8']);
  });

  it('reads another tag with --tag and reports cycles and dangling references in a legacy file', () => {
    expect(JSON.parse(runXplan(['check', '--json', '--tag', 'feature-ui', fixture('tagged-tasks.json')], { cwd: tempDir() }).stdout).stats.tasks).toBe(1);
    const result = runXplan(['check', fixture('legacy-cycle.json')], { cwd: tempDir() });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/task-master tasks\.json/);
    expect(result.stdout).toMatch(/CYCLE\s+cycle: T2 → T4 → T3 → T2/);
    expect(result.stdout).toContain('DANGLING_REF  T5 depends on T9, which does not exist');
  });

  it('refuses a missing file, a directory and invalid JSON with the position', () => {
    const dir = tempDir();
    const missing = runXplan(['check', 'nope.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Plan file not found: nope\.json/);
    writeFileSync(join(dir, 'bad.json'), '{\n  "tasks": [\n    { "id": "T1", }\n  ]\n}\n');
    const bad = runXplan(['check', 'bad.json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json:3:\d+ is not valid JSON/);
    const dirResult = runXplan(['check', '.'], { cwd: dir });
    expect(dirResult.stderr).toMatch(/is a directory, not a plan file/);
  });

  it('says how to get a plan when none is saved', () => {
    const result = runXplan(['check'], { cwd: tempRepo() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no saved plan to check/);
  });
});
