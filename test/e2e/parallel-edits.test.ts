/** Scripted plan edits from many terminals at once: each lands, none is refused for a revision another one wrote. */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT, runXplan, runXplanAsync, tempRepo } from '../support/cli.js';

it('20 parallel `xplan task add` all land, each with its own id', async () => {
  const repo = tempRepo();
  copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'spec.md'));
  expect(runXplan(['plan', '--yes', 'spec.md'], { cwd: repo }).code).toBe(0);
  const before = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8')).plan.tasks.length as number;

  const titles = Array.from({ length: 20 }, (_, i) => `Parallel task ${i + 1}`);
  const results = await Promise.all(titles.map((title) => runXplanAsync(['task', 'add', '--title', title], { cwd: repo, timeoutMs: 60_000 })));
  for (const result of results) expect(result.code, result.stderr).toBe(0);

  const tasks = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8')).plan.tasks as Array<{ id: string; title: string }>;
  expect(tasks).toHaveLength(before + 20);
  expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
  expect(tasks.map((t) => t.title)).toEqual(expect.arrayContaining(titles));
}, 90_000);
