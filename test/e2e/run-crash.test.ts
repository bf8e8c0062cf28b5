/**
 * kill -9 of the orchestrator at many points, then `xplan resume`: the run completes, no task runs again after it
 * completed, no event is lost, state.json is whole at every moment, and no process is left behind.
 */
import { existsSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runXplan, runXplanAsync, startXplan } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, processesUnder, runConfig, waitForEvent } from '../support/run-repo.js';

type Server = Awaited<ReturnType<typeof startModelServer>>;
let server: Server;
beforeAll(async () => {
  server = await startModelServer((c) => ({ ...commitSteps(c), ...(c.turn === 0 ? { delayMs: 300 } : {}) }));
});
afterAll(() => server.close());

interface Event {
  type: string;
  taskId?: string;
  id?: string;
  agent?: number;
}

/** Resolves the moment the n-th temp file of an atomic state.json write appears: the write is under way. */
function duringStateWrite(repo: string, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const watcher = watch(join(repo, '.xplan'), (_event, file) => {
      if (file && /^state\.json\.(?!bak$)/.test(file) && ++seen === n) {
        watcher.close();
        resolve();
      }
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const killPoints: Array<[string, (repo: string) => Promise<unknown>]> = [
  ['right after the first dispatch', (repo) => waitForEvent(repo, (e) => e.type === 'task.dispatched')],
  ['while two agents work', (repo) => waitForEvent(repo, (e) => e.type === 'task.dispatched' && e.taskId === 'T2').then(() => sleep(400))],
  ['in the middle of a state write', (repo) => duringStateWrite(repo, 4)],
  ['during the verify command', (repo) => waitForEvent(repo, (e) => e.type === 'task.verifying')],
  ['right after a task completed', (repo) => waitForEvent(repo, (e) => e.type === 'task.completed')],
  ...[120, 350, 700, 1100, 1600, 2300, 3100].map((ms): [string, (repo: string) => Promise<unknown>] => [`${ms} ms after start`, () => sleep(ms)]),
];

describe('kill -9 of the orchestrator, then xplan resume', () => {
  it.each(killPoints)('killed %s', async (_name, point) => {
    const repo = approvedRepo(
      [{ title: 'Write the hello file' }, { title: 'Write the world file' }, { title: 'Write the bang file', dependsOn: ['T1'] }],
      runConfig({ verify: 'sleep 0.3 && ls t*.txt', concurrency: 2 }),
    );
    const env = claudeEnv(server.url);
    const orchestrator = startXplan(['run'], { cwd: repo, env });
    await point(repo);
    orchestrator.child.kill('SIGKILL');
    await orchestrator.done;

    // Whatever the moment, the state is whole and readable.
    const statePath = join(repo, '.xplan/state.json');
    expect(() => JSON.parse(readFileSync(statePath, 'utf8'))).not.toThrow();
    const before = runXplan(['status', '--json'], { cwd: repo });
    const started = before.code === 0;
    if (started) {
      const status = JSON.parse(before.stdout) as { run: { status: string; orphaned: boolean } };
      if (status.run.status !== 'completed') expect(status.run.orphaned).toBe(true);
    }

    // Resume (or, if it died before the run was recorded, run again) until the run is over.
    const next = await runXplanAsync(started ? ['resume'] : ['run'], { cwd: repo, env });
    const final = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as {
      run: { status: string };
      tasks: Array<{ id: string; state: string; attempt: number }>;
    };
    if (next.code !== 0) expect(next.stderr).toContain('is completed: there is nothing to resume');
    expect(final.run.status).toBe('completed');
    expect(final.tasks.map((t) => t.state)).toEqual(['completed', 'completed', 'completed']);

    const events = readFileSync(join(repo, '.xplan/events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    // No event lost, none written twice.
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const task of ['T1', 'T2', 'T3']) {
      const mine = events.filter((e) => e.taskId === task);
      expect(mine.filter((e) => e.type === 'task.completed'), `${task} completed once`).toHaveLength(1);
      // Nothing ran the task again once it had completed.
      const completedAt = mine.findIndex((e) => e.type === 'task.completed');
      expect(mine.slice(completedAt + 1).filter((e) => e.type === 'task.dispatched' || e.type === 'task.resumed')).toEqual([]);
    }
    // Every attempt the state records was announced.
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { run: { tasks: Record<string, { attempts: Array<{ agent: number }> }> } };
    for (const [task, entry] of Object.entries(state.run.tasks)) {
      for (const attempt of entry.attempts) {
        expect(events.some((e) => e.type === 'task.dispatched' && e.taskId === task && e.agent === attempt.agent), `${task} agent-${attempt.agent} dispatched`).toBe(true);
      }
    }
    expect(existsSync(join(repo, '.xplan/run.lock'))).toBe(false);
    expect(processesUnder(repo)).toEqual([]);
  }, 120_000);
});
