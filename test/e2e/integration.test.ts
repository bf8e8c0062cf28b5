/**
 * Integration end to end: the built binary drives the REAL `claude` binary against the scripted model server. Each
 * completed task is merged into the run's integration branch, dependents start from that merged work, a conflict is
 * named and remembered for the next plan, `xplan merge` lands the result, `xplan cancel` unlocks the plan, and a
 * kill -9 during the integration verify leaves nothing merged twice.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runXplan, runXplanAsync, startXplan, tempRepo, writeFiles } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, processesUnder, runConfig, waitForEvent } from '../support/run-repo.js';

interface Status {
  run: { id: string; status: string; pauseReason: string | null; base: { commit: string; branch: string } };
  counts: Record<string, number>;
  tasks: Array<{ id: string; state: string; label: string; branch: string; worktree: string; reason: string | null; merge: string | null; diffStat: string | null }>;
  integration: { branch: string; head: string; landed: { into: string; commit: string } | null } | null;
  next: string | null;
}

interface Event {
  type: string;
  taskId?: string;
  [key: string]: unknown;
}

function statusOf(repo: string): Status {
  const result = runXplan(['status', '--json'], { cwd: repo });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Status;
}

function events(repo: string): Event[] {
  const path = join(repo, '.xplan/events.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event);
}

/** The integration worktree, as the run state records it. */
function integrationWorktree(repo: string): string {
  const state = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8')) as { run: { integration: { worktree: string } } };
  return state.run.integration.worktree;
}

const subjects = (repo: string, ref: string) => git(repo, ['log', '--format=%s', ref]).split('\n');
const repoOf = (worktree: string) => worktree.split('/.xplan/')[0]!;

let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('integration with the real claude binary', () => {
  it('a dependent starts from the merged work of its dependencies; the integration branch holds every task, and xplan merge lands it', async () => {
    const seenByT3: string[][] = [];
    server = await startModelServer((c) => {
      if (c.taskId === 'T3' && c.turn === 0) seenByT3.push(git(c.cwd!, ['ls-files']).split('\n'));
      return commitSteps(c);
    });
    const repo = approvedRepo(
      [{ title: 'Write the hello file' }, { title: 'Write the world file' }, { title: 'Write the bang file', dependsOn: ['T1', 'T2'] }, { title: 'Write the note file' }],
      runConfig({ verify: 'ls t*.txt', concurrency: 3 }),
    );
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/⇢ T1 merged into the integration branch \([0-9a-f]{8}\) · 1 file changed, 1 insertion\(\+\)/);

    const status = statusOf(repo);
    expect(status.run.status).toBe('completed');
    expect(status.counts).toEqual({ completed: 4 });
    expect(status.tasks.map((t) => t.merge)).toEqual(['merged', 'merged', 'merged', 'merged']);

    // T3's agent started in a worktree that already held the work of T1 and T2.
    expect(seenByT3[0]).toEqual(expect.arrayContaining(['t1.txt', 't2.txt']));
    const log = events(repo).map((e) => `${e.type} ${e.taskId ?? ''}`.trim());
    expect(log.indexOf('task.dispatched T3')).toBeGreaterThan(log.indexOf('task.merged T1'));
    expect(log.indexOf('task.dispatched T3')).toBeGreaterThan(log.indexOf('task.merged T2'));

    // The integration branch holds every task's commit, each merged once, in a commit that names the task.
    const integration = status.integration!;
    expect(integration.branch).toBe(`xplan/${status.run.id}/integration`);
    expect(git(repo, ['rev-parse', integration.branch])).toBe(integration.head);
    const integrated = subjects(repo, integration.branch);
    for (const id of ['T1', 'T2', 'T3', 'T4']) {
      expect(integrated).toContain(`[${id}] Add ${id.toLowerCase()}.txt`);
      expect(integrated.filter((s) => s.startsWith(`[${id}] Merge`))).toHaveLength(1);
    }
    expect(git(integrationWorktree(repo), ['status', '--porcelain'])).toBe('');
    expect(status.next).toBe(`xplan merge (lands ${integration.branch} on main)`);

    // --dry-run says what would land, and changes nothing.
    const dryRun = runXplan(['merge', '--dry-run'], { cwd: repo });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(
      new RegExp(`^Would land ${integration.branch} \\(4 tasks: T1, T2, T3, T4\\) on main as fast-forward: 8 commits · 4 files changed, 4 insertions\\(\\+\\)\\. Nothing changed\\.`),
    );
    expect(git(repo, ['rev-parse', 'main'])).toBe(status.run.base.commit);

    // A checkout with uncommitted changes is refused, and left as it was.
    writeFileSync(join(repo, 'README.md'), '# app, edited\n');
    const dirty = runXplan(['merge'], { cwd: repo });
    expect(dirty.code).not.toBe(0);
    expect(dirty.stderr).toContain('main is checked out in');
    expect(dirty.stderr).toContain('uncommitted changes (README.md)');
    expect(git(repo, ['rev-parse', 'main'])).toBe(status.run.base.commit);
    git(repo, ['checkout', '--', 'README.md']);

    // xplan merge lands it on the branch the run started from; git agrees.
    const merged = runXplan(['merge'], { cwd: repo });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toContain(`✓ Landed ${integration.branch} (4 tasks: T1, T2, T3, T4) on main as fast-forward`);
    expect(merged.stdout).toContain('Nothing was pushed.');
    expect(git(repo, ['rev-parse', 'main'])).toBe(integration.head);
    expect(git(repo, ['ls-tree', '--name-only', 'main']).split('\n')).toEqual(expect.arrayContaining(['t1.txt', 't2.txt', 't3.txt', 't4.txt']));
    expect(readFileSync(join(repo, 't3.txt'), 'utf8')).toBe('work of T3\n');
    expect(git(repo, ['status', '--porcelain', '--untracked-files=no'])).toBe('');
    expect(statusOf(repo).integration!.landed).toMatchObject({ into: 'main', commit: integration.head });
    expect(runXplan(['merge'], { cwd: repo }).stdout).toContain(`main already has everything in ${integration.branch}`);
  }, 180_000);

  it('a conflict is named and recorded; cancel unlocks the plan, and the re-plan serializes the two tasks, saying why', async () => {
    // Two requirements that both rewrite the first line of one file; the spec does not name the file yet.
    const spec = (file: string) =>
      [
        '# Greeting line',
        '',
        `The app shows one greeting line, kept in ${file}.`,
        '',
        '## Hello part',
        '',
        `- FR-1: The hello part of the greeting goes on the first line of ${file}.`,
        '',
        '## World part',
        '',
        `- FR-2: The world part of the greeting goes on the first line of ${file}.`,
        '',
      ].join('\n');
    const repo = tempRepo();
    git(repo, ['config', 'user.name', 'Test User']);
    git(repo, ['config', 'user.email', 'test@example.com']);
    // Two requirements are enough for a plan of two tasks (not the one-task fast path).
    const config = `${runConfig({ concurrency: 2, run: ['maxConflicts: 1'] })}assess:\n  thresholds:\n    requirements: { single: 1, multi: 60 }\n    effortHours: { single: 1, multi: 120 }\n`;
    writeFiles(repo, { 'spec.md': spec('the greeting file'), 'src/greeting.txt': 'greeting goes here\n', 'README.md': '# app\n', '.xplan/config.yaml': config });
    git(repo, ['add', 'spec.md', 'src/greeting.txt', 'README.md']);
    git(repo, ['commit', '-q', '-m', 'init']);
    expect(runXplan(['plan', 'spec.md', '--yes'], { cwd: repo }).code).toBe(0);
    const first = JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout) as { tasks: Array<{ id: string; dependsOn: string[]; files: string[] }> };
    expect(first.tasks.map((t) => [t.id, t.dependsOn, t.files])).toEqual([
      ['T1', [], []],
      ['T2', [], []],
    ]);
    expect(runXplan(['approve', '--yes'], { cwd: repo }).code).toBe(0);

    // Both agents rewrite the same line; T2 writes its version once T1's is in the integration branch.
    const rewrite = (c: Parameters<typeof commitSteps>[0]) => {
      const path = `${c.cwd}/src/greeting.txt`;
      const line = c.taskId === 'T1' ? 'hello\n' : 'world\n';
      if (readFileSync(path, 'utf8') === line) return commitSteps(c, { file: 'src/greeting.txt', content: line });
      return c.turn === 0 ? { tool: 'Read', input: { file_path: path } } : { tool: 'Write', input: { file_path: path, content: line } };
    };
    server = await startModelServer((c) => {
      const step = rewrite(c);
      return c.taskId === 'T2' && c.turn === 0 ? { ...step, until: () => events(repoOf(c.cwd!)).some((e) => e.type === 'task.merged' && e.taskId === 'T1') } : step;
    });
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    // The run says so as it happens.
    expect(result.stdout).toContain('✗ T2 conflict · merging into the integration branch conflicts in src/greeting.txt with T1 → xplan retry T2');
    expect(result.stdout).toContain('⏸ paused by xplan: too many merge conflicts');

    const status = statusOf(repo);
    const runId = status.run.id;
    expect(status.tasks.map((t) => [t.id, t.state, t.merge])).toEqual([
      ['T1', 'unverified', 'merged'],
      ['T2', 'conflict', 'conflict'],
    ]);
    expect(status.tasks[1]!.reason).toBe('merging into the integration branch conflicts in src/greeting.txt with T1');
    // One conflict is run.maxConflicts here: dispatching paused, with the hot file and the way out named.
    expect(status.run.status).toBe('paused');
    expect(status.run.pauseReason).toContain('in src/greeting.txt: re-plan');
    expect(status.next).toContain('xplan cancel');
    // The aborted merge left nothing behind; the integration branch has T1's line.
    expect(git(integrationWorktree(repo), ['status', '--porcelain'])).toBe('');
    expect(git(repo, ['show', `${status.integration!.branch}:src/greeting.txt`])).toBe('hello');
    const history = readFileSync(join(repo, '.xplan/history/conflicts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(history).toEqual([{ run: runId, tasks: ['T2', 'T1'], files: ['src/greeting.txt'], at: expect.any(String) }]);

    // The plan is locked while the run is paused, and the refusal names the way out.
    const locked = runXplan(['task', 'add', '--title', 'Write the bang part'], { cwd: repo });
    expect(locked.code).toBe(2);
    expect(locked.stderr).toContain('xplan cancel');
    const replanLocked = runXplan(['plan', 'spec.md', '--force'], { cwd: repo });
    expect(replanLocked.code).toBe(2);
    expect(replanLocked.stderr).toContain('xplan cancel');

    // cancel ends the run for good, keeps every branch and worktree, and unlocks the plan.
    const cancelled = runXplan(['cancel'], { cwd: repo });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`Cancelled run ${runId}`);
    const after = statusOf(repo);
    expect(after.run.status).toBe('cancelled');
    for (const task of after.tasks) {
      expect(git(repo, ['rev-parse', '--verify', '--quiet', task.branch])).toMatch(/^[0-9a-f]{40}$/);
      expect(existsSync(task.worktree)).toBe(true);
    }
    expect(git(repo, ['rev-parse', after.integration!.branch])).toBe(after.integration!.head);
    expect(existsSync(integrationWorktree(repo))).toBe(true);
    const added = runXplan(['task', 'add', '--title', 'Write the bang part'], { cwd: repo });
    expect(added.code, added.stderr).toBe(0);

    // The spec now names the file; the re-plan reads the conflict history and puts T2 after T1, saying why.
    writeFileSync(join(repo, 'spec.md'), spec('`src/greeting.txt`'));
    git(repo, ['commit', '-q', '-am', 'name the greeting file']);
    const replanned = runXplan(['plan', 'spec.md', '--force'], { cwd: repo });
    expect(replanned.code, replanned.stderr).toBe(0);
    const reason = `T2 now runs after T1: src/greeting.txt conflicted in run ${runId}`;
    expect(replanned.stdout).toContain(reason);
    const plan = JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout) as {
      tasks: Array<{ id: string; dependsOn: string[]; files: string[] }>;
      warnings: Array<{ code: string; message: string }>;
    };
    expect(plan.tasks.map((t) => [t.id, t.dependsOn, t.files])).toEqual([
      ['T1', [], ['src/greeting.txt']],
      ['T2', ['T1'], ['src/greeting.txt']],
    ]);
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: 'CONFLICT_HISTORY', message: reason }));
  }, 180_000);

  it('kill -9 during the integration verify, then resume: the merge git made is kept and verified again, never made twice, no half-merge left', async () => {
    server = await startModelServer((c) => commitSteps(c));
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig({ run: ['integrationVerify: "sleep 2 && ls t1.txt"'] }));
    const env = claudeEnv(server.url);
    const orchestrator = startXplan(['run'], { cwd: repo, env });
    await waitForEvent(repo, (e) => e.type === 'task.merging', 90_000);
    const worktree = integrationWorktree(repo);
    // Killed once the verify runs on the merged integration worktree.
    const deadline = Date.now() + 30_000;
    while (!processesUnder(worktree).some((p) => p.includes('sleep'))) {
      if (Date.now() > deadline) throw new Error(`the integration verify never started:\n${orchestrator.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    orchestrator.child.kill('SIGKILL');
    await orchestrator.done;

    // The crash left the merge in the integration worktree, and the state says it was under way.
    const state = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8')) as { run: { tasks: { T1: { merge: { state: string; before: string } } } } };
    expect(state.run.tasks.T1.merge.state).toBe('merging');
    expect(git(worktree, ['log', '-1', '--format=%s'])).toMatch(/^\[T1\] Merge/);

    const resumed = await runXplanAsync(['resume'], { cwd: repo, env });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    // The killed xplan's verify was stopped before anything touched the worktree; its merge is recognised, not redone.
    expect(resumed.stdout).toContain('↻ T1 the merge was made before the crash; it is verified and recorded, not made again');
    const status = statusOf(repo);
    expect(status.run.status).toBe('completed');
    expect(status.tasks[0]).toMatchObject({ state: 'unverified', merge: 'merged' });
    const integrated = subjects(repo, status.integration!.branch);
    expect(integrated.filter((s) => s.startsWith('[T1] Merge'))).toHaveLength(1);
    expect(integrated.filter((s) => s === '[T1] Add t1.txt')).toHaveLength(1);
    // Back on the recorded head, clean, and no merge in progress.
    expect(git(worktree, ['rev-parse', 'HEAD'])).toBe(status.integration!.head);
    expect(git(worktree, ['status', '--porcelain'])).toBe('');
    expect(existsSync(resolve(worktree, git(worktree, ['rev-parse', '--git-path', 'MERGE_HEAD'])))).toBe(false);
    const log = events(repo);
    expect(log.filter((e) => e.type === 'task.merge-undone' && e.taskId === 'T1')).toHaveLength(1);
    expect(log.filter((e) => e.type === 'task.merged' && e.taskId === 'T1')).toHaveLength(1);
    // The verify cut short by the kill has ended too.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(processesUnder(repo)).toEqual([]);
  }, 180_000);
});
