/**
 * The run engine in-process: real git, fake agents, a fake verifier and a virtual clock. Each test is a whole run
 * and takes a fraction of a second.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pause } from '../../src/commands/pause.js';
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
    expect(h.verifier.calls).toHaveLength(4);
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
