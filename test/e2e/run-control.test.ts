/**
 * Steering a run with the real claude binary against the scripted model server: pause, pause --now, Ctrl-C,
 * resume, retry, skip, done, stalled agents, and other terminals writing while the run does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runXplan, runXplanAsync, startXplan } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, processesUnder, runConfig, waitForEvent } from '../support/run-repo.js';

interface Status {
  run: { id: string; status: string; orphaned: boolean };
  tasks: Array<{ id: string; state: string; label: string; agent: number; branch: string; attempt: number; reason: string | null }>;
  blockers: Array<{ task: string; waitingOn: string[]; next: string }>;
}

function statusOf(repo: string): Status {
  const result = runXplan(['status', '--json'], { cwd: repo });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Status;
}

const states = (repo: string) => Object.fromEntries(statusOf(repo).tasks.map((t) => [t.id, t.state]));

function eventTypes(repo: string): string[] {
  return readFileSync(join(repo, '.xplan/events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; taskId?: string })
    .map((e) => `${e.type}${e.taskId ? ` ${e.taskId}` : ''}`);
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const three = [{ title: 'Write the hello file' }, { title: 'Write the world file' }, { title: 'Write the bang file' }];

describe('pause and resume', () => {
  it('pause lets running agents finish and starts no new one; a second run is refused meanwhile; resume completes the run', async () => {
    server = await startModelServer((c) => ({ ...commitSteps(c), ...(c.turn === 0 ? { delayMs: 1500 } : {}) }));
    const repo = approvedRepo(three, runConfig({ concurrency: 2 }));
    const env = claudeEnv(server.url);
    const orchestrator = startXplan(['run'], { cwd: repo, env });
    await waitForEvent(repo, (e) => e.type === 'task.dispatched' && e.taskId === 'T2');

    const second = runXplan(['run'], { cwd: repo, env });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`Another xplan drives run ${statusOf(repo).run.id} in this repository \\(pid ${orchestrator.child.pid} on .+, since `));

    const pause = runXplan(['pause'], { cwd: repo });
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stdout).toContain('running agents finish their tasks, no new ones start');
    expect(pause.stdout).toContain('picks this up by itself');
    const result = await orchestrator.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // The running screen says the pause made from the other terminal.
    expect(result.stdout).toMatch(/⏸ paused by .+: running agents finish their tasks, no new ones start\n/);
    expect(statusOf(repo).run.status).toBe('paused');
    expect(states(repo)).toEqual({ T1: 'unverified', T2: 'unverified', T3: 'ready' });
    expect(processesUnder(repo)).toEqual([]);
    expect(runXplan(['clean'], { cwd: repo }).stdout).toContain(`Left run ${statusOf(repo).run.id} alone: the run is paused.`);

    const resumed = await runXplanAsync(['resume'], { cwd: repo, env });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(states(repo)).toEqual({ T1: 'unverified', T2: 'unverified', T3: 'unverified' });
    expect(statusOf(repo).run.status).toBe('completed');
    expect(runXplan(['resume'], { cwd: repo }).stderr).toContain('is completed: there is nothing to resume');
  }, 120_000);

  it('pause --now stops the agents, leaves no process behind, and resume continues their sessions with claude --resume', async () => {
    let slow = true;
    // The agents write their file, then wait on the model before staging it: they are mid-session when stopped.
    server = await startModelServer((c) => ({ ...commitSteps(c), ...(c.turn === 1 && slow ? { delayMs: 30_000 } : {}) }));
    const repo = approvedRepo(three.slice(0, 2), runConfig({ concurrency: 2 }));
    const env = claudeEnv(server.url);
    const orchestrator = startXplan(['run'], { cwd: repo, env });
    await until(() => ['T1', 'T2'].every((id) => server!.requests.some((r) => r.taskId === id && r.turn === 1)));

    const pause = runXplan(['pause', '--now'], { cwd: repo });
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stdout).toContain('stopped 2 agents (T1, T2: interrupted)');
    const result = await orchestrator.done;
    expect(result.code).toBe(0);
    expect(states(repo)).toEqual({ T1: 'interrupted', T2: 'interrupted' });
    expect(processesUnder(repo)).toEqual([]);
    expect(statusOf(repo).blockers.map((b) => b.task)).toEqual(['T1', 'T2']);

    slow = false;
    const before = server.requests.length;
    const resumed = await runXplanAsync(['resume'], { cwd: repo, env });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('▶ T1 agent-1 continues in its worktree (claude --resume)');
    // The resumed sessions carry the earlier conversation: their first request is past turn 0.
    const after = server.requests.slice(before);
    for (const id of ['T1', 'T2']) expect(Math.min(...after.filter((r) => r.taskId === id).map((r) => r.turn))).toBeGreaterThan(0);
    const status = statusOf(repo);
    expect(status.tasks.map((t) => [t.id, t.state, t.attempt, t.agent])).toEqual([
      ['T1', 'unverified', 1, 1],
      ['T2', 'unverified', 1, 2],
    ]);
    expect(git(repo, ['log', '--format=%s', '-1', status.tasks[0]!.branch])).toBe('[T1] Add t1.txt');
  }, 120_000);

  it('Ctrl-C pauses the run; a second Ctrl-C stops the agents; xplan exits 130 and leaves nothing running', async () => {
    server = await startModelServer((c) => ({ ...commitSteps(c), ...(c.turn === 1 ? { delayMs: 30_000 } : {}) }));
    const repo = approvedRepo(three, runConfig({ concurrency: 2 }));
    const orchestrator = startXplan(['run'], { cwd: repo, env: claudeEnv(server.url) });
    await until(() => server!.requests.filter((r) => r.turn === 1).length === 2);
    orchestrator.child.kill('SIGINT');
    await until(() => orchestrator.output().includes('paused by Ctrl-C'));
    expect(orchestrator.output()).toContain('Ctrl-C again stops them now');
    orchestrator.child.kill('SIGINT');
    const result = await orchestrator.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('paused by a second Ctrl-C: agents stopped (T1, T2 interrupted)');
    expect(states(repo)).toEqual({ T1: 'interrupted', T2: 'interrupted', T3: 'ready' });
    expect(processesUnder(repo)).toEqual([]);
  }, 120_000);

  it('SIGTERM (a cancelled CI job, timeout) is pause --now: agents stopped, run paused, exit 143, nothing left running', async () => {
    server = await startModelServer((c) => ({ ...commitSteps(c), ...(c.turn === 1 ? { delayMs: 30_000 } : {}) }));
    const repo = approvedRepo(three, runConfig({ concurrency: 2 }));
    const orchestrator = startXplan(['run'], { cwd: repo, env: claudeEnv(server.url) });
    await until(() => server!.requests.filter((r) => r.turn === 1).length === 2);
    orchestrator.child.kill('SIGTERM');
    const result = await orchestrator.done;
    expect(result.code, result.stderr).toBe(143);
    expect(result.stdout).toContain('paused by SIGTERM: agents stopped (T1, T2 interrupted)');
    expect(states(repo)).toEqual({ T1: 'interrupted', T2: 'interrupted', T3: 'ready' });
    expect(statusOf(repo).run.status).toBe('paused');
    expect(processesUnder(repo)).toEqual([]);
  }, 120_000);
});

describe('retry, skip and done', () => {
  it('a failed task retried with context runs again as a new agent on a new branch; skip holds dependents; done releases them', async () => {
    // T1 forgets to commit the first time; T2 never commits; T3 works.
    server = await startModelServer((c) => {
      if ((c.taskId === 'T1' && c.attempt === 1) || c.taskId === 'T2') return c.turn === 0 ? { tool: 'Write', input: { file_path: `${c.cwd}/draft.txt`, content: 'draft\n' } } : { text: 'Done.' };
      return commitSteps(c);
    });
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file', dependsOn: ['T1'] }, { title: 'Write the bang file', dependsOn: ['T2'] }], runConfig());
    const env = claudeEnv(server.url);
    expect((await runXplanAsync(['run'], { cwd: repo, env })).code).toBe(1);
    expect(states(repo)).toEqual({ T1: 'failed', T2: 'waiting', T3: 'waiting' });

    expect(runXplan(['retry', 'T2'], { cwd: repo }).stderr).toContain('T2 is waiting: only a failed, blocked, conflicting, interrupted, skipped, unverified or held task can be retried');
    // Nothing drives the run: retry continues it at once, and it ends again with T2 failed.
    const retry = await runXplanAsync(['retry', 'T1', '--context', 'Commit your work with git this time.'], { cwd: repo, env });
    expect(retry.code, retry.stdout + retry.stderr).toBe(1);
    expect(retry.stdout).toContain('T1 will run again as a new attempt continuing from its last branch, with your context added to its prompt');
    expect(retry.stdout).not.toContain('Continue the run with');
    expect(retry.stdout).toMatch(/▶ T1 agent-2/);
    let status = statusOf(repo);
    expect(status.tasks.map((t) => [t.id, t.label, t.attempt])).toEqual([
      ['T1', 'completed: unverified', 2],
      ['T2', 'failed: no commits', 1],
      ['T3', 'waiting', 0],
    ]);
    const t1 = server.requests.find((r) => r.taskId === 'T1' && r.attempt === 2 && r.turn === 0)!;
    expect(t1.prompt).toContain('Commit your work with git this time.');
    expect(t1.prompt).toContain('An earlier attempt at this task (agent-1) ended: the agent made no commits');
    // The second attempt is a new agent on a new branch that starts where the first one stopped.
    expect(status.tasks[0]).toMatchObject({ agent: 2 });
    expect(status.tasks[0]!.branch).toMatch(/\/agent-2-write-the-hello-file$/);

    const skip = runXplan(['skip', 'T2', '--reason', 'not needed yet'], { cwd: repo });
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stdout).toContain('Its dependents stay blocked (--cascade skips them too)');
    status = statusOf(repo);
    expect(status.tasks[1]).toMatchObject({ state: 'skipped', reason: 'not needed yet' });
    expect(status.blockers).toContainEqual({ task: 'T3', waitingOn: ['T2'], next: 'T2 was skipped: xplan retry T2, or xplan done T2 --reason "…", or xplan skip T3' });

    const done = await runXplanAsync(['done', 'T2', '--reason', 'built by hand on main'], { cwd: repo, env });
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toContain('T2 is completed by hand; its dependents are released.');
    expect(statusOf(repo).tasks[1]).toMatchObject({ label: 'completed: by hand', reason: 'done by hand: built by hand on main' });
    expect(statusOf(repo).run.status).toBe('completed');
    const log = eventTypes(repo);
    expect(log).toEqual(expect.arrayContaining(['task.retry T1', 'task.skipped T2', 'task.done T2', 'task.completed T3']));
    expect(runXplan(['done', 'T9', '--reason', 'x'], { cwd: repo }).stderr).toContain('Task T9 is not part of run');
    expect(runXplan(['skip', 'T3', '--cascade'], { cwd: repo }).stderr).toContain('T3 is unverified: there is nothing to skip');
  }, 180_000);
});

describe('the running screen', () => {
  it('says a cancel made from another terminal as it happens', async () => {
    server = await startModelServer((c) => ({ ...commitSteps(c), ...(c.turn === 0 ? { delayMs: 1500 } : {}) }));
    const repo = approvedRepo(three.slice(0, 1), runConfig());
    const orchestrator = startXplan(['run'], { cwd: repo, env: claudeEnv(server.url) });
    await waitForEvent(repo, (e) => e.type === 'task.dispatched');
    const cancel = runXplan(['cancel'], { cwd: repo });
    expect(cancel.code, cancel.stderr).toBe(0);
    const result = await orchestrator.done;
    expect(result.stdout).toMatch(/■ cancelled by .+: agents stopped \(T1 interrupted\); branches and worktrees are kept\n/);
    expect(statusOf(repo).run.status).toBe('cancelled');
    expect(processesUnder(repo)).toEqual([]);
  }, 120_000);
});

describe('one step per action', () => {
  it('retry --no-resume only queues (the run is not shown paused); a plain retry continues the idle run to completion', async () => {
    // Both tasks forget to commit on their first attempt.
    server = await startModelServer((c) => (c.attempt === 1 ? (c.turn === 0 ? { tool: 'Write', input: { file_path: `${c.cwd}/draft.txt`, content: 'draft\n' } } : { text: 'Done.' }) : commitSteps(c)));
    const repo = approvedRepo(three.slice(0, 2), runConfig({ concurrency: 2 }));
    const env = claudeEnv(server.url);
    expect((await runXplanAsync(['run'], { cwd: repo, env })).code).toBe(1);
    expect(states(repo)).toEqual({ T1: 'failed', T2: 'failed' });

    const queued = await runXplanAsync(['retry', 'T1', '--no-resume'], { cwd: repo, env });
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toContain('Continue the run with `xplan resume`');
    expect(server.requests.some((r) => r.attempt === 2)).toBe(false);
    const waiting = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as Status & { next: string };
    expect(waiting.run).toMatchObject({ status: 'running', orphaned: true });
    expect(waiting.next).toBe('xplan resume');
    expect(runXplan(['status'], { cwd: repo }).stdout).not.toContain('paused');

    const retry = await runXplanAsync(['retry', 'T2'], { cwd: repo, env });
    expect(retry.code, retry.stdout + retry.stderr).toBe(0);
    expect(retry.stdout).toContain('T2 will run again as a new attempt');
    expect(retry.stdout).toMatch(/· completed ·/);
    expect(states(repo)).toEqual({ T1: 'unverified', T2: 'unverified' });
    expect(statusOf(repo).run.status).toBe('completed');
    expect(processesUnder(repo)).toEqual([]);
  }, 120_000);
});

describe('agents that hang', () => {
  it('an agent that prints nothing is stopped as stalled, tried once more, then failed, with nothing left running', async () => {
    server = await startModelServer(() => ({ hang: true }));
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig({ run: ['stallMinutes: 0.05'] }));
    const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('↻ T1 the agent printed nothing for 0.05 min; trying once more');
    expect(result.stdout).toContain('✗ T1 failed: stalled · the agent printed nothing for 0.05 min, twice');
    expect(statusOf(repo).tasks[0]).toMatchObject({ label: 'failed: stalled', attempt: 2 });
    expect(processesUnder(repo)).toEqual([]);
  }, 120_000);
});

describe('an agent supervisor killed by SIGKILL', () => {
  it('is reported as such, its Claude Code is stopped, and nothing is left running', async () => {
    server = await startModelServer((c) => ({ ...commitSteps(c), ...(c.turn === 1 ? { delayMs: 30_000 } : {}) }));
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    const orchestrator = startXplan(['run'], { cwd: repo, env: claudeEnv(server.url) });
    await until(() => server!.requests.some((r) => r.turn === 1));
    const pidFile = join(repo, '.xplan/runs', statusOf(repo).run.id, 'agent-1/pid.json');
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { supervisor: number; agent: number };
    process.kill(pids.supervisor, 'SIGKILL');
    const result = await orchestrator.done;
    expect(result.code).toBe(1);
    const reason = `the agent's supervisor (pid ${pids.supervisor}) was killed (SIGKILL, or it crashed) before it could record how Claude Code ended; its Claude Code was still running and was stopped`;
    expect(statusOf(repo).tasks[0]).toMatchObject({ label: 'failed: crash', reason });
    expect(result.stdout).not.toContain('Claude Code was killed');
    expect(() => process.kill(pids.agent, 0)).toThrow();
    expect(processesUnder(repo)).toEqual([]);
  }, 120_000);
});

describe('status --watch', () => {
  it('follows a run from another terminal until it ends, printing each change', async () => {
    server = await startModelServer((c) => ({ ...commitSteps(c), ...(c.turn === 0 ? { delayMs: 1200 } : {}) }));
    const repo = approvedRepo(three.slice(0, 2), runConfig({ concurrency: 1 }));
    const orchestrator = startXplan(['run'], { cwd: repo, env: claudeEnv(server.url) });
    await waitForEvent(repo, (e) => e.type === 'task.dispatched');
    const watch = await runXplanAsync(['status', '--watch'], { cwd: repo, timeoutMs: 60_000 });
    expect((await orchestrator.done).code).toBe(0);
    expect(watch.code, watch.stderr).toBe(0);
    // Frames while it ran, then the final state.
    expect(watch.stdout).toContain('· running ·');
    expect(watch.stdout).toMatch(/0\/2 done · 1 running · 1 ready/);
    expect(watch.stdout.trimEnd()).toMatch(/· completed ·[\s\S]*2\/2 done · 2 unverified[\s\S]*Usage: [^\n]+$/);
  }, 120_000);
});

describe('other terminals while the run writes', () => {
  it('status and skip from other processes during a run are safe: every command answers, nothing is lost', async () => {
    server = await startModelServer((c) => ({ ...commitSteps(c), delayMs: 100 }));
    const tasks = Array.from({ length: 6 }, (_, i) => ({ title: `Write file number ${i + 1}` }));
    const repo = approvedRepo(tasks, runConfig({ concurrency: 3 }));
    const orchestrator = startXplan(['run'], { cwd: repo, env: claudeEnv(server.url) });
    await waitForEvent(repo, (e) => e.type === 'task.dispatched');
    const readers = await Promise.all(Array.from({ length: 8 }, () => runXplanAsync(['status', '--json'], { cwd: repo })));
    const skip = await runXplanAsync(['skip', 'T6', '--reason', 'later'], { cwd: repo });
    for (const reader of readers) {
      expect(reader.code, reader.stderr).toBe(0);
      expect(JSON.parse(reader.stdout)).toHaveProperty('run.status', 'running');
    }
    expect(skip.code, skip.stderr).toBe(0);
    const result = await orchestrator.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(states(repo)).toEqual({ T1: 'unverified', T2: 'unverified', T3: 'unverified', T4: 'unverified', T5: 'unverified', T6: 'skipped' });
    const log = eventTypes(repo);
    expect(log.filter((e) => e.startsWith('task.completed'))).toHaveLength(5);
    expect(log).toContain('task.skipped T6');
  }, 120_000);
});
