/**
 * What the claude engine asks and what it accepts, without any I/O: the prompts (spec with line numbers plus the
 * numbered inventory), the JSON schemas Claude Code enforces on the structured answer, the zod schemas xplan checks
 * it with, and the conversion of an answer into xplan's plan and assessment, with the problems to send back.
 */
import { z } from 'zod/v3';
import type { Assessment, Confidence, Driver, DriverId, Verdict } from '../core/assess.js';
import type { Thresholds } from '../core/config.js';
import { analyzeDag } from '../core/dag.js';
import { EFFORT_HOURS } from '../core/effort.js';
import { checkCoverage, formatInventory, type Inventory, type InventoryItem } from '../core/inventory.js';
import type { Stream, Task, TaskSource } from '../core/plan.js';
import { EFFORTS, RISKS, TASK_KINDS, TEST_STRATEGIES } from '../core/plan-schema.js';
import type { SourceRef } from '../core/spec.js';

export interface SpecText {
  file: string;
  text: string;
}

// ---------------------------------------------------------------- plan

const stringArray = { type: 'array', items: { type: 'string' } } as const;

/** The JSON schema of a plan answer, as Claude Code's --json-schema enforces it. */
export const PLAN_ANSWER_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['tasks', 'excluded'],
  properties: {
    tasks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'description', 'dependsOn', 'covers', 'acceptance', 'derivedAcceptance', 'effort', 'risk', 'riskReason', 'testStrategy', 'strategyReason', 'stream', 'files', 'kind'],
        properties: {
          id: { type: 'string', pattern: '^T[0-9]+$' },
          title: { type: 'string', minLength: 3, maxLength: 90 },
          description: { type: 'string' },
          dependsOn: {
            type: 'array',
            items: { type: 'object', additionalProperties: false, required: ['task', 'reason'], properties: { task: { type: 'string' }, reason: { type: 'string' } } },
          },
          covers: { type: 'array', items: { type: 'string', pattern: '^R[0-9]+$' } },
          acceptance: { type: 'array', items: { type: 'string', pattern: '^A[0-9]+$' } },
          derivedAcceptance: stringArray,
          effort: { type: 'string', enum: [...EFFORTS] },
          risk: { type: 'string', enum: [...RISKS] },
          riskReason: { type: 'string' },
          testStrategy: { type: 'string', enum: [...TEST_STRATEGIES] },
          strategyReason: { type: 'string' },
          stream: { type: 'string' },
          files: stringArray,
          kind: { type: 'string', enum: [...TASK_KINDS] },
        },
      },
    },
    excluded: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['item', 'reason'], properties: { item: { type: 'string', pattern: '^[RA][0-9]+$' }, reason: { type: 'string' } } },
    },
  },
} as const;

const TaskAnswerSchema = z
  .object({
    id: z.string().regex(/^T\d+$/),
    title: z.string().regex(/[\p{L}\p{N}]/u, { message: 'a task needs a title' }),
    description: z.string(),
    dependsOn: z.array(z.object({ task: z.string(), reason: z.string() }).strict()),
    covers: z.array(z.string()),
    acceptance: z.array(z.string()),
    derivedAcceptance: z.array(z.string()),
    effort: z.enum(EFFORTS),
    risk: z.enum(RISKS),
    riskReason: z.string(),
    testStrategy: z.enum(TEST_STRATEGIES),
    strategyReason: z.string(),
    stream: z.string(),
    files: z.array(z.string()),
    kind: z.enum(TASK_KINDS),
  })
  .strict();

export const PlanAnswerSchema = z
  .object({
    tasks: z.array(TaskAnswerSchema).min(1),
    excluded: z.array(z.object({ item: z.string(), reason: z.string() }).strict()),
  })
  .strict();

export type PlanAnswer = z.infer<typeof PlanAnswerSchema>;

export interface PlanPromptInput {
  specs: SpecText[];
  inventory: Inventory;
  verdict: Verdict;
  recommendedTasks: { min: number; max: number };
}

/** The spec as the model sees it: every line numbered, so it can cite lines. */
export function numberedSpec(spec: SpecText): string {
  const lines = spec.text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const width = String(lines.length).length;
  return lines.map((line, i) => `${String(i + 1).padStart(width)}| ${line}`).join('\n');
}

function specSection(specs: SpecText[]): string {
  return specs.map((s) => `## Spec ${s.file}\n\n${numberedSpec(s)}`).join('\n\n');
}

export function planPrompt(input: PlanPromptInput): string {
  const { min, max } = input.recommendedTasks;
  return [
    '# Plan this spec as tasks for coding agents',
    '',
    'Each task is done by one coding agent in its own git branch; tasks run in parallel where the dependencies allow,',
    'and a task starts only after the tasks it depends on are merged. A tech lead reviews the plan before any agent starts.',
    '',
    'Answer with the structured output only. Rules:',
    '1. Every R item goes in the `covers` of exactly one task. A user story and the requirement that implements it go in the same task.',
    "2. Every A item goes in the `acceptance` of exactly one task: the task that implements what it checks (the task covering its `of` item, when it has one). Do not restate the spec's criteria in `derivedAcceptance`; put there only checks the spec does not state.",
    '3. X items are out of scope: never plan them. If an R or A item is not work (an example, a heading, a later phase, a duplicate), list it in `excluded` with the reason instead of covering it.',
    '4. `dependsOn` holds only producer → consumer edges: the consumer needs something the producer builds (a schema, a module, an endpoint). Give each edge its reason. No cycles; follow the dependencies the spec states.',
    `5. Size: tasks of one focused agent session (effort XS ≈ ½ h, S ≈ 1 h, M ≈ 2 h, L ≈ 4 h, XL ≈ 8 h). This spec supports ${min}–${max} tasks${input.verdict === 'single-agent' ? '; it was assessed as work for a single agent, so one task is right unless the spec clearly needs more' : ''}. Do not split work one agent does in one session.`,
    '6. A scaffold or shared foundation that several tasks need is its own task, first. test-first means a separate test task (kind "test") that the implementation depends on.',
    '7. `files`: paths the task will create or change, where the spec or the structure it describes names them. `stream`: a short name for the component the task works in (tasks in different streams touch different files).',
    '8. Titles: an imperative phrase under 80 characters, never empty, never cut off.',
    '',
    '## Inventory',
    '',
    formatInventory(input.inventory),
    '',
    specSection(input.specs),
  ].join('\n');
}

/** The prompt of a repair round: the first prompt, the answer given, and what xplan's checks found wrong. */
export function repairPrompt(basePrompt: string, previous: unknown, problems: string[]): string {
  return [
    basePrompt,
    '',
    '## Your previous answer',
    '',
    '```json',
    JSON.stringify(previous, null, 1),
    '```',
    '',
    "## Problems found by xplan's checks",
    '',
    ...problems.map((p) => `- ${p}`),
    '',
    'Answer again with the complete, corrected plan (every task, not only the changed ones).',
  ].join('\n');
}

export interface ConvertedPlan {
  tasks: Task[];
  streams: Stream[];
  excluded: Array<{ item: InventoryItem; reason: string }>;
  /** Problems worth a repair round; empty when the answer passes every check. */
  problems: string[];
}

/**
 * The answer as xplan tasks, and every problem xplan's own checks find in it: ids, dependencies (dangling, self,
 * cycles), coverage against the inventory (each requirement and acceptance line exactly once, nothing out of
 * scope) and the over-decomposition guard.
 */
export function convertPlanAnswer(answer: PlanAnswer, inventory: Inventory, recommendedTasks: { min: number; max: number }): ConvertedPlan {
  const problems: string[] = [];
  const excluded: ConvertedPlan['excluded'] = [];
  for (const e of answer.excluded) {
    const item = inventory.byKey.get(e.item);
    if (!item) problems.push(`excluded names ${e.item}, which is not in the inventory`);
    else excluded.push({ item, reason: e.reason });
  }

  const streamIds = new Map<string, string>();
  const streams: Stream[] = [];
  const tasks: Task[] = answer.tasks.map((t) => {
    const streamName = t.stream.trim() || 'main';
    let stream = streamIds.get(streamName.toLowerCase());
    if (!stream) {
      stream = streamLetter(streams.length);
      streamIds.set(streamName.toLowerCase(), stream);
      streams.push({ id: stream, name: streamName, tasks: [] });
    }
    streams.find((s) => s.id === stream)!.tasks.push(t.id);
    const sources: TaskSource[] = [];
    const criteria: string[] = [];
    for (const key of [...t.covers, ...t.acceptance]) {
      const item = inventory.byKey.get(key);
      if (!item) continue; // reported by the coverage check
      sources.push({ file: item.file, line: item.line, ref: item.id ?? (item.kind === 'acceptance' ? 'acceptance' : item.kind === 'story' ? 'story' : 'requirement') });
      if (item.kind === 'acceptance') criteria.push(item.text);
    }
    const edges = t.dependsOn.filter((d) => d.reason.trim()).map((d) => `- ${d.task}: ${d.reason.trim()}`);
    return {
      id: t.id,
      title: t.title.trim(),
      description: [t.description.trim(), ...(edges.length > 0 ? ['', 'Builds on:', ...edges] : [])].join('\n').trim(),
      dependsOn: t.dependsOn.map((d) => d.task),
      acceptanceCriteria: [...criteria, ...t.derivedAcceptance.map((c) => `(derived) ${c.trim()}`)],
      effort: t.effort,
      risk: t.risk,
      riskReason: t.riskReason,
      testStrategy: t.testStrategy,
      strategyReason: t.strategyReason,
      stream,
      wave: 0,
      kind: t.kind,
      sources: sources.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1)),
      files: t.files,
    };
  });

  for (const issue of analyzeDag(tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn }))).errors) problems.push(issue.message);
  for (const t of tasks) {
    const acceptanceKeys = answer.tasks.find((a) => a.id === t.id)!;
    for (const key of acceptanceKeys.covers) if (!/^R\d+$/.test(key)) problems.push(`${t.id} lists ${key} in covers, which holds R items only`);
    for (const key of acceptanceKeys.acceptance) if (!/^A\d+$/.test(key)) problems.push(`${t.id} lists ${key} in acceptance, which holds A items only`);
  }
  const coverage = checkCoverage(
    inventory,
    answer.tasks.map((t) => ({ id: t.id, kind: t.kind, covers: [...t.covers, ...t.acceptance] })),
    new Set(excluded.map((e) => e.item.key)),
  );
  problems.push(...coverage.map((p) => p.message));
  const totalHours = tasks.reduce((sum, t) => sum + EFFORT_HOURS[t.effort], 0);
  if (tasks.length > Math.max(recommendedTasks.max, Math.ceil(totalHours / 1.5), 3)) {
    problems.push(`${tasks.length} tasks is more than this spec supports (${recommendedTasks.min}–${recommendedTasks.max}): merge tasks one agent would do in one session`);
  }
  return { tasks, streams, excluded, problems };
}

function streamLetter(n: number): string {
  return String.fromCharCode(65 + (n % 26)) + (n >= 26 ? String(Math.floor(n / 26)) : '');
}

// ---------------------------------------------------------------- assess

const DRIVER_IDS = ['requirements', 'components', 'integrations', 'risks', 'unknowns', 'effortHours'] as const satisfies readonly DriverId[];
const DRIVER_LABELS: Record<DriverId, string> = {
  requirements: 'Requirements and user stories',
  components: 'Components',
  integrations: 'Integration points',
  risks: 'Risk factors',
  unknowns: 'Open questions',
  effortHours: 'Estimated effort (agent-hours)',
};

export const ASSESS_ANSWER_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['buildable', 'kind', 'kindReason', 'inScope', 'outOfScope', 'verdict', 'confidence', 'reasons', 'drivers'],
  properties: {
    buildable: { type: 'boolean' },
    kind: { type: 'string', enum: ['prd', 'technical-spec', 'debug-investigation'] },
    kindReason: { type: 'string' },
    inScope: { type: 'array', items: { type: 'string', pattern: '^[RA][0-9]+$' } },
    outOfScope: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['item', 'reason'], properties: { item: { type: 'string' }, reason: { type: 'string' } } },
    },
    verdict: { type: 'string', enum: ['single-agent', 'multi-agent', 'decomposition-required'] },
    confidence: { type: 'string', enum: ['low', 'medium', 'high'] },
    reasons: stringArray,
    drivers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'value', 'reason', 'evidence'],
        properties: { id: { type: 'string', enum: [...DRIVER_IDS] }, value: { type: 'number', minimum: 0 }, reason: { type: 'string' }, evidence: stringArray },
      },
    },
  },
} as const;

export const AssessAnswerSchema = z
  .object({
    buildable: z.boolean(),
    kind: z.enum(['prd', 'technical-spec', 'debug-investigation']),
    kindReason: z.string(),
    inScope: z.array(z.string()),
    outOfScope: z.array(z.object({ item: z.string(), reason: z.string() }).strict()),
    verdict: z.enum(['single-agent', 'multi-agent', 'decomposition-required']),
    confidence: z.enum(['low', 'medium', 'high']),
    reasons: z.array(z.string()),
    drivers: z.array(z.object({ id: z.enum(DRIVER_IDS), value: z.number().nonnegative(), reason: z.string(), evidence: z.array(z.string()) }).strict()),
  })
  .strict();

export type AssessAnswer = z.infer<typeof AssessAnswerSchema>;

export function assessPrompt(specs: SpecText[], inventory: Inventory, thresholds: Thresholds): string {
  const bounds = DRIVER_IDS.map((id) => `- ${id}: up to ${thresholds[id].single} fits one agent; above ${thresholds[id].multi} the spec should be split`).join('\n');
  return [
    '# Assess the scope of this spec',
    '',
    'Decide whether the spec is a buildable piece of software work (a PRD, a technical spec or a bug investigation) and',
    'how much agent work it is: `single-agent` (one coding agent, one session), `multi-agent` (a plan of several tasks)',
    'or `decomposition-required` (too large for one plan: split the spec first).',
    '',
    'Answer with the structured output only. Rules:',
    '1. `inScope`: the R and A items that are work to do now. `outOfScope`: the R and A items that are not (examples, later phases, headings, duplicates), each with the reason. X items are out of scope already.',
    '2. `drivers`: the measures behind the verdict, each with its value, the reason, and the inventory keys (R1, K2, Q1, …) it rests on as `evidence`. Count real components and integrations, not words that look like them.',
    '3. The thresholds of this project:',
    bounds,
    '',
    '## Inventory',
    '',
    formatInventory(inventory),
    '',
    specSection(specs),
  ].join('\n');
}

/** Problems in an assessment answer: keys that are not in the inventory, drivers given twice. */
export function assessProblems(answer: AssessAnswer, inventory: Inventory): string[] {
  const problems: string[] = [];
  const unknown = (key: string, where: string) => {
    if (!inventory.byKey.has(key)) problems.push(`${where} names ${key}, which is not in the inventory`);
  };
  for (const key of answer.inScope) unknown(key, 'inScope');
  for (const o of answer.outOfScope) unknown(o.item, 'outOfScope');
  const seen = new Set<string>();
  for (const d of answer.drivers) {
    if (seen.has(d.id)) problems.push(`driver ${d.id} is given twice`);
    seen.add(d.id);
    for (const key of d.evidence) unknown(key, `driver ${d.id}`);
  }
  return problems;
}

/**
 * The answer as an xplan assessment. The heuristic assessment supplies what the answer does not decide (warnings,
 * split suggestions, drivers the answer leaves out); evidence keys become spec lines.
 */
export function convertAssessAnswer(answer: AssessAnswer, inventory: Inventory, heuristic: Assessment, thresholds: Thresholds): Assessment {
  const evidence = (keys: string[]): SourceRef[] =>
    keys.flatMap((k) => {
      const item = inventory.byKey.get(k);
      return item ? [{ file: item.file, line: item.line, text: `${item.key}: ${item.text}` }] : [];
    });
  const level = (value: number, id: DriverId): Verdict => (value > thresholds[id].multi ? 'decomposition-required' : value > thresholds[id].single ? 'multi-agent' : 'single-agent');
  const drivers: Driver[] = heuristic.drivers.map((h) => {
    const given = answer.drivers.find((d) => d.id === h.id);
    if (!given) return h;
    return { ...h, label: DRIVER_LABELS[h.id], value: given.value, level: level(given.value, h.id), evidence: evidence(given.evidence) };
  });
  const warnings = [...heuristic.warnings];
  if (!answer.buildable) warnings.unshift({ code: 'NOT_BUILDABLE', message: `Not a buildable spec: ${answer.kindReason}`, evidence: [] });
  const excluded = answer.outOfScope.filter((o) => inventory.byKey.has(o.item));
  if (excluded.length > 0) {
    warnings.push({
      code: 'OUT_OF_SCOPE',
      message: `${excluded.length} item${excluded.length === 1 ? '' : 's'} judged out of scope`,
      evidence: excluded.map((o) => {
        const item = inventory.byKey.get(o.item)!;
        return { file: item.file, line: item.line, text: `${item.text} — ${o.reason}` };
      }),
    });
  }
  return {
    ...heuristic,
    spec: { ...heuristic.spec, kind: answer.kind },
    verdict: answer.verdict,
    confidence: answer.confidence as Confidence,
    reasons: answer.reasons.length > 0 ? answer.reasons : heuristic.reasons,
    drivers,
    warnings,
    split: answer.verdict === 'decomposition-required' ? heuristic.split : [],
    next:
      (answer.verdict === 'decomposition-required') === (heuristic.verdict === 'decomposition-required')
        ? heuristic.next
        : answer.verdict === 'decomposition-required'
          ? 'split the spec into smaller specs (one per epic), then run xplan assess on each'
          : `xplan plan ${heuristic.spec.paths.map((p) => (/^[\w./@:+-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`)).join(' ')}`,
  };
}
