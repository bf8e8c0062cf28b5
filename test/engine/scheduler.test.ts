/**
 * The scheduler seam of the run loop: what to dispatch next is one decision, made by the scheduler the engine is
 * given (by default ready tasks in plan order), with the run, the plan and which tasks' files are held.
 */
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../src/core/run/run.js';
import type { Scheduler } from '../../src/run/ports.js';
import { planOrder } from '../../src/run/scheduler.js';
import { eventsOf, harness, type Harness } from '../support/run-harness.js';

const dispatched = (h: Harness) => eventsOf(h.events, 'task.dispatched').map((e) => e.taskId);

describe('the scheduler seam', () => {
  it('by default starts ready tasks in plan order, filling the free slots', async () => {
    const h = harness({ tasks: { T1: [], T2: [], T3: [] }, runConfig: ['concurrency: 2'] });
    await h.start();
    // T1 and T2 launch side by side, so their events may land in either order; T3 waits for a free slot.
    const order = dispatched(h);
    expect(order.slice(0, 2).sort()).toEqual(['T1', 'T2']);
    expect(order[2]).toBe('T3');
    expect(h.agents.maxConcurrent()).toBe(2);
  });

  it('the loop starts what the scheduler picks, in its order, and nothing else', async () => {
    const h = harness({ tasks: { T1: [], T2: [], T3: [] }, runConfig: ['concurrency: 3'] });
    // The last ready task first, one at a time: the opposite of the plan order, and one slot of three.
    const lastFirst: Scheduler = {
      next: (run, plan, slots) => {
        const due = planOrder.next(run, plan, slots);
        const busy = Object.values(run.tasks).some((t) => t.state === 'running' || t.state === 'verifying');
        return busy ? [] : due.slice(-1);
      },
    };
    const { status } = await h.start({ ports: { agents: h.agents, verifier: h.verifier, clock: h.clock, reviewer: h.reviewer, scheduler: lastFirst } });
    expect(status.run.status).toBe('completed');
    expect(dispatched(h)).toEqual(['T3', 'T2', 'T1']);
    expect(h.agents.maxConcurrent()).toBe(1);
  });

  it('is asked with the tasks whose files a running task holds', async () => {
    const h = harness({ tasks: { T1: [], T2: [] }, runConfig: ['concurrency: 2'], files: { T1: ['src/shared.ts'], T2: ['src/shared.ts'] } });
    const heldSeen: string[][] = [];
    const watching: Scheduler = {
      next: (run: RunState, plan, slots) => {
        heldSeen.push(Object.keys(run.tasks).filter((id) => slots.held(id)));
        return planOrder.next(run, plan, slots);
      },
    };
    await h.start({ ports: { agents: h.agents, verifier: h.verifier, clock: h.clock, reviewer: h.reviewer, scheduler: watching } });
    expect(dispatched(h)).toEqual(['T1', 'T2']);
    // While T1 ran, T2's file was held (T1 itself holds it too, but is no longer due).
    expect(heldSeen.some((held) => held.includes('T2'))).toBe(true);
    expect(h.agents.maxConcurrent()).toBe(1);
  });
});
