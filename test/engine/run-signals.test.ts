/**
 * SIGTERM (a CI job cancelled, `timeout`) on a run is `pause --now`: agents and verify commands stopped, the run
 * paused, nothing merged half-way or failed for it, and `xplan resume` goes on. In-process: the signal is emitted to
 * the engine's own handler; the exit code (143) is checked end to end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/run/ports.js';
import { commitsOwnFile, eventsOf, harness } from '../support/run-harness.js';

describe('SIGTERM on a run', () => {
  it('stops the agents at once and pauses the run; resume continues them in place', async () => {
    const h = harness({ tasks: { T1: [], T2: [], T3: ['T1'] }, runConfig: ['concurrency: 2'], script: (id, attempt) => (id !== 'T3' && attempt === 1 ? { hang: true } : commitsOwnFile(id)) });
    // Half a (virtual) second in, both agents work.
    h.clock.after(500, () => process.emit('SIGTERM'));
    const result = await h.start({ signals: true });
    expect(result.terminated).toBe(true);
    expect(result.status.run.status).toBe('paused');
    expect(result.status.tasks.map((t) => t.state)).toEqual(['interrupted', 'interrupted', 'waiting']);
    expect(h.agents.started.map((a) => a.stopped)).toEqual([true, true]);
    expect(eventsOf(h.events, 'run.paused')).toMatchObject([{ now: true, by: 'SIGTERM', interrupted: ['T1', 'T2'] }]);
    // The run's handler is gone with the run (other modules may have their own, e.g. for child process cleanup).
    expect(process.listeners('SIGTERM').map((l) => l.name)).not.toContain('onTerminate');

    const resumed = await h.resume();
    expect(resumed.terminated).toBe(false);
    expect(resumed.status.run.status).toBe('completed');
    // Both continue in parallel, in whichever order they start.
    expect(
      h.agents.started
        .slice(2)
        .filter((a) => a.resumed)
        .map((a) => a.taskId)
        .sort(),
    ).toEqual(['T1', 'T2']);
  });

  it('during the integration verify: the verify is stopped, the merge undone and queued again, never failed', async () => {
    let stopVerify: ((result: VerifyResult) => void) | undefined;
    let stopped = false;
    const h = harness({ tasks: { T1: [] } });
    const run = h.verifier.run.bind(h.verifier);
    h.verifier.run = (command, cwd, timeoutMs) => {
      if (!cwd.endsWith('/integration') || stopped) return run(command, cwd, timeoutMs);
      setImmediate(() => process.emit('SIGTERM'));
      return {
        result: new Promise<VerifyResult>((resolve) => (stopVerify = resolve)),
        stop: async () => {
          stopped = true;
          stopVerify?.({ exitCode: undefined, signal: 'SIGTERM', timedOut: false, output: 'Terminated\n' });
        },
      };
    };
    const first = await h.start({ signals: true });
    expect(first.terminated).toBe(true);
    expect(stopped).toBe(true);
    expect(first.status.run.status).toBe('paused');
    const state = JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'));
    expect(state.run.tasks.T1).toMatchObject({ state: 'completed', merge: { state: 'queued' } });
    expect(eventsOf(h.events, 'task.failed')).toEqual([]);

    const second = await h.resume();
    expect(second.status.run.status).toBe('completed');
    expect(eventsOf(h.events, 'task.merged')).toHaveLength(1);
  });
});
