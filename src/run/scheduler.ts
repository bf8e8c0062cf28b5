/** The default scheduler: ready tasks in plan order, within the run's free agent slots (core/run/run.ts `tasksToDispatch`). */
import { tasksToDispatch } from '../core/run/run.js';
import type { Scheduler } from './ports.js';

export const planOrder: Scheduler = {
  next: (run, plan, { now, held }) => tasksToDispatch(run, plan, now, held).map((t) => t.id),
};
