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

/**
 * Resolves the moment the temp file of the n-th atomic state.json write appears: that write is under way, and the
 * ones before it are done. Each write has its own temp file, which raises several watch events.
 */
function duringStateWrite(repo: string, n: number): Promise<void> {
  return new Promise((resolve) => {
    const seen = new Set<string>();
    const watcher = watch(join(repo, '.xplan'), (_event, file) => {
      if (file && /^state\.json\.(?!bak$)/.test(file) && seen.add(file).size === n) {
        watcher.close();
        resolve();
      }
    });
  });
}

/**
 * Moments that matter, each after the run was recorded, with real agents and real process groups in play. A crash
 * while agents work, after a task completed, between recording a dispatch and starting it, and during the
 * integration verify are checked in-process (test/engine/orchestrator.test.ts, test/engine/agent-ownership.test.ts).
 */
const killPoints: Array<[string, (repo: string) => Promise<unknown>]> = [
  ['right after the first dispatch', (repo) => waitForEvent(repo, (e) => e.type === 'task.dispatched')],
  ['in the middle of a state write', (repo) => duringStateWrite(repo, 4)],
  ['during the verify command', (repo) => waitForEvent(repo, (e) => e.type === 'task.verifying')],
];

describe('kill -9 of the orchestrator, then xplan resume', () => {
  it.each(killPoints)(
    'killed %s',
    async (_name, point) => {
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
      // Every kill point comes after the run was recorded and before T3 (which waits for T1) could end it: the run is
      // there, unfinished, and nothing drives it.
      const before = runXplan(['status', '--json'], { cwd: repo });
      expect(before.code, before.stderr).toBe(0);
      const status = JSON.parse(before.stdout) as { run: { status: string; orphaned: boolean } };
      expect(status.run.status).not.toBe('completed');
      expect(status.run.orphaned).toBe(true);

      const next = await runXplanAsync(['resume'], { cwd: repo, env });
      expect(next.code, next.stdout + next.stderr).toBe(0);
      const final = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as {
        run: { status: string };
        tasks: Array<{ id: string; state: string; attempt: number }>;
      };
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
        expect(
          mine.filter((e) => e.type === 'task.completed'),
          `${task} completed once`,
        ).toHaveLength(1);
        // Nothing ran the task again once it had completed.
        const completedAt = mine.findIndex((e) => e.type === 'task.completed');
        expect(mine.slice(completedAt + 1).filter((e) => e.type === 'task.dispatched' || e.type === 'task.resumed')).toEqual([]);
      }
      // Every attempt the state records was announced.
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as { run: { tasks: Record<string, { attempts: Array<{ agent: number }> }> } };
      for (const [task, entry] of Object.entries(state.run.tasks)) {
        for (const attempt of entry.attempts) {
          expect(
            events.some((e) => e.type === 'task.dispatched' && e.taskId === task && e.agent === attempt.agent),
            `${task} agent-${attempt.agent} dispatched`,
          ).toBe(true);
        }
      }
      expect(existsSync(join(repo, '.xplan/run.lock'))).toBe(false);
      expect(processesUnder(repo)).toEqual([]);
    },
    120_000,
  );
});
