/** The heuristic engine: xplan's own intake, assessment and planner. Embedded, deterministic, offline. */
import { assessSpecs, type Assessment } from '../core/assess.js';
import type { Config } from '../core/config.js';
import type { EngineRun } from '../core/plan.js';
import { planSpecs, type PlanningResult } from '../core/planner.js';
import type { AssessRequest, EngineChoice, PlanningEngine, PlanRequest } from './engine.js';

export class HeuristicEngine implements PlanningEngine {
  readonly name = 'heuristic' as const;

  constructor(
    private readonly config: Config,
    private readonly choice?: EngineChoice,
  ) {}

  async assess(request: AssessRequest): Promise<Assessment> {
    const assessment = assessSpecs(
      request.specs.map((s) => s.parsed),
      this.config.assess.thresholds,
    );
    return this.choice ? { ...assessment, engine: this.run() } : assessment;
  }

  async plan(request: PlanRequest): Promise<PlanningResult> {
    const result = planSpecs(
      request.specs.map((s) => s.parsed),
      request.assessment,
      request.options,
    );
    return this.choice ? { ...result, plan: { ...result.plan, engine: this.run() } } : result;
  }

  /** Why the heuristic planned, so a lead knows whether a model-made plan was on offer. */
  private run(): EngineRun {
    const { requested, reason, hint } = this.choice!;
    return { name: 'heuristic', requested, reason, ...(hint ? { hint } : {}), calls: 0, repairRounds: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } };
  }
}
