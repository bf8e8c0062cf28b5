/**
 * The claude engine: the user's own Claude Code, headless, answers with structured output; xplan validates each
 * answer, runs its own checks, and sends what fails back for a repair round or two.
 *
 * A plan comes from calls that can run side by side: one outline call (the scope verdict and the tasks in compact
 * form: coverage, dependencies, effort), then detail calls for groups of tasks at once (descriptions, risks,
 * strategies, files). A repair round resends only the part that failed. Every call starts with the same prefix
 * (spec, inventory, the lead's note), so the prompt cache serves it. A failed call is an error naming the offline
 * fallback; nothing is returned half-done, so nothing is saved.
 */
import { assessSpecs, type Assessment } from '../core/intake/assess.js';
import { XplanError, InputError } from '../core/errors.js';
import { EFFORT_HOURS } from '../core/plan/effort.js';
import { buildInventory } from '../core/intake/inventory.js';
import { capitalise, count } from '../core/text.js';
import { derivePlan } from '../core/plan/plan-derive.js';
import type { EngineRun, PlanWarning } from '../core/plan/plan.js';
import { historyOf, overDecomposition, type PlanningResult } from '../core/plan/planner.js';
import { redactSecrets, scanSecrets } from '../core/secrets.js';
import { callStructured, StructuredCallError, type StructuredAnswer, type StructuredCallOptions } from '../adapters/tools/claude-structured.js';
import {
  ASSESS_ANSWER_JSON_SCHEMA,
  AssessAnswerSchema,
  assemblePlan,
  assessProblems,
  assessPrompt,
  checkDetails,
  checkOutline,
  convertAssessAnswer,
  detailGroups,
  detailsPrompt,
  detailsPurpose,
  DETAILS_JSON_SCHEMA,
  DetailsSchema,
  expandOutline,
  OUTLINE_JSON_SCHEMA,
  outlineAssessment,
  outlinePrompt,
  OutlineSchema,
  planningPrefix,
  repairPrompt,
  specAsksTestsFirst,
  type Details,
  type Outline,
  type OutlineCheck,
  type SpecText,
  type TaskDetails,
} from './claude-answer.js';
import type { AssessRequest, EngineContext, EngineSpec, PlanningEngine, PlanRequest } from './engine.js';

const FALLBACK = 'run the same command with --engine heuristic (offline, no Claude Code needed)';

/** One call in flight, for the progress line. */
interface CallProgress {
  purpose: string;
  startedAt: number;
  outputTokens: number;
}

/** What one conversation (a call and its repair rounds) produced. */
interface Conversation<T> {
  value: T;
  problems: string[];
  /** Output tokens of its calls, one after the other. */
  outputTokens: number;
}

export class ClaudeEngine implements PlanningEngine {
  readonly name = 'claude' as const;
  private readonly inFlight = new Set<CallProgress>();

  constructor(private readonly context: EngineContext) {}

  async assess(request: AssessRequest): Promise<Assessment> {
    const { config } = this.context;
    const thresholds = config.assess.thresholds;
    const parsed = request.specs.map((s) => s.parsed);
    const heuristic = assessSpecs(parsed, thresholds);
    const inventory = buildInventory(parsed);
    const run = this.newRun();
    const prefix = planningPrefix(this.specTexts(request.specs), inventory);
    const outcome = await this.converse('assess', assessPrompt(prefix, thresholds), ASSESS_ANSWER_JSON_SCHEMA, run, (output) => {
      const answer = AssessAnswerSchema.safeParse(output);
      if (!answer.success) return { problems: schemaProblems(answer.error.issues) };
      return { value: answer.data, problems: assessProblems(answer.data, inventory) };
    });
    run.sequentialOutputTokens = outcome.outputTokens;
    const assessment = convertAssessAnswer(outcome.value, inventory, heuristic, thresholds);
    if (outcome.problems.length > 0) {
      assessment.warnings.push({ code: 'ENGINE_CHECK', message: `After ${count(run.repairRounds, 'repair round')} the answer still has problems: ${outcome.problems.join('; ')}`, evidence: [] });
    }
    return { ...assessment, engine: run };
  }

  async plan(request: PlanRequest): Promise<PlanningResult> {
    const { config } = this.context;
    const { options } = request;
    const parsed = request.specs.map((s) => s.parsed);
    const inventory = buildInventory(parsed);
    const specs = this.specTexts(request.specs);
    const prefix = planningPrefix(specs, inventory, options.note);
    const rules = {
      maxTasks: options.maxTasksFromUser ? options.maxTasks : undefined,
      minHoursPerTask: options.minHoursPerTask,
      testsFirst: specAsksTestsFirst(specs),
      specNamesFiles: parsed.some((s) => s.files.length >= 3),
    };
    const run = this.newRun();
    const ticker = this.startTicker();
    try {
      const outlined = await this.converse('outline', outlinePrompt(prefix, rules), OUTLINE_JSON_SCHEMA, run, (output): { value?: { outline: Outline; check: OutlineCheck }; problems: string[] } => {
        const answer = OutlineSchema.safeParse(output);
        if (!answer.success) return { problems: schemaProblems(answer.error.issues) };
        const outline = expandOutline(answer.data);
        const check = checkOutline(outline, inventory, rules);
        return { value: { outline, check }, problems: check.problems };
      });
      const { outline, check } = outlined.value;
      if (check.graph.length > 0) {
        // Details of tasks whose ids or edges are still wrong would be built on sand.
        throw new XplanError('ENGINE_INVALID_ANSWER', `Claude Code's outline still has problems after ${count(run.repairRounds, 'repair round')}: ${check.graph.slice(0, 5).join('; ')}`, {
          hint: `Nothing was saved. Try again, or ${FALLBACK}.`,
        });
      }

      const groups = detailGroups(
        outline.tasks.map((t) => t.id),
        config.planning.concurrency,
      );
      // Every call is waited for, so none is left running when one fails.
      const settled = await Promise.allSettled(groups.map((ids) => this.detail(prefix, outline, ids, rules, run)));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      const detailed = settled.map((s) => (s as PromiseFulfilledResult<Conversation<Details>>).value);
      const details = new Map<string, TaskDetails>();
      for (const d of detailed) for (const t of d.value.tasks) if (!details.has(t.id)) details.set(t.id, t);
      run.sequentialOutputTokens = outlined.outputTokens + Math.max(0, ...detailed.map((d) => d.outputTokens));

      const assembled = assemblePlan(outline, details, inventory);
      const warnings: PlanWarning[] = [...outlined.problems, ...detailed.flatMap((d) => d.problems)].map((message) => ({ code: 'ENGINE_CHECK', message, tasks: [] }));
      const planHours = assembled.tasks.reduce((sum, t) => sum + EFFORT_HOURS[t.effort], 0);
      const heuristic = assessSpecs(parsed, config.assess.thresholds);
      const assessment = { ...outlineAssessment(outline, inventory, heuristic, config.assess.thresholds, planHours), engine: run };
      const leftOut = check.excluded.map((e) => ({ key: e.item.key, file: e.item.file, line: e.item.line, text: e.item.text, reason: e.reason }));
      const plan = derivePlan(
        {
          planId: options.planId,
          branching: options.branching,
          spec: { paths: parsed.map((s) => s.file), title: [...new Set(parsed.map((s) => s.title))].join(' + ') },
          tasks: assembled.tasks,
          streams: assembled.streams,
          warnings,
          leftOut,
          ...(options.note ? { note: options.note } : {}),
        },
        { specs: parsed, concurrency: options.concurrency, minHoursPerTask: options.minHoursPerTask, tinyTaskRatio: options.tinyTaskRatio, ...historyOf(options) },
      );
      return { plan: { ...plan, engine: run }, assessment, confirmations: overDecomposition(plan) };
    } finally {
      clearInterval(ticker);
    }
  }

  /** The details of one group of tasks; a failed check resends this group alone. */
  private async detail(prefix: string, outline: Outline, ids: string[], rules: { testsFirst: boolean; specNamesFiles: boolean }, run: EngineRun): Promise<Conversation<Details>> {
    const outcome = await this.converse(detailsPurpose(ids), detailsPrompt(prefix, outline, ids, rules), DETAILS_JSON_SCHEMA, run, (output) => {
      const answer = DetailsSchema.safeParse(output);
      if (!answer.success) return { problems: schemaProblems(answer.error.issues) };
      const problems = checkDetails(answer.data, outline, ids, rules);
      // A task with no details at all cannot be planned: that is a shape problem, not a warning.
      const complete = ids.every((id) => answer.data.tasks.some((t) => t.id === id));
      return complete ? { value: answer.data, problems } : { problems };
    });
    return outcome;
  }

  /**
   * Asks, checks the answer, and asks again with the problems until the answer passes or the repair rounds are
   * used up. An answer that never matched the schema is an error; one that matched but still has problems is
   * returned with them.
   */
  private async converse<T>(purpose: string, basePrompt: string, schema: object, run: EngineRun, check: (output: unknown) => { value?: T; problems: string[] }): Promise<Conversation<T>> {
    const settings = this.context.config.planning;
    let prompt = basePrompt;
    let best: { value: T; problems: string[] } | undefined;
    let lastProblems: string[] = [];
    let rounds = 0;
    let outputTokens = 0;
    for (;;) {
      const answer = await this.call(rounds === 0 ? purpose : `${purpose}, repair ${rounds}`, prompt, schema, run);
      outputTokens += answer.usage.outputTokens;
      const checked = check(answer.output);
      lastProblems = checked.problems;
      if (checked.value !== undefined) best = { value: checked.value, problems: checked.problems };
      if (checked.problems.length === 0 || rounds >= settings.repairRounds) break;
      rounds++;
      run.repairRounds++;
      prompt = repairPrompt(basePrompt, answer.output, checked.problems);
    }
    if (!best) {
      throw new XplanError(
        'ENGINE_INVALID_ANSWER',
        `Claude Code's answer (${purpose}) does not have the required shape, after ${count(rounds, 'repair round')}: ${lastProblems.slice(0, 5).join('; ')}`,
        {
          hint: `Nothing was saved. Try again, or ${FALLBACK}.`,
        },
      );
    }
    return { ...best, outputTokens };
  }

  private async call(purpose: string, prompt: string, schema: object, run: EngineRun): Promise<StructuredAnswer> {
    const { config, cwd, env } = this.context;
    run.calls++;
    const progress: CallProgress = { purpose, startedAt: Date.now(), outputTokens: 0 };
    this.inFlight.add(progress);
    this.report();
    const options: StructuredCallOptions = {
      command: config.claude.command,
      schema,
      prompt,
      cwd,
      env,
      timeoutMs: config.planning.timeoutSeconds * 1000,
      model: config.planning.model ?? config.claude.model,
      maxBudgetUsd: config.planning.maxBudgetUsd,
      extraArgs: config.claude.extraArgs,
      onOutputTokens: (n) => {
        progress.outputTokens = n;
        this.report();
      },
    };
    try {
      const answer = await (this.context.call ?? callStructured)(options);
      progress.outputTokens = answer.usage.outputTokens;
      addUsage(run, answer.usage);
      if (answer.model) run.model = answer.model;
      return answer;
    } catch (error) {
      if (!(error instanceof StructuredCallError)) throw error;
      addUsage(run, error.usage);
      throw new XplanError(`ENGINE_${error.failure.toUpperCase().replace(/-/g, '_')}`, `The claude engine failed (${purpose}): ${error.message}`, {
        hint: `Nothing was saved. ${error.hint ? `${error.hint}; or ${FALLBACK}` : capitalise(FALLBACK)}.`,
        cause: error,
      });
    } finally {
      this.inFlight.delete(progress);
      this.report();
    }
  }

  /** Elapsed time and tokens so far of each call in flight: "outline 12 s · 1.2k tokens". */
  private report(): void {
    const { progress } = this.context;
    if (!progress) return;
    const now = Date.now();
    const active = [...this.inFlight];
    if (active.length === 0) return;
    const parts = active.map((c) => `${c.purpose} ${Math.floor((now - c.startedAt) / 1000)} s${c.outputTokens > 0 ? ` · ${formatTokens(c.outputTokens)} tokens` : ''}`);
    progress(`Claude Code: ${parts.join('; ')}`);
  }

  private startTicker(): ReturnType<typeof setInterval> {
    const ticker = setInterval(() => this.report(), 1000);
    ticker.unref();
    return ticker;
  }

  private newRun(): EngineRun {
    const { choice } = this.context;
    return {
      name: 'claude',
      calls: 0,
      repairRounds: 0,
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
      sequentialOutputTokens: 0,
      ...(choice ? { requested: choice.requested, reason: choice.reason } : {}),
    };
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

function formatTokens(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

function addUsage(run: EngineRun, usage: { inputTokens: number; outputTokens: number; costUsd: number }): void {
  run.usage.inputTokens += usage.inputTokens;
  run.usage.outputTokens += usage.outputTokens;
  run.usage.costUsd = Math.round((run.usage.costUsd + usage.costUsd) * 1e6) / 1e6;
}

function schemaProblems(issues: Array<{ path: Array<string | number>; message: string }>): string[] {
  return issues.slice(0, 20).map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`);
}
