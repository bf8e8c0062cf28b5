/**
 * The claude engine: the user's own Claude Code, headless, answers with structured output; xplan validates the
 * answer, runs its own checks, and sends what fails back for a repair round or two. What still fails after the
 * last round stays on the plan as warnings. A failed call is an error naming the offline fallback; nothing is
 * returned half-done, so nothing is saved.
 */
import { assessSpecs, type Assessment } from '../core/assess.js';
import { XplanError, InputError } from '../core/errors.js';
import { buildInventory } from '../core/inventory.js';
import { capitalise } from '../core/text.js';
import { derivePlan, recommendedRange } from '../core/plan-derive.js';
import type { EngineRun, PlanWarning } from '../core/plan.js';
import type { PlanConfirmation, PlanningResult } from '../core/planner.js';
import { redactSecrets, scanSecrets } from '../core/secrets.js';
import { callStructured, StructuredCallError, type StructuredAnswer } from '../adapters/claude-structured.js';
import {
  ASSESS_ANSWER_JSON_SCHEMA,
  AssessAnswerSchema,
  assessProblems,
  assessPrompt,
  convertAssessAnswer,
  convertPlanAnswer,
  PLAN_ANSWER_JSON_SCHEMA,
  PlanAnswerSchema,
  planPrompt,
  repairPrompt,
  type ConvertedPlan,
  type SpecText,
} from './claude-answer.js';
import type { AssessRequest, EngineContext, EngineSpec, PlanningEngine, PlanRequest } from './engine.js';

const FALLBACK = 'run the same command with --engine heuristic (offline, no Claude Code needed)';

export class ClaudeEngine implements PlanningEngine {
  readonly name = 'claude' as const;

  constructor(private readonly context: EngineContext) {}

  async assess(request: AssessRequest): Promise<Assessment> {
    const { config } = this.context;
    const thresholds = config.assess.thresholds;
    const parsed = request.specs.map((s) => s.parsed);
    const heuristic = assessSpecs(parsed, thresholds);
    const inventory = buildInventory(parsed);
    const run = newRun();
    const outcome = await this.converse(assessPrompt(this.specTexts(request.specs), inventory, thresholds), ASSESS_ANSWER_JSON_SCHEMA, run, 'assessing the spec', (output) => {
      const answer = AssessAnswerSchema.safeParse(output);
      if (!answer.success) return { problems: schemaProblems(answer.error.issues) };
      return { value: answer.data, problems: assessProblems(answer.data, inventory) };
    });
    const assessment = convertAssessAnswer(outcome.value, inventory, heuristic, thresholds);
    if (outcome.problems.length > 0) {
      assessment.warnings.push({ code: 'ENGINE_CHECK', message: `After ${run.repairRounds} repair round(s) the answer still has problems: ${outcome.problems.join('; ')}`, evidence: [] });
    }
    return { ...assessment, engine: run };
  }

  async plan(request: PlanRequest): Promise<PlanningResult> {
    const { config } = this.context;
    const { options, assessment } = request;
    const parsed = request.specs.map((s) => s.parsed);
    const inventory = buildInventory(parsed);
    const effort = assessment.drivers.find((d) => d.id === 'effortHours')?.value ?? 8;
    const range = recommendedRange(effort, options.minHoursPerTask);
    const recommended = { min: Math.min(range.min, options.maxTasks), max: Math.min(range.max, options.maxTasks) };
    const run = newRun();
    const outcome = await this.converse(
      planPrompt({ specs: this.specTexts(request.specs), inventory, verdict: assessment.verdict, recommendedTasks: recommended }),
      PLAN_ANSWER_JSON_SCHEMA,
      run,
      'planning',
      (output): { value?: ConvertedPlan; problems: string[] } => {
        const answer = PlanAnswerSchema.safeParse(output);
        if (!answer.success) return { problems: schemaProblems(answer.error.issues) };
        const converted = convertPlanAnswer(answer.data, inventory, recommended);
        return { value: converted, problems: converted.problems };
      },
    );
    const converted = outcome.value;
    const warnings: PlanWarning[] = outcome.problems.map((message) => ({ code: 'ENGINE_CHECK', message, tasks: [] }));
    for (const e of converted.excluded) {
      warnings.push({ code: 'ENGINE_EXCLUDED', message: `${e.item.key} (${e.item.file}:${e.item.line}) left out: ${e.reason}`, tasks: [] });
    }
    const plan = derivePlan(
      {
        planId: options.planId,
        branching: options.branching,
        spec: { paths: parsed.map((s) => s.file), title: parsed.map((s) => s.title).join(' + ') },
        tasks: converted.tasks,
        streams: converted.streams,
        warnings,
      },
      { specs: parsed, concurrency: options.concurrency, minHoursPerTask: options.minHoursPerTask, tinyTaskRatio: options.tinyTaskRatio },
    );
    const confirmations: PlanConfirmation[] = [];
    if (plan.tasks.length > plan.summary.recommendedTasks.max) {
      confirmations.push({
        code: 'OVER_DECOMPOSED',
        message: `${plan.tasks.length} tasks is more than this spec's size supports (${plan.summary.recommendedTasks.min}–${plan.summary.recommendedTasks.max})`,
      });
    }
    return { plan: { ...plan, engine: run }, confirmations };
  }

  /**
   * Asks, checks the answer, and asks again with the problems until the answer passes or the repair rounds are
   * used up. An answer that never matched the schema is an error; one that matched but still has problems is
   * returned with them.
   */
  private async converse<T>(
    basePrompt: string,
    schema: object,
    run: EngineRun,
    doing: string,
    check: (output: unknown) => { value?: T; problems: string[] },
  ): Promise<{ value: T; problems: string[] }> {
    const settings = this.context.config.planning;
    let prompt = basePrompt;
    let best: { value: T; problems: string[] } | undefined;
    let lastProblems: string[] = [];
    for (;;) {
      this.context.progress?.(run.calls === 0 ? `Claude Code is ${doing}` : `Claude Code is repairing its answer (round ${run.repairRounds})`);
      const answer = await this.call(prompt, schema, run);
      const checked = check(answer.output);
      lastProblems = checked.problems;
      if (checked.value !== undefined) best = { value: checked.value, problems: checked.problems };
      if (checked.problems.length === 0 || run.repairRounds >= settings.repairRounds) break;
      run.repairRounds++;
      prompt = repairPrompt(basePrompt, answer.output, checked.problems);
    }
    if (!best) {
      throw new XplanError('ENGINE_INVALID_ANSWER', `Claude Code's answer does not have the required shape, after ${run.repairRounds} repair round(s): ${lastProblems.slice(0, 5).join('; ')}`, {
        hint: `Nothing was saved. Try again, or ${FALLBACK}.`,
      });
    }
    return best;
  }

  private async call(prompt: string, schema: object, run: EngineRun): Promise<StructuredAnswer> {
    const { config, cwd, env } = this.context;
    run.calls++;
    try {
      const answer = await callStructured({
        command: config.claude.command,
        schema,
        prompt,
        cwd,
        env,
        timeoutMs: config.planning.timeoutSeconds * 1000,
        model: config.planning.model ?? config.claude.model,
        maxBudgetUsd: config.planning.maxBudgetUsd,
        extraArgs: config.claude.extraArgs,
      });
      addUsage(run, answer.usage);
      if (answer.model) run.model = answer.model;
      return answer;
    } catch (error) {
      if (!(error instanceof StructuredCallError)) throw error;
      addUsage(run, error.usage);
      throw new XplanError(`ENGINE_${error.failure.toUpperCase().replace(/-/g, '_')}`, `The claude engine failed: ${error.message}`, {
        hint: `Nothing was saved. ${error.hint ? `${error.hint}; or ${FALLBACK}` : capitalise(FALLBACK)}.`,
        cause: error,
      });
    }
  }

  /** The specs as sent to Claude Code, following the `secrets:` policy. */
  private specTexts(specs: EngineSpec[]): SpecText[] {
    const policy = this.context.config.secrets;
    return specs.map((s) => {
      if (policy === 'warn') return { file: s.parsed.file, text: s.text };
      const findings = scanSecrets(s.text);
      if (findings.length > 0 && policy === 'block') {
        throw new InputError(
          'SECRETS_IN_SPEC',
          `${s.parsed.file} holds ${findings.length} secret${findings.length === 1 ? '' : 's'} (${findings.map((f) => `${f.kind} on line ${f.line}`).join(', ')}); secrets: block keeps it from Claude Code`,
          'Remove them from the spec, set secrets: redact in .xplan/config.yaml, or use --engine heuristic (nothing leaves the machine).',
        );
      }
      return { file: s.parsed.file, text: redactSecrets(s.text) };
    });
  }
}

function newRun(): EngineRun {
  return { name: 'claude', calls: 0, repairRounds: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } };
}

function addUsage(run: EngineRun, usage: { inputTokens: number; outputTokens: number; costUsd: number }): void {
  run.usage.inputTokens += usage.inputTokens;
  run.usage.outputTokens += usage.outputTokens;
  run.usage.costUsd = Math.round((run.usage.costUsd + usage.costUsd) * 1e6) / 1e6;
}

function schemaProblems(issues: Array<{ path: Array<string | number>; message: string }>): string[] {
  return issues.slice(0, 20).map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`);
}
