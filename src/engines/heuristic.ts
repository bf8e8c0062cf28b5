/** The heuristic engine: xplan's own intake, assessment and planner. Embedded, deterministic, offline. */
import { assessSpecs, type Assessment } from '../core/assess.js';
import type { Config } from '../core/config.js';
import { planSpecs, type PlanningResult } from '../core/planner.js';
import type { AssessRequest, PlanningEngine, PlanRequest } from './engine.js';

export class HeuristicEngine implements PlanningEngine {
  readonly name = 'heuristic' as const;

  constructor(private readonly config: Config) {}

  async assess(request: AssessRequest): Promise<Assessment> {
    return assessSpecs(
      request.specs.map((s) => s.parsed),
      this.config.assess.thresholds,
    );
  }

  async plan(request: PlanRequest): Promise<PlanningResult> {
    return planSpecs(
      request.specs.map((s) => s.parsed),
      request.assessment,
      request.options,
    );
  }
}
