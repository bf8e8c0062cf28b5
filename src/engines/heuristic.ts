/** The heuristic engine: xplan's own intake, assessment and planner. Embedded, deterministic, offline. */
import { assessSpecs, type Assessment, type PlannedEffort } from '../core/intake/assess.js';
import type { Config } from '../core/config.js';
import { EFFORT_HOURS } from '../core/plan/effort.js';
import type { EngineRun, Plan } from '../core/plan/plan.js';
import type { ParsedSpec } from '../core/intake/spec.js';
import { planSpecs, type PlanOptions, type PlanningResult } from '../core/plan/planner.js';
import type { AssessRequest, EngineChoice, PlanningEngine, PlanRequest } from './engine.js';

export class HeuristicEngine implements PlanningEngine {
  readonly name = 'heuristic' as const;

  constructor(
    private readonly config: Config,
    private readonly choice?: EngineChoice,
  ) {}

  /** The effort an assessment reports is the effort of the plan made from it, so `assess` and `plan` agree. */
  async assess(request: AssessRequest): Promise<Assessment> {
    const { assessment } = this.planAndAssess(
      request.specs.map((s) => s.parsed),
      {
        planId: 'p-assess',
        branching: this.config.plan.branching,
        maxTasks: this.config.plan.maxTasks,
        concurrency: this.config.run.concurrency,
        minHoursPerTask: this.config.plan.minHoursPerTask,
        tinyTaskRatio: this.config.plan.tinyTaskRatio,
      },
    );
    return this.choice ? { ...assessment, engine: this.run() } : assessment;
  }

  async plan(request: PlanRequest): Promise<PlanningResult> {
    const { result, assessment } = this.planAndAssess(
      request.specs.map((s) => s.parsed),
      request.options,
    );
    const engine = this.choice ? { engine: this.run() } : {};
    return { ...result, plan: { ...result.plan, ...engine }, assessment: { ...assessment, ...engine } };
  }

  /**
   * Plans from the assessment of the text (whichever assessment was saved, so one spec always gives one plan),
   * then measures the effort on the plan. When the plan's effort turns the verdict to one agent (or away from
   * it), the spec is planned again from that verdict, so that verdict and plan agree.
   */
  private planAndAssess(specs: ParsedSpec[], options: PlanOptions): { result: PlanningResult; assessment: Assessment } {
    const oneTask = (a: Assessment) => a.verdict === 'single-agent';
    const fromText = assessSpecs(specs, this.config.assess.thresholds);
    const first = planSpecs(specs, fromText, options);
    const measured = this.withPlannedEffort(specs, first.plan);
    if (oneTask(measured) === oneTask(fromText)) return { result: first, assessment: measured };
    const second = planSpecs(specs, measured, options);
    const remeasured = this.withPlannedEffort(specs, second.plan);
    return oneTask(remeasured) === oneTask(measured) ? { result: second, assessment: remeasured } : { result: first, assessment: measured };
  }

  private withPlannedEffort(specs: ParsedSpec[], plan: Plan): Assessment {
    // A spec the planner could not read is one task whatever its size: its text is the better measure, and the
    // plan's warning says so.
    if (plan.warnings.some((w) => w.code === 'NOT_UNDERSTOOD')) return assessSpecs(specs, this.config.assess.thresholds);
    const byEffort = [...plan.tasks].sort((a, b) => EFFORT_HOURS[b.effort] - EFFORT_HOURS[a.effort]);
    const planned: PlannedEffort = {
      hours: plan.summary.totalHours,
      evidence: byEffort.map((t) => ({ file: t.sources[0]?.file ?? specs[0]!.file, line: t.sources[0]?.line ?? 1, text: `${EFFORT_HOURS[t.effort]}h · ${t.id} ${t.title}` })),
    };
    return assessSpecs(specs, this.config.assess.thresholds, planned);
  }

  /** Why the heuristic planned, so a lead knows whether a model-made plan was on offer. */
  private run(): EngineRun {
    const { requested, reason, hint } = this.choice!;
    return { name: 'heuristic', requested, reason, ...(hint ? { hint } : {}), calls: 0, repairRounds: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } };
  }
}
