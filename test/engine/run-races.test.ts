/**
 * Commands that race each other on one run, tried many times in-process: `pause --now` against `resume`, and a plan
 * edit (`xplan task set`) against `xplan run`. Whichever lands first, the outcome is one a user can trust: an
 * interrupted task stays interrupted, and exactly one of a run start and a plan edit wins, the other saying why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve } from '../../src/commands/approve.js';
import { editPlan } from '../../src/commands/edit-plan.js';
import { setTask } from '../../src/core/plan/plan-edit.js';
import { planHash, type Plan } from '../../src/core/plan/plan.js';
import { cancelRun, pauseRun } from '../../src/core/run/run-control.js';
import type { RunState } from '../../src/core/run/run.js';
import { applyControl } from '../../src/run/control.js';
import { harness, type Harness } from '../support/run-harness.js';

const TRIES = 10;

/** Starts `a` and `b` a few milliseconds apart, in turns, so each try lands them in a different order. */
async function race<A, B>(i: number, a: () => Promise<A>, b: () => Promise<B>): Promise<[Promise<A>, Promise<B>]> {
  const gap = () => new Promise((resolve) => setTimeout(resolve, i % 3));
  if (i % 2 === 0) {
    const first = a();
    await gap();
    return [first, b()];
  }
  const second = b();
  await gap();
  return [a(), second];
}

function saved(h: Harness): { run?: RunState; plan: Plan } {
  return JSON.parse(readFileSync(join(h.repo, '.xplan/state.json'), 'utf8')) as { run?: RunState; plan: Plan };
}

/** `pause --now` / `cancel` from another terminal, stopping the in-process agents. */
function control(h: Harness, kind: 'pause' | 'cancel') {
  const stopAgent = async (dir: string) => {
    const pids = await h.agents.pids(dir);
    if (pids) await h.agents.stop(pids.supervisor);
  };
  return applyControl(
    h.ws,
    (run, _plan, by, at) => (kind === 'pause' ? pauseRun(run, { now: true, by }) : cancelRun(run, { by, at })),
    () => '',
    {
      command: kind === 'pause' ? 'xplan pause --now' : 'xplan cancel',
      stopAgent,
    },
  );
}

/** Until `running` ends: `pause --now` again and again, so a run left driving an agent that never ends lets go. */
async function pauseUntilDone<T>(h: Harness, running: Promise<T>): Promise<PromiseSettledResult<T>> {
  let done: PromiseSettledResult<T> | undefined;
  const settled = running.then(
    (value) => (done = { status: 'fulfilled', value }),
    (reason: unknown) => (done = { status: 'rejected', reason }),
  );
  while (!done) {
    await control(h, 'pause').catch(() => {}); // nothing to pause yet (the run has not begun) or any more
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 10))]);
  }
  return done;
}

describe('pause --now racing resume', () => {
  it(`an interrupted task stays interrupted, whichever lands first (${TRIES} tries)`, async () => {
    // The agent works until stopped; the first engine dies while it works.
    const h = harness({ tasks: { T1: [] }, script: () => ({ hang: true }) });
    let turns = 0;
    const sleep = h.clock.sleep.bind(h.clock);
    h.clock.sleep = (ms) => (h.agents.started.length === 1 && ++turns > 3 ? Promise.reject(new Error('killed')) : sleep(ms));
    await expect(h.start()).rejects.toThrow('killed');
    h.clock.sleep = sleep;

    for (let i = 0; i < TRIES; i++) {
      const [resuming, pausing] = await race(
        i,
        () => h.resume(),
        () => control(h, 'pause'),
      );
      await expect(pausing).resolves.toMatchObject({ run: { status: 'paused' } });
      // If the pause landed first, the resume continued the task: it is paused again, from a third terminal.
      const resumed = await pauseUntilDone(h, resuming);
      expect(resumed.status, String((resumed as PromiseRejectedResult).reason)).toBe('fulfilled');
      const { run } = saved(h);
      expect(run!.status).toBe('paused');
      expect(run!.tasks.T1).toMatchObject({ state: 'interrupted' });
      expect(run!.tasks.T1!.failure).toBeUndefined();
    }
    // Never two agents at once on the task.
    expect(h.agents.started.every((a) => a.alongside.length === 0)).toBe(true);
  }, 60_000);
});

describe('a plan edit racing xplan run', () => {
  it(`exactly one wins, and the other says why (${TRIES} tries)`, async () => {
    const h = harness({ tasks: { T1: [] }, script: () => ({ hang: true }) });
    const wins = { run: 0, edit: 0 };
    for (let i = 0; i < TRIES; i++) {
      const [starting, editing] = await race(
        i,
        () => h.start({ yes: true }),
        () => editPlan((plan) => setTask(plan.tasks, 'T1', { title: `Write the parts, take ${i}` }), h.ws),
      );
      const edit = await editing.then(
        () => undefined,
        (error: unknown) => error as { code?: string },
      );
      const started = await pauseUntilDone(h, starting);
      if (started.status === 'fulfilled') {
        wins.run++;
        expect(edit, 'the edit lost to the run').toMatchObject({ code: 'RUN_IN_PROGRESS' });
        // The run works from the plan it recorded, unchanged.
        const state = saved(h);
        expect(planHash(state.plan.tasks)).toBe(state.run!.planHash);
        expect(state.plan.tasks[0]!.title).not.toBe(`Write the parts, take ${i}`);
        await control(h, 'cancel');
      } else {
        wins.edit++;
        expect(edit, 'the edit won').toBeUndefined();
        expect(started.reason).toMatchObject({ code: 'PLAN_NOT_APPROVED' });
        expect(saved(h).plan.tasks[0]!.title).toBe(`Write the parts, take ${i}`);
      }
      await approve({ yes: true }, h.ws);
    }
    expect(wins.run + wins.edit).toBe(TRIES);
  }, 60_000);
});
