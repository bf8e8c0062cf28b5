/** Picks the plan renderer for `--format`, shared by `xplan plan` and `xplan show`. */
import type { Plan } from '../core/plan/plan.js';
import type { PlanAssessment } from '../core/plan/plan-verdict.js';
import type { Theme } from './theme.js';
import { escapeControl } from './terminal-text.js';

export const PLAN_FORMATS = ['table', 'tree', 'mermaid', 'md', 'taskmaster'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** Each renderer escapes the plan's text itself (see terminal-text.ts). `assessment`: the verdict the table, tree and md open with. */
export async function renderPlanAs(
  plan: Plan,
  format: PlanFormat,
  theme: Theme,
  footer?: string,
  progress?: Record<string, { done: boolean; label: string }>,
  assessment?: PlanAssessment,
): Promise<string> {
  switch (format) {
    case 'mermaid':
      return (await import('./render-mermaid.js')).renderMermaid(plan);
    case 'md':
      return (await import('./render-execplan.js')).renderExecPlan(plan, progress, assessment);
    case 'taskmaster':
      return JSON.stringify((await import('../core/plan/taskmaster.js')).toTaskmaster(plan), null, 2);
    case 'tree':
    case 'table': {
      const { renderPlanTable, renderPlanTree } = await import('./render-plan.js');
      const body = format === 'tree' ? renderPlanTree(plan, theme, assessment) : renderPlanTable(plan, theme, assessment);
      return footer ? `${body}\n${theme.dim(escapeControl(footer))}` : body;
    }
  }
}
