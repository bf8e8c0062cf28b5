/**
 * `xplan run` end to end: the built binary drives the REAL `claude` binary, which talks to a scripted model server
 * on loopback and really edits, stages and commits in the worktrees.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runXplan, runXplanAsync, writeFiles } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, runConfig } from '../support/run-repo.js';

interface Status {
  run: { id: string; status: string; stop: { message: string; hint: string } | null; base: { commit: string } };
  counts: Record<string, number>;
  tasks: Array<{
    id: string;
    state: string;
    label: string;
    agent: number;
    branch: string;
    worktree: string;
    attempt: number;
    reason: string | null;
    commits: number;
    uncommitted: string[];
    usage: { inputTokens: number; outputTokens: number; costUsd: number; turns: number };
  }>;
  blockers: Array<{ task: string; waitingOn: string[]; next: string }>;
  usage: { inputTokens: number; turns: number };
}

function statusOf(repo: string): Status {
  const result = runXplan(['status', '--json'], { cwd: repo });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Status;
}

function events(repo: string): Array<{ type: string; taskId?: string; [k: string]: unknown }> {
  return readFileSync(join(repo, '.xplan/events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; taskId?: string });
}

let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('xplan run with the real claude binary', () => {
  it('runs a 3-task plan with one dependency at concurrency 2: every task completed, its commit on its own branch', async () => {
    server = await startModelServer((c) => commitSteps(c));
    const repo = approvedRepo(
      [{ title: 'Write the hello file' }, { title: 'Write the world file' }, { title: 'Write the bang file', dependsOn: ['T1'] }],
      runConfig({ verify: 'ls t*.txt', concurrency: 2 }),
    );
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✓ T1 completed · 1 commit on xplan\//);

    const status = statusOf(repo);
    expect(status.run.status).toBe('completed');
    expect(status.counts).toEqual({ completed: 3 });
    const branches = new Set<string>();
    for (const task of status.tasks) {
      expect(task.branch).toMatch(new RegExp(`^xplan/${status.run.id}/agent-${task.agent}-write-the-\\w+-file$`));
      git(repo, ['check-ref-format', '--branch', task.branch]);
      branches.add(task.branch);
      // Exactly the agent's commit, with the task prefix, on top of where the task started (T3: the integration
      // head holding T1's merged work).
      expect(task.commits).toBe(1);
      const start = task.id === 'T3' ? git(repo, ['rev-parse', `${task.branch}~1`]) : status.run.base.commit;
      if (task.id === 'T3') expect(git(repo, ['log', '--format=%s', `${status.run.base.commit}..${start}`])).toContain('[T1] Merge Write the hello file');
      expect(git(repo, ['log', '--format=%s', `${start}..${task.branch}`])).toBe(`[${task.id}] Add ${task.id.toLowerCase()}.txt`);
      expect(git(repo, ['show', `${task.branch}:${task.id.toLowerCase()}.txt`])).toBe(`work of ${task.id}`);
      expect(task.worktree).toContain(`.xplan/worktrees/${status.run.id}/agent-${task.agent}`);
      expect(task.usage.turns).toBe(4);
      expect(task.usage.inputTokens).toBeGreaterThan(0);
    }
    expect(branches.size).toBe(3);
    // T3 started from the integration head, after T1's work was merged there.
    expect(git(repo, ['ls-tree', '--name-only', status.tasks[2]!.branch]).split('\n')).toContain('t1.txt');
    expect(status.usage.turns).toBe(12);

    // Dependency order, two at a time: T1 and T2 start together; T3 only after T1 completed.
    const log = events(repo).map((e) => `${e.type}${e.taskId ? ` ${e.taskId}` : ''}`);
    // T1 and T2 are dispatched in parallel: either may be recorded first.
    expect(log[0]).toBe('run.started');
    expect(log.slice(1, 3).sort()).toEqual(['task.dispatched T1', 'task.dispatched T2']);
    expect(log.indexOf('task.dispatched T3')).toBeGreaterThan(log.indexOf('task.completed T1'));
    expect(log[log.length - 1]).toBe('run.ended');

    // The agent was told the task, the rules and the whole spec.
    const first = server.requests.find((r) => r.taskId === 'T3' && r.turn === 0)!;
    expect(first.prompt).toContain('# Task T3: Write the bang file');
    expect(first.prompt).toContain('Fix the missing greeting files');
    expect(first.prompt).toContain('start with `[T3]`');
    expect(first.prompt).toMatch(/T1 Write the hello file: completed on `xplan\//);
    expect(first.prompt).toContain('`ls t*.txt`');

    // logs renders what the agent did.
    const logs = runXplan(['logs', 'T1'], { cwd: repo });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('→ Bash: git commit -m "[T1] Add t1.txt"');
    expect(logs.stdout).toContain('✓ result: success · 4 turns');
    const raw = runXplan(['logs', 'T1', '--raw'], { cwd: repo });
    expect(
      raw.stdout
        .trim()
        .split('\n')
        .every((line) => JSON.parse(line)),
    ).toBeTruthy();
  }, 120_000);

  it('retries a 429 with backoff, and the task completes on the second attempt', async () => {
    server = await startModelServer((c) => (c.attempt === 1 ? { status: 429 } : commitSteps(c)));
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig({ verify: 'ls t1.txt' }));
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/↻ T1 API Error: Request rejected \(429\)/);
    const [task] = statusOf(repo).tasks;
    expect(task).toMatchObject({ state: 'completed', attempt: 2, agent: 2, commits: 1 });
    const types = events(repo).map((e) => e.type);
    expect(types.filter((t) => t === 'task.retrying')).toHaveLength(1);
    // Each attempt keeps its own transcript.
    expect(runXplan(['logs', 'T1', '--attempt', '1'], { cwd: repo }).stdout).toContain('✗ result: success (429)');
    const followed = await runXplanAsync(['logs', 'T1', '--follow'], { cwd: repo, timeoutMs: 10_000 });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('✓ result: success · 4 turns');
  }, 120_000);

  it('waits out a usage limit until the reset time Claude Code reports, then goes on', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3;
    server = await startModelServer((c) => (c.attempt === 1 ? { status: 429, message: `Claude AI usage limit reached|${reset}` } : commitSteps(c)));
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('⏸ usage limit reached');
    const log = events(repo);
    const waiting = log.find((e) => e.type === 'run.waiting')!;
    expect(waiting.resumeAt).toBe(new Date(reset * 1000).toISOString());
    const resumed = log.find((e) => e.type === 'run.resumed')!;
    expect(Date.parse(String(resumed.at))).toBeGreaterThanOrEqual(reset * 1000);
    // A usage limit is not the task's failure: no retry is spent on it.
    expect(statusOf(repo).tasks[0]).toMatchObject({ state: 'unverified', attempt: 2 });
    expect(log.some((e) => e.type === 'task.retrying')).toBe(false);
  }, 120_000);

  it('stops dispatching when Claude Code is not logged in, and says how to fix it', async () => {
    server = await startModelServer((c) => commitSteps(c));
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file' }], runConfig({ concurrency: 1 }));
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url, { apiKey: false }) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Claude Code is not logged in: no more agents start');
    expect(result.stdout).toContain('log in with /login');
    const status = statusOf(repo);
    expect(status.run.status).toBe('stopped');
    expect(status.run.stop?.message).toBe('Claude Code is not logged in');
    // Not the task's fault: it is ready to run again; the second task never started.
    expect(status.tasks.map((t) => [t.id, t.state, t.attempt])).toEqual([
      ['T1', 'ready', 1],
      ['T2', 'ready', 0],
    ]);
  }, 120_000);

  it('fails a task whose verify command fails in a real shell, naming the command', async () => {
    server = await startModelServer((c) => commitSteps(c));
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig({ verify: 'echo "1 test failed" && exit 3' }));
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code).toBe(1);
    const [task] = statusOf(repo).tasks;
    expect(task).toMatchObject({ label: 'failed: verify', commits: 1 });
    expect(task!.reason).toBe('`echo "1 test failed" && exit 3` exited with 3: 1 test failed');
    expect(existsSync(join(repo, `.xplan/runs/${statusOf(repo).run.id}/agent-1/verify.log`))).toBe(true);
  }, 120_000);

  it('stacked: a task with two dependencies starts from a merge of their branches; a clash between them is caught by the merge queue, naming the file', async () => {
    // T1 and T2 write different files in the clean case; in the conflicting case both write shared.txt.
    const conflicting = new Set<string>();
    server = await startModelServer((c) => commitSteps(c, conflicting.has(c.cwd!.split('/.xplan/')[0]!) && c.taskId !== 'T3' ? { file: 'shared.txt', content: `${c.taskId}\n` } : {}));
    const tasks = [{ title: 'Write the hello file' }, { title: 'Write the world file' }, { title: 'Join them', dependsOn: ['T1', 'T2'] }];
    const repo = approvedRepo(tasks, runConfig({ branching: 'stacked' }));
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const t3 = statusOf(repo).tasks[2]!;
    // T3's branch holds the work of both dependencies and its own.
    expect(git(repo, ['ls-tree', '--name-only', t3.branch]).split('\n')).toEqual(expect.arrayContaining(['t1.txt', 't2.txt', 't3.txt']));

    const clash = approvedRepo(tasks, runConfig({ branching: 'stacked' }));
    conflicting.add(clash);
    const second = await runXplanAsync(['run'], { cwd: clash, env: claudeEnv(server.url) });
    // The clash is caught when the second of T1 and T2 merges into the integration branch; T3 never starts.
    expect(second.code).toBe(1);
    // Whichever of T1 and T2 is merged second conflicts with the first; T3 waits for it.
    const [a, b, join3] = statusOf(clash).tasks;
    const [merged, clashed] = a!.state === 'conflict' ? [b!, a!] : [a!, b!];
    expect(merged.label).toBe('completed: unverified');
    expect(clashed).toMatchObject({ state: 'conflict', reason: `merging into the integration branch conflicts in shared.txt with ${merged.id}` });
    expect(join3).toMatchObject({ id: 'T3', state: 'waiting' });
  }, 120_000);

  it('--only runs the named tasks, and refuses to leave out their dependencies', async () => {
    server = await startModelServer((c) => commitSteps(c));
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file', dependsOn: ['T1'] }, { title: 'Write the bang file' }], runConfig());
    const refused = runXplan(['run', '--only', 'T2'], { cwd: repo });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--only leaves out dependencies of the tasks it names: T1');
    expect(refused.stderr).toContain('--only T2,T1');
    const result = await runXplanAsync(['run', '--only', 'T3'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(statusOf(repo).tasks.map((t) => [t.id, t.state])).toEqual([['T3', 'unverified']]);
  }, 120_000);
});

describe('xplan run refuses what it cannot run, before starting anything', () => {
  it('--dry-run prints waves, branches and worktrees (prompts only when asked for), and starts nothing', () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file', dependsOn: ['T1'] }], runConfig({ verify: 'npm test' }));
    const result = runXplan(['run', '--dry-run'], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Dry run: 2 tasks, 2 at a time, feature branching \(run id like \d{8}-\d{6}\)/);
    expect(result.stdout).toMatch(/Wave 1\n  T1 Write the hello file\n     agent-1 · branch xplan\/\d{8}-\d{6}\/agent-1-write-the-hello-file\n     worktree \.xplan\/worktrees\/\d{8}-\d{6}\/agent-1/);
    expect(result.stdout).toContain('Wave 2\n  T2 Write the world file (after T1)');
    expect(result.stdout).not.toContain('── Prompt of');
    expect(result.stdout).toContain('Prompts: --prompts prints them all, --prompt T1 one.');
    expect(result.stdout.trim().split('\n').length).toBeLessThan(15);
    const one = runXplan(['run', '--dry-run', '--prompt', 'T2'], { cwd: repo });
    expect(one.stdout).toContain('── Prompt of T2');
    expect(one.stdout).not.toContain('── Prompt of T1');
    expect(one.stdout).toContain('Fix the missing greeting files');
    expect(one.stdout).toContain('After your last commit xplan runs `npm test`');
    const all = runXplan(['run', '--dry-run', '--prompts'], { cwd: repo });
    expect(all.stdout).toContain('── Prompt of T1');
    expect(all.stdout).toContain('── Prompt of T2');
    const unknown = runXplan(['run', '--dry-run', '--prompt', 'T9'], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--prompt T9: no such task in this run');
    expect(runXplan(['run', '--prompts'], { cwd: repo }).stderr).toContain('--prompts goes with --dry-run');
    const json = JSON.parse(runXplan(['run', '--dry-run', '--json'], { cwd: repo }).stdout) as { tasks: Array<{ prompt: string }> };
    expect(json.tasks).toHaveLength(2);
    expect(existsSync(join(repo, '.xplan/worktrees'))).toBe(false);
    expect(existsSync(join(repo, '.xplan/events.jsonl'))).toBe(false);
    expect(git(repo, ['branch', '--list', 'xplan/*'])).toBe('');
  });

  it('refuses a missing claude and a draft plan, changing nothing', () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    const state = readFileSync(join(repo, '.xplan/state.json'), 'utf8');

    writeFiles(repo, { '.xplan/config.yaml': runConfig().replace(/command: .*/, 'command: claude-not-installed') });
    const notFound = runXplan(['run'], { cwd: repo });
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toContain('Claude Code was not found: `claude-not-installed` is not on PATH');
    expect(notFound.stderr).toContain('npm install -g @anthropic-ai/claude-code');
    expect(readFileSync(join(repo, '.xplan/state.json'), 'utf8')).toBe(state);

    runXplan(['task', 'set', 'T1', '--title', 'Write the greeting file'], { cwd: repo });
    const draft = runXplan(['run'], { cwd: repo });
    expect(draft.code).toBe(2);
    expect(draft.stderr).toContain('The plan is a draft: only an approved plan runs');
    expect(draft.stderr).toContain('xplan approve');
    expect(existsSync(join(repo, '.xplan/events.jsonl'))).toBe(false);
  });

  it('says when there is no run to show', () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    const status = runXplan(['status'], { cwd: repo });
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('No run has started in this repository');
    expect(runXplan(['logs', 'T1'], { cwd: repo }).stderr).toContain('No run has started');
  });
});
