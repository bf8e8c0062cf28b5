/**
 * One agent per worktree and per task, always: whatever was killed when (the orchestrator, an agent's supervisor,
 * a control command between its state write and its stop), no new agent starts while an earlier one of the same
 * task or worktree still lives. In-process: real git, fake agents that can outlive their supervisor, virtual time.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logs } from '../../src/commands/logs.js';
import { RunJournal } from '../../src/adapters/store/run-journal.js';
import { groupAlive } from '../../src/adapters/process/processes.js';
import { pauseRun, retryTask, skipTask, type ControlChange } from '../../src/core/run/run-control.js';
import type { RunState } from '../../src/core/run/run.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { commitsOwnFile, eventsOf, harness, type Harness } from '../support/run-harness.js';

/** A control command's state write alone: the process that made it was killed before it stopped any agent. */
async function writeOnly(h: Harness, change: (run: RunState, plan: Plan) => ControlChange): Promise<void> {
  let applied: ControlChange | undefined;
  await new RunJournal(h.ws.store, h.ws.files, () => h.clock.now()).commit(
    (run) => (applied = change(run, h.plan)).run,
    () => applied?.events ?? [],
  );
}

/** Starts the run and kills its engine (as kill -9 would) once `agents` agents have started. */
async function crashAfterDispatch(h: Harness, agents = 1): Promise<void> {
  let turns = 0;
  const sleep = h.clock.sleep.bind(h.clock);
  h.clock.sleep = (ms) => (h.agents.started.length === agents && ++turns > 3 ? Promise.reject(new Error('killed')) : sleep(ms));
  await expect(h.start()).rejects.toThrow('killed');
  h.clock.sleep = sleep;
}

const hangsFirst = (id: string, attempt: number) => (attempt === 1 ? { hang: true } : commitsOwnFile(id));

describe('one agent per worktree', () => {
  it('pause --now killed after its state write, nothing driving the run: resume stops the old agent before claude --resume', async () => {
    const h = harness({ tasks: { T1: [] }, script: hangsFirst });
    await crashAfterDispatch(h);
    await writeOnly(h, (run) => pauseRun(run, { now: true, by: 'xplan pause --now' }));

    const { status } = await h.resume();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', agent: 1 });
    const [first, second] = h.agents.started;
    expect(first!.stopped).toBe(true);
    expect(second).toMatchObject({ resumed: true, cwd: first!.cwd, alongside: [] });
    expect(first!.endedAt).toBeLessThanOrEqual(second!.startedAt);
    expect(eventsOf(h.events, 'agent.stopped')).toMatchObject([{ taskId: 'T1', agent: 1 }]);
  });

  it('pause --now killed after its state write while a run is driven: the engine stops the agent itself and the run pauses', async () => {
    const h = harness({
      tasks: { T1: [], T2: ['T1'] },
      runConfig: ['timeoutMinutes: { XS: 5, S: 5, M: 5, L: 5, XL: 5 }', 'stallMinutes: 60'],
      script: (id, attempt) => (id === 'T1' && attempt === 1 ? { hang: true } : commitsOwnFile(id)),
    });
    let paused = false;
    const first = await h.start({
      onEvent: (e) => {
        h.events.push(e);
        if (e.type === 'task.dispatched' && !paused) {
          paused = true;
          void writeOnly(h, (run) => pauseRun(run, { now: true, by: 'xplan pause --now' }));
        }
      },
    });
    expect(first.status.run.status).toBe('paused');
    expect(first.status.tasks.map((t) => t.state)).toEqual(['interrupted', 'waiting']);
    const agent = h.agents.started[0]!;
    expect(agent.stopped).toBe(true);
    // Stopped at once, not by the 5 min time limit.
    expect(agent.endedAt! - agent.startedAt).toBeLessThan(60_000);

    const second = await h.resume();
    expect(second.status.run.status).toBe('completed');
    expect(h.agents.started.map((a) => a.alongside)).toEqual([[], [], []]);
  });

  it('retry after a skip that was killed before stopping the agent: the new attempt starts once the old agent is stopped', async () => {
    const h = harness({ tasks: { T1: [] }, script: hangsFirst });
    await crashAfterDispatch(h);
    await writeOnly(h, (run, plan) => skipTask(run, plan, 'T1', { cascade: false }));
    await writeOnly(h, (run, plan) => retryTask(run, plan, 'T1', { fresh: false }));

    const { status } = await h.resume();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', attempt: 2 });
    const [first, second] = h.agents.started;
    expect(first!.stopped).toBe(true);
    expect(second!.alongside).toEqual([]);
    expect(first!.endedAt).toBeLessThanOrEqual(second!.startedAt);
  });

  it('a supervisor killed while nothing watched: resume stops its Claude Code before continuing in place', async () => {
    const h = harness({ tasks: { T1: [] }, script: hangsFirst });
    await crashAfterDispatch(h);
    const first = h.agents.started[0]!;
    h.agents.killSupervisor(first.pid);

    const { status } = await h.resume();
    expect(status.tasks[0]).toMatchObject({ label: 'completed', agent: 1 });
    expect(first.stopped).toBe(true);
    expect(h.agents.started[1]).toMatchObject({ resumed: true, alongside: [] });
    const [interrupted] = eventsOf(h.events, 'task.interrupted');
    expect(interrupted!.reason).toBe(`the agent's supervisor (pid ${first.pid}) was killed while no xplan was watching; its Claude Code was still running and was stopped`);
  });

  it('a supervisor killed by SIGKILL during a run is reported as such, and its Claude Code is stopped', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] }, script: () => ({ hang: true }) });
    h.clock.after(5_000, () => h.agents.killSupervisor(h.agents.started[0]!.pid));
    const { status } = await h.start();
    const agent = h.agents.started[0]!;
    expect(agent.stopped).toBe(true);
    expect(h.agents.groupAlive(agent.pid)).toBe(false);
    expect(status.tasks[0]!.label).toBe('failed: crash');
    expect(status.tasks[0]!.reason).toBe(
      `the agent's supervisor (pid ${agent.pid}) was killed (SIGKILL, or it crashed) before it could record how Claude Code ended; its Claude Code was still running and was stopped`,
    );
    expect(status.tasks[0]!.reason).not.toMatch(/Claude Code was killed/);
    expect(status.tasks[1]!.state).toBe('waiting');
  });
});

describe('xplan logs --follow', () => {
  it('ends when the attempt ends, even when its supervisor was killed and no exit.json will ever come', async () => {
    const h = harness({ tasks: { T1: [] }, script: () => ({ hang: true }) });
    await crashAfterDispatch(h);
    // A real process group stands in for the supervisor, so its end is the kernel's word.
    const supervisor = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const dir = h.ws.files.agentDir((await h.ws.store.read())!.run!.id, 1);
    writeFileSync(join(dir, 'pid.json'), JSON.stringify({ supervisor: supervisor.pid, agent: undefined, startedAt: new Date().toISOString() }));
    const result = await logs({ taskId: 'T1', follow: true, pollMs: 20 }, h.ws);
    const lines: string[] = [];
    const followed = (async () => {
      for await (const line of result.lines) lines.push(line);
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(-supervisor.pid!, 'SIGKILL');
    const ended = await Promise.race([followed.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('still following'), 5_000))]);
    expect(ended).toBe('ended');
    expect(groupAlive(supervisor.pid!)).toBe(false);
    expect(lines).toEqual([JSON.stringify({ type: 'system', subtype: 'init', session_id: 's' })]);
  });
});
