/**
 * Planning engines: the heuristic (embedded, deterministic, offline; the default) and claude (the user's Claude
 * Code, headless, with structured output). Both take the parsed specs and produce the same Assessment and Plan,
 * which pass the same checks.
 */
import type { Assessment } from '../core/assess.js';
import type { Config, EngineName } from '../core/config.js';
import type { PlanningResult, PlanOptions } from '../core/planner.js';
import type { ParsedSpec } from '../core/spec.js';

export interface EngineSpec {
  parsed: ParsedSpec;
  /** The spec's text as read, for engines that read the spec themselves. */
  text: string;
}

export interface AssessRequest {
  specs: EngineSpec[];
}

export interface PlanRequest {
  specs: EngineSpec[];
  assessment: Assessment;
  options: PlanOptions;
}

export interface PlanningEngine {
  readonly name: EngineName;
  assess(request: AssessRequest): Promise<Assessment>;
  plan(request: PlanRequest): Promise<PlanningResult>;
}

export interface EngineContext {
  config: Config;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Told what the engine is waiting for, for a spinner; engines never print. */
  progress?: (message: string) => void;
}

/** The engine of that name; the claude engine's code is loaded only when it is used. */
export async function createEngine(name: EngineName, context: EngineContext): Promise<PlanningEngine> {
  if (name === 'claude') {
    const { ClaudeEngine } = await import('./claude.js');
    return new ClaudeEngine(context);
  }
  const { HeuristicEngine } = await import('./heuristic.js');
  return new HeuristicEngine(context.config);
}
