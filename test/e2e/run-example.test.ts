/** The README's example, planned, approved and run end to end with the real claude against the scripted model. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT, runXplan, runXplanAsync, tempRepo, writeFiles } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { claudeEnv, git, runConfig } from '../support/run-repo.js';

it('runs the README example: every task of the plan completed and verified on its own branch', async () => {
  const server = await startModelServer((c) => commitSteps(c));
  try {
    const repo = tempRepo();
    git(repo, ['config', 'user.name', 'Test User']);
    git(repo, ['config', 'user.email', 'test@example.com']);
    mkdirSync(join(repo, 'specs'));
    copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'specs/bookmarks-api.md'));
    writeFiles(repo, { '.xplan/config.yaml': runConfig({ verify: 'git log -1 --format=%s | grep -q "^\\[T"', concurrency: 3 }) });
    git(repo, ['add', 'specs']);
    git(repo, ['commit', '-q', '-m', 'spec']);
    expect(runXplan(['plan', 'specs/bookmarks-api.md', '--yes'], { cwd: repo }).code).toBe(0);
    expect(runXplan(['approve', '--yes'], { cwd: repo }).code).toBe(0);

    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const status = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as {
      run: { status: string };
      total: number;
      counts: Record<string, number>;
      tasks: Array<{ id: string; branch: string }>;
    };
    expect(status.run.status).toBe('completed');
    expect(status.total).toBeGreaterThan(3);
    expect(status.counts).toEqual({ completed: status.total });
    for (const task of status.tasks) expect(git(repo, ['log', '-1', '--format=%s', task.branch])).toMatch(new RegExp(`^\\[${task.id}\\] `));
  } finally {
    await server.close();
  }
}, 180_000);
