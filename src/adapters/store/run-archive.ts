/** The RunArchive port: the conflict history in .xplan/history and the run summaries `xplan runs` lists. */
import type { Plan } from '../../core/plan/plan.js';
import type { RunState } from '../../core/run/run.js';
import type { RunArchive } from '../../run/ports.js';
import { appendConflict } from './conflict-history.js';
import { saveRunSummary } from './run-history.js';

export function fileRunArchive(xplanDir: string): RunArchive {
  return {
    recordConflict: (record) => appendConflict(xplanDir, record),
    saveSummary: async (run: RunState, plan: Plan) => {
      await saveRunSummary(xplanDir, run, plan);
    },
  };
}
