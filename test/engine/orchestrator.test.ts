/**
 * The run engine in-process: real git, fake agents, a fake verifier and a virtual clock. Each test is a whole run
 * and takes a fraction of a second.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pause } from '../../src/commands/pause.js';
import { retry } from '../../src/commands/retry.js';
import { startAgentMailServer } from '../support/agent-mail-server.mjs';
import { gitVcs } from '../../src/adapters/tools/git.js';
import { skip } from '../../src/commands/skip.js';
import { git } from '../support/fake-ports.js';
import { commitsOwnFile, eventsOf, harness } from '../support/run-harness.js';

describe('run engine, in-process', () => {
  it('dispatches in dependency order, N at a time, and completes every task with its commit on its own branch', async () => {
    const h = harness({ tasks: { T1: [], T2: [], T3: ['T1'], T4: ['T2', 'T3'] }, runConfig: ['concurrency: 2'] });
    const { status } = await h.start();
    expect(status.run.status).toBe('completed');
    expect(status.tasks.map((t) => [t.id, t.label])).toEqual([
      ['T1', 'completed'],
      ['T2', 'completed'],
      ['T3', 'completed'],
      ['T4', 'completed'],
    ]);
    const order = h.agents.tasksInOrder();
    expect(order.indexOf('T3')).toBeGreaterThan(order.indexOf('T1'));
    expect(order.indexOf('T4')).toBeGreaterThan(Math.max(order.indexOf('T2'), order.indexOf('T3')));
    expect(h.agents.maxConcurrent()).toBe(2);
    for (const task of status.tasks) {
      expect(git(h.repo, ['log', '--format=%s', '-1', task.branch!])).toBe(`[${task.id}] write ${task.id.toLowerCase()}.txt`);
    }
    // Each task verified in its worktree, then again on the integration branch after its merge.
    expect(h.verifier.calls.filter((c) => c.cwd.endsWith('/integration'))).toHaveLength(4);
    expect(h.verifier.calls).toHaveLength(8);
  });

  it('retries a transient API error with backoff, then completes', async () => {
    const h = harness({ tasks: { T1: [] }, script: (id, attempt) => (attempt === 1 ? { result: '429' } : commitsOwnFile(id)) });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', attempt: 2 });
    const [first, second] = h.agents.started;
    expect(second!.startedAt - first!.endedAt!).toBeGreaterThanOrEqual(1000); // run.backoffSeconds: 1
  });

  it('gives up after run.retries transient errors: failed: transient', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] }, runConfig: ['retries: 1'], script: () => ({ result: '429' }) });
    const { status } = await h.start();
    expect(status.run.status).toBe('failed');
    expect(status.tasks.map((t) => t.label)).toEqual(['failed: transient', 'waiting']);
    expect(h.agents.started).toHaveLength(2);
  });

  it('waits out a usage limit until its reset, then goes on', async () => {
    const h = harness({ tasks: { T1: [] }, script: (id, attempt) => (attempt === 1 ? { result: 'usage-limit' } : commitsOwnFile(id)) });
    const { status } = await h.start();
    expect(status.tasks[0]!.label).toBe('completed');
    const [waiting] = eventsOf(h.events, 'run.waiting');
    const second = h.agents.started[1]!;
    expect(second.startedAt).toBeGreaterThanOrEqual(Date.parse(String(waiting!.resumeAt)));
  });

  it('stops dispatching when Claude Code is not logged in, and names the fix', async () => {
    const h = harness({ tasks: { T1: [], T2: [] }, runConfig: ['concurrency: 1'], script: () => ({ result: 'not-logged-in' }) });
    const { status } = await h.start();
    expect(status.run.status).toBe('stopped');
    expect(status.run.stop?.hint).toMatch(/login/);
    expect(h.agents.started).toHaveLength(1);
  });

  it('fails a task that made no commits, naming what it left uncommitted; its dependent waits', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] }, script: () => ({ leaves: { 'draft.txt': 'x' } }) });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'failed: no commits', uncommitted: ['draft.txt'] });
    expect(status.tasks[1]!.state).toBe('waiting');
    expect(status.blockers.map((b) => [b.task, b.waitingOn])).toEqual([
      ['T1', ['T1']],
      ['T2', ['T1']],
    ]);
  });

  it('skip --cascade skips the task and every dependent, and the run is over', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'], T3: ['T2'] }, script: () => ({ leaves: { 'draft.txt': 'x' } }) });
    expect((await h.start()).status.run.status).toBe('failed');
    const result = await skip({ taskId: 'T1', cascade: true }, h.ws);
    expect(result.message).toBe('Skipped T1, T2, T3.');
    const state = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(Object.values(state.run.tasks).map((t) => (t as { state: string }).state)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(state.run.status).toBe('completed');
  });

  it('fails a task whose verify fails, keeping the output in verify.log; without verify a task is unverified', async () => {
    const h = harness({ tasks: { T1: [] }, verify: () => ({ exitCode: 1, output: 'FAIL add.test.js\n1 failed' }) });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'failed: verify', reason: '`npm test` exited with 1: 1 failed' });
    const failed = eventsOf(h.events, 'task.failed')[0]!;
    expect(readFileSync(join(h.repo, String(failed.log)), 'utf8')).toContain('FAIL add.test.js');

    const unverified = harness({ tasks: { T1: [] }, runConfig: ['verify: null'] });
    expect((await unverified.start()).status.tasks[0]!.label).toBe('completed: unverified');
  });

  it('stops an agent past its time limit, tries once more, then fails it: failed: timeout', async () => {
    const h = harness({ tasks: { T1: [] }, runConfig: ['timeoutMinutes: { XS: 1, S: 1, M: 1, L: 1, XL: 1 }', 'stallMinutes: 60'], script: () => ({ hang: true }) });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'failed: timeout', attempt: 2 });
    expect(h.agents.started.every((a) => a.stopped)).toBe(true);
  });

  it('stops an agent that prints nothing for run.stallMinutes: failed: stalled', async () => {
    const h = harness({ tasks: { T1: [] }, runConfig: ['stallMinutes: 2'], script: () => ({ hang: true }) });
    const { status } = await h.start();
    expect(status.tasks[0]!.label).toBe('failed: stalled');
  });

  it('pause from another terminal: running agents finish, nothing new starts; resume completes the run', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] } });
    let paused = false;
    const running = h.start({
      onEvent: (e) => {
        h.events.push(e);
        if (e.type === 'task.dispatched' && !paused) {
          paused = true;
          void pause({ now: false }, h.ws);
        }
      },
    });
    const first = await running;
    expect(first.status.run.status).toBe('paused');
    expect(first.status.tasks.map((t) => t.state)).toEqual(['completed', 'ready']);
    const second = await h.resume();
    expect(second.status.run.status).toBe('completed');
    expect(h.agents.tasksInOrder()).toEqual(['T1', 'T2']);
  });

  it('a crash while agents work loses nothing: resume adopts the live agent and settles the one that ended meanwhile', async () => {
    const h = harness({ tasks: { T1: [], T2: [] }, script: (id) => ({ ...commitsOwnFile(id), durationMs: id === 'T1' ? 1000 : 5000 }) });
    // The engine dies once both agents are running (as with kill -9 between two loop turns).
    let turns = 0;
    const sleep = h.clock.sleep.bind(h.clock);
    h.clock.sleep = (ms) => (h.agents.started.length === 2 && ++turns > 3 ? Promise.reject(new Error('killed')) : sleep(ms));
    await expect(h.start()).rejects.toThrow('killed');
    h.clock.sleep = sleep;
    h.clock.advance(2000); // T1's agent ends while nothing watches
    const { status } = await h.resume();
    expect(status.tasks.map((t) => t.label)).toEqual(['completed', 'completed']);
    expect(h.agents.started).toHaveLength(2); // adopted, never started twice
    expect(eventsOf(h.events, 'task.completed')).toHaveLength(2);
  });

  it('a crash between recording a dispatch and starting its agent: resume starts that agent exactly once', async () => {
    const h = harness({ tasks: { T1: [] } });
    const spawn = h.agents.spawn.bind(h.agents);
    h.agents.spawn = () => {
      throw new Error('killed before the agent started');
    };
    await expect(h.start()).rejects.toThrow('killed before the agent started');
    const state = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(state.run.tasks.T1.state).toBe('running');
    h.agents.spawn = spawn;
    const { status } = await h.resume();
    expect(status.tasks[0]!.label).toBe('completed');
    expect(h.agents.started).toHaveLength(1);
  });

  it('an agent that died unseen is continued in place with claude --resume', async () => {
    const h = harness({ tasks: { T1: [] }, script: (id, attempt) => (attempt === 1 ? { hang: true } : commitsOwnFile(id)) });
    let turns = 0;
    const sleep = h.clock.sleep.bind(h.clock);
    h.clock.sleep = (ms) => (h.agents.started.length === 1 && ++turns > 3 ? Promise.reject(new Error('killed')) : sleep(ms));
    await expect(h.start()).rejects.toThrow('killed');
    h.clock.sleep = sleep;
    // The agent's process is gone without an exit record (its supervisor was killed too).
    const first = h.agents.started[0]!;
    (h.agents as unknown as { live: Set<number> }).live.delete(first.pid);
    const { status } = await h.resume();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', agent: 1 });
    expect(h.agents.started[1]).toMatchObject({ resumed: true, dir: first.dir });
    expect(existsSync(join(first.dir, 'pid.json.1'))).toBe(true);
  });
});

describe('integration: the merge queue, in-process', () => {
  const integrationLog = (h: { repo: string }, branch: string) => git(h.repo, ['log', '--format=%s', branch]).split('\n');

  it('merges each completed task into the integration branch; a dependent starts from the merged work of its dependencies', async () => {
    const seen: Record<string, string[]> = {};
    const h = harness({
      tasks: { T1: [], T2: [], T3: ['T1', 'T2'], T4: [] },
      script: (id) => {
        return { ...commitsOwnFile(id), durationMs: 1000 };
      },
    });
    const spawn = h.agents.spawn.bind(h.agents);
    h.agents.spawn = (dir, cwd) => {
      seen[cwd] = git(cwd, ['ls-files']).split('\n');
      return spawn(dir, cwd);
    };
    const { status } = await h.start();
    expect(status.run.status).toBe('completed');
    const t3 = status.tasks.find((t) => t.id === 'T3')!;
    expect(seen[t3.worktree!]).toEqual(expect.arrayContaining(['t1.txt', 't2.txt']));
    const state = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    const integration = state.run.integration;
    expect(integration.branch).toBe(`xplan/${status.run.id}/integration`);
    const subjects = integrationLog(h, integration.branch);
    for (const id of ['T1', 'T2', 'T3', 'T4']) {
      expect(subjects).toContain(`[${id}] write ${id.toLowerCase()}.txt`);
      expect(subjects.filter((s) => s.startsWith(`[${id}] Merge`))).toHaveLength(1);
    }
    expect(git(h.repo, ['rev-parse', integration.branch])).toBe(integration.head);
    expect(state.run.tasks.T3.merge).toMatchObject({ state: 'merged', diffStat: expect.stringContaining('1 file changed') });
  });

  it('a conflict aborts the merge, marks the task conflict with the files and the task it clashes with, and records it; retry runs it from the integration head', async () => {
    const h = harness({
      tasks: { T1: [], T2: [], T3: ['T2'] },
      runConfig: ['concurrency: 2'],
      script: (id, attempt) => ({ durationMs: id === 'T1' ? 1000 : 3000, commits: id === 'T3' ? { 't3.txt': 'x' } : { 'shared.txt': `${id} attempt ${attempt}\n` } }),
    });
    const first = await h.start();
    const t2 = first.status.tasks.find((t) => t.id === 'T2')!;
    expect(t2.state).toBe('conflict');
    expect(t2.reason).toBe('merging into the integration branch conflicts in shared.txt with T1');
    expect(first.status.tasks.find((t) => t.id === 'T3')!.state).toBe('waiting');
    const history = readFileSync(join(h.repo, '.xplan/history/conflicts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(history).toEqual([expect.objectContaining({ run: first.status.run.id, tasks: ['T2', 'T1'], files: ['shared.txt'] })]);
    const state = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(git(state.run.integration.worktree, ['status', '--porcelain'])).toBe('');

    await retry({ taskId: 'T2', fresh: false }, h.ws);
    const second = await h.resume();
    expect(second.status.tasks.map((t) => t.label)).toEqual(['completed', 'completed', 'completed']);
    const retried = h.agents.started.filter((a) => a.taskId === 'T2')[1]!;
    const prompt = readFileSync(join(retried.dir, 'prompt.md'), 'utf8');
    expect(prompt).toContain('conflicted in shared.txt with the merged work of T1');
    expect(prompt).toContain('[T1] write shared.txt');
  });

  it("a merge git refuses for another reason than a conflict is tried again, then fails as failed: merge with git's words, and is no conflict", async () => {
    // An untracked file in the integration worktree, where the task's commit would write it: git refuses to merge.
    const h = harness({
      tasks: { T1: [] },
      verify: (cwd) => {
        if (!cwd.endsWith('/integration')) writeFileSync(join(dirname(cwd), 'integration', 't1.txt'), 'in the way\n');
        return {};
      },
    });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'failed: merge' });
    expect(status.tasks[0]!.reason).toMatch(/git could not merge the task's branch into the integration branch: error: .*untracked working tree files would be overwritten/);
    expect(eventsOf(h.events, 'task.merge-undone')).toHaveLength(1);
    expect(eventsOf(h.events, 'task.conflict')).toEqual([]);
    expect(existsSync(join(h.repo, '.xplan/history/conflicts.jsonl'))).toBe(false);
  });

  it('a failing integration verify undoes the merge: failed: integration, the head unchanged, the output kept', async () => {
    const h = harness({ tasks: { T1: [] }, verify: (cwd) => (cwd.endsWith('/integration') ? { exitCode: 1, output: 'integration broke' } : {}) });
    const { status } = await h.start();
    expect(status.tasks[0]).toMatchObject({ label: 'failed: integration' });
    const state = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(git(state.run.integration.worktree, ['rev-parse', 'HEAD'])).toBe(state.run.base.commit);
    const failed = eventsOf(h.events, 'task.failed')[0]!;
    expect(readFileSync(join(h.repo, String(failed.log)), 'utf8')).toBe('integration broke');
  });

  it('pauses dispatching past run.maxConflicts, naming the hot files', async () => {
    const h = harness({
      tasks: { T1: [], T2: [], T3: [], T4: ['T3'] },
      runConfig: ['concurrency: 2', 'maxConflicts: 1'],
      script: (id) => (id === 'T3' ? { ...commitsOwnFile(id), durationMs: 5000 } : { durationMs: id === 'T1' ? 1000 : 2000, commits: { 'db.ts': `${id}\n` } }),
    });
    const { status } = await h.start();
    expect(status.run.status).toBe('paused');
    expect(eventsOf(h.events, 'run.conflicts')[0]).toMatchObject({ files: ['db.ts'] });
    // T3 was running and finished; T4 never started.
    expect(h.agents.tasksInOrder().sort()).toEqual(['T1', 'T2', 'T3']);
    expect(status.tasks.find((t) => t.id === 'T3')!.label).toBe('completed');
  });

  it('a crash during the integration verify is undone on resume: nothing merged twice, no half-merge left', async () => {
    let crash = true;
    let verifying = false;
    const h = harness({ tasks: { T1: [] } });
    const run = h.verifier.run.bind(h.verifier);
    h.verifier.run = (command, cwd, timeoutMs) => {
      // The process dies during the verify: it never hears back, and nothing of it goes on after the crash.
      if (cwd.endsWith('/integration') && crash) {
        verifying = true;
        return { result: new Promise<never>(() => {}), stop: async () => {} };
      }
      return run(command, cwd, timeoutMs);
    };
    const sleep = h.clock.sleep.bind(h.clock);
    h.clock.sleep = (ms) => (verifying && crash ? Promise.reject(new Error('killed')) : sleep(ms));
    await expect(h.start()).rejects.toThrow('killed');
    const before = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(before.run.tasks.T1.merge.state).toBe('merging');
    crash = false;
    h.clock.sleep = sleep;
    const { status } = await h.resume();
    expect(status.tasks[0]!.label).toBe('completed');
    const subjects = integrationLog(h, before.run.integration.branch);
    expect(subjects.filter((s) => s.startsWith('[T1] Merge'))).toHaveLength(1);
    expect(eventsOf(h.events, 'task.merge-undone')).toHaveLength(1);
  });

  it('the queue does not wait for a round of agents to start: merges go on while their worktrees are made', async () => {
    const h = harness({ tasks: { T1: [], T2: [], T3: [], T4: [] }, runConfig: ['concurrency: 2'] });
    // The worktrees of the second round are made only once T1 and T2 are both merged (or after 10 s of real time).
    let worktrees = 0;
    let gateTimedOut = false;
    const bothMerged = () => ['T1', 'T2'].every((id) => h.events.some((e) => e.type === 'task.merged' && e.taskId === id));
    const vcs = { ...gitVcs };
    vcs.addWorktree = async (repo, path, branch, start) => {
      if (path.includes('/agent-') && ++worktrees > 2) {
        const deadline = Date.now() + 10_000;
        while (!bothMerged() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        if (!bothMerged()) gateTimedOut = true;
      }
      return gitVcs.addWorktree(repo, path, branch, start);
    };
    const { status } = await h.start({ ports: { agents: h.agents, verifier: h.verifier, clock: h.clock, reviewer: h.reviewer, vcs } });
    expect(gateTimedOut).toBe(false);
    expect(status.tasks.map((t) => t.label)).toEqual(['completed', 'completed', 'completed', 'completed']);
  });
});

describe('coordination: file reservations between parallel agents, in-process', () => {
  it('a task whose predicted files a running task holds waits for it, and status says which task and file hold it', async () => {
    const reasons: string[] = [];
    const h = harness({
      tasks: { T1: [], T2: [] },
      runConfig: ['concurrency: 2'],
      files: { T1: ['src/shared.ts'], T2: ['src/*.ts'] },
      script: (id) => ({ durationMs: 2000, commits: { 'src/shared.ts': `${id}\n` } }),
    });
    const { status } = await h.start({
      onEvent: (e) => {
        h.events.push(e);
        if (e.type === 'task.waiting') reasons.push(`${e.taskId} ${String(e.heldBy)} ${String(e.file)}`);
      },
    });
    expect(reasons).toEqual(['T2 T1 src/shared.ts']);
    const [first, second] = h.agents.started;
    expect(second!.startedAt).toBeGreaterThanOrEqual(first!.endedAt!);
    expect(status.tasks.map((t) => t.label)).toEqual(['completed', 'completed']);
    const prompt = readFileSync(join(first!.dir, 'prompt.md'), 'utf8');
    expect(prompt).toContain('src/shared.ts');
    const state = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(state.run.reservations).toEqual([]); // nothing held once the run ends
  });

  it("the commit guard refuses an agent's commit of a file another running task holds, saying which", async () => {
    const h = harness({
      tasks: { T1: [], T2: [] },
      runConfig: ['concurrency: 2'],
      files: { T1: ['src/shared.ts'], T2: ['src/other.ts'] },
      script: (id) => (id === 'T1' ? { durationMs: 5000, commits: { 'src/shared.ts': 'T1\n' } } : { durationMs: 1000, commits: { 'src/shared.ts': 'T2\n' } }),
    });
    const { status } = await h.start();
    const t2 = h.agents.started.find((a) => a.taskId === 'T2')!;
    expect(t2.refused).toContain('src/shared.ts');
    expect(t2.refused).toContain('T1');
    expect(status.tasks.map((t) => t.label)).toEqual(['completed', 'failed: no commits']);
  });

  it('a crash leaves no reservation behind: resume rebuilds them from the running tasks only', async () => {
    const h = harness({
      tasks: { T1: [], T2: [] },
      runConfig: ['concurrency: 2'],
      files: { T1: ['a.ts'], T2: ['b.ts'] },
      script: (id) => ({ durationMs: id === 'T1' ? 1000 : 6000, commits: { [id === 'T1' ? 'a.ts' : 'b.ts']: id } }),
    });
    let turns = 0;
    const sleep = h.clock.sleep.bind(h.clock);
    h.clock.sleep = (ms) => (h.agents.started.length === 2 && ++turns > 3 ? Promise.reject(new Error('killed')) : sleep(ms));
    await expect(h.start()).rejects.toThrow('killed');
    const crashed = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(crashed.run.reservations.map((r: { taskId: string }) => r.taskId).sort()).toEqual(['T1', 'T2']);
    h.clock.sleep = sleep;
    h.clock.advance(2000); // T1 ends while nothing watches
    const reserved: string[][] = [];
    const { status } = await h.resume();
    expect(status.tasks.map((t) => t.label)).toEqual(['completed', 'completed']);
    const after = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(after.run.reservations).toEqual([]);
    expect(reserved).toEqual([]);
  });

  it('with agent mail on, the server sees each attempt register, reserve, renew and release, and its thread start and complete, in order', async () => {
    const server = (await startAgentMailServer()) as {
      url: string;
      calls: Array<{ tool: string; args: Record<string, unknown> }>;
      messages: Array<{ subject: string }>;
      reservations: () => unknown[];
      close: () => Promise<void>;
    };
    try {
      const h = harness({
        tasks: { T1: [] },
        files: { T1: ['src/shared.ts'] },
        config: ['coordination: agent-mail', 'agentMail:', `  url: "${server.url}"`, '  installGuard: false'],
        script: () => ({ durationMs: 70_000, commits: { 'src/shared.ts': 'T1\n' } }),
      });
      const { status } = await h.start();
      expect(status.tasks[0]!.label).toBe('completed');
      const tools = server.calls.map((c) => c.tool).filter((t) => t !== 'set_contact_policy');
      expect(tools).toEqual(['ensure_project', 'register_agent', 'register_agent', 'file_reservation_paths', 'send_message', 'renew_file_reservations', 'send_message', 'release_file_reservations']);
      expect(server.calls.find((c) => c.tool === 'file_reservation_paths')!.args).toMatchObject({ paths: ['src/shared.ts'] });
      expect(server.messages.map((m) => m.subject)).toEqual([expect.stringContaining('T1 started'), expect.stringContaining('T1 completed')]);
      expect(server.reservations()).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
