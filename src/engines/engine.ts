/**
 * Planning engines: claude (the user's Claude Code, headless, with structured output) and the heuristic
 * (embedded, deterministic, offline). `auto`, the default, picks claude when Claude Code is logged in and the
 * heuristic otherwise, and says which and why. Both take the parsed specs and produce the same Assessment and
 * Plan, which pass the same checks.
 */
import type { Assessment } from '../core/intake/assess.js';
import type { Config, EngineName, PlanningEngineName } from '../core/config.js';
import type { PlanningResult, PlanOptions } from '../core/plan/planner.js';
import type { ParsedSpec } from '../core/intake/spec.js';
import type { StructuredAnswer, StructuredCallOptions } from '../adapters/tools/claude-structured.js';

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
  readonly name: PlanningEngineName;
  assess(request: AssessRequest): Promise<Assessment>;
  plan(request: PlanRequest): Promise<PlanningResult>;
}

/** Which engine plans, what was asked for, and why; `hint` says how to get a model-made plan after a fallback. */
export interface EngineChoice {
  name: PlanningEngineName;
  requested: EngineName;
  reason: string;
  hint?: string;
}

export interface EngineContext {
  config: Config;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Told what the engine is waiting for, for a spinner; engines never print. */
  progress?: (message: string) => void;
  choice?: EngineChoice;
  /** One structured Claude Code call; by default the real `claude` (a recorded stand-in in tests). */
  call?: (options: StructuredCallOptions) => Promise<StructuredAnswer>;
}

const MODEL_MADE = 'then `xplan plan` again for a model-made plan';

/**
 * The engine to plan with. `auto` asks `claude auth status --json` (no model call): logged in → claude; Claude
 * Code missing or logged out → the heuristic, with the reason and the fix.
 */
export async function chooseEngine(requested: EngineName, context: Pick<EngineContext, 'config' | 'cwd' | 'env'>): Promise<EngineChoice> {
  if (requested === 'heuristic') return { name: 'heuristic', requested, reason: 'asked for' };
  if (requested === 'claude') return { name: 'claude', requested, reason: 'asked for' };
  const command = context.config.claude.command;
  const { claudeLogin } = await import('../adapters/tools/claude-login.js');
  const login = await claudeLogin(command, { cwd: context.cwd, env: context.env });
  switch (login.state) {
    case 'logged-in':
      return { name: 'claude', requested, reason: `Claude Code is logged in (${login.method})` };
    case 'logged-out':
      return { name: 'heuristic', requested, reason: 'Claude Code is not logged in', hint: `run \`${command} auth login\`, ${MODEL_MADE}` };
    case 'missing':
      return {
        name: 'heuristic',
        requested,
        reason: `\`${command}\` is not on PATH`,
        hint: `install Claude Code (npm install -g @anthropic-ai/claude-code) and log in with \`claude auth login\`, ${MODEL_MADE}`,
      };
    case 'unknown':
      return { name: 'heuristic', requested, reason: `Claude Code's login could not be read (${login.detail})`, hint: `check \`${command} auth status\`, or pass --engine claude` };
  }
}

/** The engine of that choice; the claude engine's code is loaded only when it is used. */
export async function createEngine(choice: EngineChoice, context: EngineContext): Promise<PlanningEngine> {
  if (choice.name === 'claude') {
    const { ClaudeEngine } = await import('./claude.js');
    return new ClaudeEngine({ ...context, choice });
  }
  const { HeuristicEngine } = await import('./heuristic.js');
  return new HeuristicEngine(context.config, choice);
}
