/**
 * What the claude engine asks and what it accepts, without any I/O: the prompts (spec with line numbers plus the
 * numbered inventory), the JSON schemas Claude Code enforces on the structured answer, the zod schemas xplan checks
 * it with, and the conversion of an answer into xplan's plan and assessment, with the problems to send back.
 */
import { z } from 'zod/v3';
import type { Assessment, Confidence, Driver, DriverId, Verdict } from '../core/intake/assess.js';
import type { Thresholds } from '../core/config.js';
import { analyzeDag } from '../core/plan/dag.js';
import { EFFORT_HOURS } from '../core/plan/effort.js';
import { checkCoverage, formatInventory, type Inventory, type InventoryItem } from '../core/intake/inventory.js';
import { recommendedRange } from '../core/plan/plan-derive.js';
import { globsOverlap } from '../core/glob.js';
import { mergeStreamsSharingFiles } from '../core/plan/schedule.js';
import type { Stream, Task, TaskSource } from '../core/plan/plan.js';
import { EFFORTS, RISKS, TASK_KINDS, TEST_STRATEGIES } from '../core/plan/plan-schema.js';
import type { SourceRef } from '../core/intake/spec.js';

export interface SpecText {
  file: string;
  text: string;
}

// ---------------------------------------------------------------- plan: shared prefix

const stringArray = { type: 'array', items: { type: 'string' } } as const;

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

/**
 * What every planning call starts with, byte for byte: the spec, its inventory and the lead's note. Only what
 * follows differs between calls, so Claude Code's prompt cache serves the prefix to all but the first.
 */
export function planningPrefix(specs: SpecText[], inventory: Inventory, note?: string): string {
  return [
    '# A spec to plan as tasks for coding agents',
    '',
    'Each task is done by one coding agent in one session, in its own git branch; tasks run in parallel where the',
    'dependencies allow, and a task starts only after the tasks it depends on are merged. A tech lead reviews the plan',
    'before any agent starts. The inventory below numbers what the spec asks for; plans refer to it by key.',
    '',
    '## Inventory',
    '',
    formatInventory(inventory),
    '',
    specSection(specs),
    ...(note ? ['', '## Instructions from the tech lead (they override the rules below where they disagree)', '', note] : []),
    '',
  ].join('\n');
}

/** The line a call names its purpose with, so recorded answers are kept by purpose rather than by prompt text. */
export function callLine(purpose: string): string {
  return `Call: ${purpose}`;
}

// ---------------------------------------------------------------- plan: outline

const DRIVER_IDS = ['requirements', 'components', 'integrations', 'risks', 'unknowns', 'effortHours'] as const satisfies readonly DriverId[];

const DRIVER_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'value', 'reason', 'evidence'],
    properties: {
      id: { type: 'string', enum: [...DRIVER_IDS] },
      value: { type: 'number', minimum: 0 },
      reason: { type: 'string' },
      evidence: stringArray,
    },
  },
} as const;

/** The outline: the scope verdict and the tasks in compact form, which is everything the plan's checks need. */
export const OUTLINE_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'verdict', 'confidence', 'reasons', 'effortHours', 'drivers', 'tasks', 'excluded'],
  properties: {
    kind: { type: 'string', enum: ['prd', 'technical-spec', 'debug-investigation'] },
    verdict: { type: 'string', enum: ['single-agent', 'multi-agent', 'decomposition-required'] },
    confidence: { type: 'string', enum: ['low', 'medium', 'high'] },
    reasons: stringArray,
    effortHours: { type: 'number', minimum: 0 },
    drivers: DRIVER_SCHEMA,
    tasks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'covers', 'dependsOn', 'effort', 'kind', 'stream'],
        properties: {
          id: { type: 'string', pattern: '^T[0-9]+$' },
          title: { type: 'string', minLength: 3, maxLength: 90 },
          covers: { type: 'array', items: { type: 'string', pattern: '^[RA][0-9]+(-[RA]?[0-9]+)?$' } },
          dependsOn: { type: 'array', items: { type: 'string', pattern: '^T[0-9]+$' } },
          effort: { type: 'string', enum: [...EFFORTS] },
          kind: { type: 'string', enum: [...TASK_KINDS] },
          stream: { type: 'string' },
        },
      },
    },
    excluded: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['item', 'reason'], properties: { item: { type: 'string', pattern: '^[RA][0-9]+$' }, reason: { type: 'string' } } },
    },
  },
} as const;

const DriverAnswerSchema = z.object({ id: z.enum(DRIVER_IDS), value: z.number().nonnegative(), reason: z.string(), evidence: z.array(z.string()) }).strict();

export const OutlineSchema = z
  .object({
    kind: z.enum(['prd', 'technical-spec', 'debug-investigation']),
    verdict: z.enum(['single-agent', 'multi-agent', 'decomposition-required']),
    confidence: z.enum(['low', 'medium', 'high']),
    reasons: z.array(z.string()),
    effortHours: z.number().nonnegative(),
    drivers: z.array(DriverAnswerSchema),
    tasks: z
      .array(
        z
          .object({
            id: z.string().regex(/^T\d+$/),
            title: z.string().regex(/[\p{L}\p{N}]/u, { message: 'a task needs a title' }),
            covers: z.array(z.string()),
            dependsOn: z.array(z.string()),
            effort: z.enum(EFFORTS),
            kind: z.enum(TASK_KINDS),
            stream: z.string(),
          })
          .strict(),
      )
      .min(1),
    excluded: z.array(z.object({ item: z.string(), reason: z.string() }).strict()),
  })
  .strict();

export type Outline = z.infer<typeof OutlineSchema>;
export type OutlineTask = Outline['tasks'][number];

export interface OutlineRules {
  /** --max-tasks, when the lead set it. */
  maxTasks?: number;
  minHoursPerTask: number;
  /** The spec asks for tests to be written first. */
  testsFirst: boolean;
}

export function outlinePrompt(prefix: string, rules: OutlineRules): string {
  return [
    prefix,
    '# Outline the plan',
    '',
    callLine('outline'),
    '',
    'Answer with the structured output only: the scope verdict and the tasks in compact form. Descriptions, risks and',
    'test strategies come in later calls, so leave them out here. Rules:',
    '1. Scope: `verdict` is single-agent (one agent, one session), multi-agent (several tasks) or decomposition-required (too large for one plan: split the spec first), with your `confidence`, the `reasons` (one sentence each) and the `drivers` behind it, each citing inventory keys (R1, K2, Q1, …) as `evidence`. `kind` follows from the structure: a bug investigation has a symptom, a cause and a fix; a technical spec describes a design; a PRD describes a product.',
    '2. A single-agent verdict with high confidence is exactly one task that covers everything in scope.',
    '3. Every R and A item is in the `covers` of exactly one task (of any kind), or in `excluded` with the reason it is not work to do now (an example, a glossary entry, a later phase, a duplicate). An A item goes on the task that implements what it checks (the task covering its `of` item, when it has one). X items are out of scope: never plan them. Leave nothing out silently: the lead reads every exclusion before approving. Write a run of consecutive keys as a range (`A26-A34`). The inventory may miss work the spec asks for (a command table, a file format, a decision to implement): plan that too.',
    `4. Size: each task is one focused agent session of coherent work (effort XS ≈ ½ h, S ≈ 1 h, M ≈ 2 h, L ≈ 4 h, XL ≈ 8 h). \`effortHours\` is your estimate of the whole; the tasks' efforts add up to it. For E agent-hours the plan has between ⌈E/8⌉ and max(3, ⌈E/${rules.minHoursPerTask}⌉) tasks: the range the lead is shown${rules.maxTasks ? `, and never more than ${rules.maxTasks} (the lead's limit)` : ''}. Never split work one agent does in one session; never a task for a heading alone.`,
    '5. `dependsOn`: only producer → consumer edges (the consumer needs something the producer builds: a schema, a module, an endpoint), only direct ones (no edge another path already implies), no cycles. A scaffold, shared schema or shared module that several tasks need is its own task (kind setup or foundation), first. Follow the order and dependency chains the spec states.',
    '6. When the spec describes a library or module to plug into an existing application, plan the task that wires it in.',
    rules.testsFirst
      ? '7. The spec asks for tests first: for each high-risk task plan a separate test task (kind test) that the implementation depends on.'
      : '7. Tests live inside the task that builds the code unless the spec asks for tests first.',
    '8. `stream`: a short name of the component the task works in. Tasks in different streams never touch the same files, so use few streams: a stream is a component, not a task.',
    '9. Titles: an imperative phrase under 80 characters that says what to build, never empty, never cut off.',
  ].join('\n');
}

export interface OutlineCheck {
  problems: string[];
  /** Problems with the ids and edges (duplicates, dangling, cycles): a plan cannot be built on them. */
  graph: string[];
  excluded: Array<{ item: InventoryItem; reason: string }>;
}

/** The keys a `covers` entry names: `A7`, or a range `A26-A34` (both ends of one kind). Unknown shapes stay as given. */
export function expandKeys(entries: string[]): string[] {
  return entries.flatMap((entry) => {
    const range = /^([RA])(\d+)-\1?(\d+)$/.exec(entry);
    if (!range) return [entry];
    const [from, to] = [Number(range[2]), Number(range[3])];
    if (to < from || to - from > 10_000) return [entry];
    return Array.from({ length: to - from + 1 }, (_, i) => `${range[1]}${from + i}`);
  });
}

/** The outline with every range in `covers` written out, so the checks and the plan see single keys. */
export function expandOutline(outline: Outline): Outline {
  return { ...outline, tasks: outline.tasks.map((t) => ({ ...t, covers: expandKeys(t.covers) })) };
}

/** xplan's checks of an outline: ids, the graph, coverage against the inventory, the size guard, the fast path. */
export function checkOutline(outline: Outline, inventory: Inventory, rules: OutlineRules): OutlineCheck {
  const problems: string[] = [];
  const excluded: OutlineCheck['excluded'] = [];
  for (const e of outline.excluded) {
    const item = inventory.byKey.get(e.item);
    if (!item) problems.push(`excluded names ${e.item}, which is not in the inventory`);
    else if (!e.reason.trim()) problems.push(`${e.item} is excluded without a reason`);
    else excluded.push({ item, reason: e.reason.trim() });
  }
  const graph: string[] = [];
  const seen = new Set<string>();
  for (const t of outline.tasks) {
    if (seen.has(t.id)) graph.push(`${t.id} is used for two tasks; task ids are unique`);
    seen.add(t.id);
  }
  for (const issue of analyzeDag(outline.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn }))).errors) if (!graph.includes(issue.message)) graph.push(issue.message);
  problems.push(...graph);
  const coverage = checkCoverage(
    inventory,
    outline.tasks.map((t) => ({ id: t.id, kind: t.kind, covers: t.covers })),
    new Set(excluded.map((e) => e.item.key)),
  );
  problems.push(...coverage.map((p) => p.message));

  const n = outline.tasks.length;
  if (outline.verdict === 'single-agent' && outline.confidence === 'high' && n > 1) {
    problems.push(`the verdict is single-agent with high confidence, which is one task, but the outline has ${n}: make it one task, or lower the verdict or its confidence`);
  }
  const totalHours = outline.tasks.reduce((sum, t) => sum + EFFORT_HOURS[t.effort], 0);
  const range = recommendedRange(totalHours, rules.minHoursPerTask);
  if (n > range.max) problems.push(`${n} tasks is more than ${totalHours} agent-hours of work supports (${range.min}–${range.max}): merge tasks one agent would do in one session`);
  if (rules.maxTasks && n > rules.maxTasks) problems.push(`${n} tasks is more than the lead's limit of ${rules.maxTasks}: merge tasks`);
  return { problems, graph, excluded };
}

// ---------------------------------------------------------------- plan: details

export const DETAILS_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['tasks'],
  properties: {
    tasks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'description', 'edges', 'derivedAcceptance', 'risk', 'riskReason', 'testStrategy', 'strategyReason', 'files'],
        properties: {
          id: { type: 'string', pattern: '^T[0-9]+$' },
          description: { type: 'string' },
          edges: {
            type: 'array',
            items: { type: 'object', additionalProperties: false, required: ['task', 'reason'], properties: { task: { type: 'string' }, reason: { type: 'string' } } },
          },
          derivedAcceptance: stringArray,
          risk: { type: 'string', enum: [...RISKS] },
          riskReason: { type: 'string' },
          testStrategy: { type: 'string', enum: [...TEST_STRATEGIES] },
          strategyReason: { type: 'string' },
          files: stringArray,
        },
      },
    },
  },
} as const;

export const DetailsSchema = z
  .object({
    tasks: z
      .array(
        z
          .object({
            id: z.string(),
            description: z.string(),
            edges: z.array(z.object({ task: z.string(), reason: z.string() }).strict()),
            derivedAcceptance: z.array(z.string()),
            risk: z.enum(RISKS),
            riskReason: z.string(),
            testStrategy: z.enum(TEST_STRATEGIES),
            strategyReason: z.string(),
            files: z.array(z.string()),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type Details = z.infer<typeof DetailsSchema>;
export type TaskDetails = Details['tasks'][number];

/** The purpose of the detail call for these tasks: `details T3–T6`. */
export function detailsPurpose(ids: string[]): string {
  return ids.length === 1 ? `details ${ids[0]}` : `details ${ids[0]}–${ids[ids.length - 1]}`;
}

/** Keys with runs of consecutive numbers written as ranges: A26, A27, A28 → A26-A28. */
function compactKeys(keys: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < keys.length;) {
    const m = /^([RA])(\d+)$/.exec(keys[i]!);
    let j = i;
    if (m) while (j + 1 < keys.length && keys[j + 1] === `${m[1]}${Number(m[2]) + (j + 1 - i)}`) j++;
    out.push(j - i >= 2 ? `${keys[i]}-${keys[j]}` : keys[i]!);
    if (j - i === 1) out.push(keys[j]!);
    i = j + 1;
  }
  return out;
}

/** The outline as the detail calls see it: one line per task. */
function formatOutline(outline: Outline): string {
  return outline.tasks
    .map((t) => `${t.id} [${t.kind}, ${t.effort}, stream ${t.stream}] ${t.title} — covers ${compactKeys(t.covers).join(', ') || 'nothing'}; depends on ${t.dependsOn.join(', ') || 'nothing'}`)
    .join('\n');
}

export function detailsPrompt(prefix: string, outline: Outline, ids: string[], rules: { testsFirst: boolean; specNamesFiles: boolean }): string {
  return [
    prefix,
    '# Detail some tasks of the plan',
    '',
    callLine(detailsPurpose(ids)),
    '',
    'The plan is outlined below. Answer with the structured output only, with one entry for each of these tasks and',
    `no others: ${ids.join(', ')}. Rules:`,
    '1. `description`: at most four sentences (under 80 words) an agent can act on: what to build, in which modules, with which stack; a setup task names the stack (language, framework, test runner) the spec gives.',
    '2. `edges`: for each task in its `depends on`, the reason in one short sentence (what it needs from that task).',
    "3. `derivedAcceptance`: at most three concrete, testable checks the spec does not state, one line each; the spec's own criteria are already on the task.",
    '4. `risk` and `riskReason`: what this task itself does that could go wrong, in one sentence; low when nothing does. `strategyReason` is one sentence too.',
    `5. \`testStrategy\`: test-first (the tests are written before the code), test-after (tests inside the task), test-parallel, or none (docs, config), with \`strategyReason\`.${rules.testsFirst ? ' The spec asks for tests first: high-risk tasks are test-first.' : ''}`,
    `6. \`files\`: the paths the task will create or change${rules.specNamesFiles ? '. The spec names its files and structure: every task that writes code names its files' : ', where the spec or the structure it describes names them'}.`,
    '',
    '## The outline',
    '',
    formatOutline(outline),
  ].join('\n');
}

/** Problems of one detail answer: every asked task answered once, nothing else, and what the rules require. */
export function checkDetails(details: Details, outline: Outline, ids: string[], rules: { testsFirst: boolean; specNamesFiles: boolean }): string[] {
  const problems: string[] = [];
  const asked = new Set(ids);
  const answered = new Map<string, number>();
  for (const d of details.tasks) {
    if (!asked.has(d.id)) problems.push(`${d.id} was not asked for in this call; answer only ${ids.join(', ')}`);
    answered.set(d.id, (answered.get(d.id) ?? 0) + 1);
  }
  for (const id of ids) {
    const n = answered.get(id) ?? 0;
    if (n === 0) problems.push(`${id} has no details`);
    if (n > 1) problems.push(`${id} is answered ${n} times`);
  }
  for (const d of details.tasks) {
    const task = outline.tasks.find((t) => t.id === d.id);
    if (!task || !asked.has(d.id)) continue;
    if (!d.description.trim()) problems.push(`${d.id} has no description`);
    if (rules.specNamesFiles && d.files.length === 0 && task.kind !== 'docs' && task.kind !== 'test') problems.push(`${d.id} names no files, though the spec gives the structure`);
    if (rules.testsFirst && d.risk === 'high' && d.testStrategy !== 'test-first') problems.push(`${d.id} is high risk and the spec asks for tests first, but its strategy is ${d.testStrategy}`);
  }
  return problems;
}

/** Tasks in groups of similar size for the detail calls, in outline order, at most `calls` groups. */
export function detailGroups(ids: string[], calls: number): string[][] {
  const size = Math.max(2, Math.ceil(ids.length / Math.max(1, calls)));
  const groups: string[][] = [];
  for (let i = 0; i < ids.length; i += size) groups.push(ids.slice(i, i + size));
  return groups;
}

// ---------------------------------------------------------------- plan: repair and assembly

/** The prompt of a repair round: the call's own prompt, the answer given, and what xplan's checks found wrong. */
export function repairPrompt(basePrompt: string, previous: unknown, problems: string[]): string {
  return [
    basePrompt,
    '',
    '## Your previous answer',
    '',
    '```json',
    JSON.stringify(previous),
    '```',
    '',
    "## Problems found by xplan's checks",
    '',
    ...problems.map((p) => `- ${p}`),
    '',
    'Answer again with the complete, corrected answer for this call (every entry, not only the changed ones).',
  ].join('\n');
}

export interface AssembledPlan {
  tasks: Task[];
  streams: Stream[];
}

/** The outline and its details as xplan tasks: sources and criteria from the inventory keys each task covers. */
export function assemblePlan(outline: Outline, details: Map<string, TaskDetails>, inventory: Inventory): AssembledPlan {
  const streamIds = new Map<string, string>();
  const streams: Stream[] = [];
  const tasks: Task[] = outline.tasks.map((t) => {
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
    for (const key of t.covers) {
      const item = inventory.byKey.get(key);
      if (!item) continue; // reported by the coverage check
      sources.push({ file: item.file, line: item.line, ref: item.id ?? (item.kind === 'acceptance' ? 'acceptance' : item.kind === 'story' ? 'story' : 'requirement') });
      if (item.kind === 'acceptance') criteria.push(item.text);
    }
    const d = details.get(t.id)!;
    const reasons = new Map(d.edges.filter((e) => e.reason.trim()).map((e) => [e.task, e.reason.trim()]));
    const edges = t.dependsOn.filter((dep) => reasons.has(dep)).map((dep) => `- ${dep}: ${reasons.get(dep)}`);
    return {
      id: t.id,
      title: t.title.trim(),
      description: [d.description.trim(), ...(edges.length > 0 ? ['', 'Builds on:', ...edges] : [])].join('\n').trim(),
      dependsOn: t.dependsOn,
      acceptanceCriteria: [...criteria, ...d.derivedAcceptance.map((c) => `(derived) ${c.trim()}`)],
      effort: t.effort,
      risk: d.risk,
      riskReason: d.riskReason,
      testStrategy: d.testStrategy,
      strategyReason: d.strategyReason,
      stream,
      wave: 0,
      kind: t.kind,
      sources: sources.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1)),
      files: d.files,
    };
  });
  // Streams whose tasks name the same files are one component, whatever the model called them.
  const merged = mergeStreamsSharingFiles(tasks, streams, globsOverlap);
  return { tasks: tasks.map((t) => ({ ...t, stream: merged.streamOf.get(t.id)! })), streams: merged.streams };
}

function streamLetter(n: number): string {
  return String.fromCharCode(65 + (n % 26)) + (n >= 26 ? String(Math.floor(n / 26)) : '');
}

/** The spec asks for tests to be written before the code. */
export function specAsksTestsFirst(specs: SpecText[]): boolean {
  return specs.some((s) => /\b(test[- ]first|TDD|test[- ]driven|tests? (are |is )?written (first|before)|write (the )?tests? (first|before))\b/i.test(s.text));
}

// ---------------------------------------------------------------- assess

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
    drivers: DRIVER_SCHEMA,
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
    drivers: z.array(DriverAnswerSchema),
  })
  .strict();

export type AssessAnswer = z.infer<typeof AssessAnswerSchema>;

export function assessPrompt(prefix: string, thresholds: Thresholds): string {
  const bounds = DRIVER_IDS.map((id) => `- ${id}: up to ${thresholds[id].single} fits one agent; above ${thresholds[id].multi} the spec should be split`).join('\n');
  return [
    prefix,
    '# Assess the scope of this spec',
    '',
    callLine('assess'),
    '',
    'Decide whether the spec is a buildable piece of software work (a PRD, a technical spec or a bug investigation) and',
    'how much agent work it is: `single-agent` (one coding agent, one session), `multi-agent` (a plan of several tasks)',
    'or `decomposition-required` (too large for one plan: split the spec first).',
    '',
    'Answer with the structured output only. Rules:',
    '1. `inScope`: the R and A items that are work to do now. `outOfScope`: the R and A items that are not (examples, later phases, headings, duplicates), each with the reason. X items are out of scope already.',
    '2. `drivers`: the measures behind the verdict, each with its value, the reason, and the inventory keys (R1, K2, Q1, …) it rests on as `evidence`. Count real components and integrations, not words that look like them.',
    '3. `kind` follows from the structure: a bug investigation has a symptom, a cause and a fix; a technical spec describes a design; a PRD describes a product.',
    '4. The thresholds of this project:',
    bounds,
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
 * The answer as an xplan assessment: the verdict, confidence and drivers are the model's alone. The heuristic
 * assessment supplies only what the intake found (warnings, split suggestions); evidence keys become spec lines.
 */
export function convertAssessAnswer(answer: AssessAnswer, inventory: Inventory, heuristic: Assessment, thresholds: Thresholds): Assessment {
  const evidence = (keys: string[]): SourceRef[] =>
    keys.flatMap((k) => {
      const item = inventory.byKey.get(k);
      return item ? [{ file: item.file, line: item.line, text: `${item.key}: ${item.text}` }] : [];
    });
  const level = (value: number, id: DriverId): Verdict => (value > thresholds[id].multi ? 'decomposition-required' : value > thresholds[id].single ? 'multi-agent' : 'single-agent');
  const drivers: Driver[] = DRIVER_IDS.flatMap((id) => {
    const given = answer.drivers.find((d) => d.id === id);
    if (!given) return [];
    return [
      {
        id,
        label: DRIVER_LABELS[id],
        value: given.value,
        threshold: thresholds[id],
        level: level(given.value, id),
        affects: id === 'unknowns' ? 'confidence' : 'verdict',
        evidence: evidence(given.evidence),
      } satisfies Driver,
    ];
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

/**
 * The outline's verdict as the plan's assessment. Its effort driver is the plan's own total, so the assessment
 * and the plan give one figure; the model's estimate, when it differs, is told beside it.
 */
export function outlineAssessment(outline: Outline, inventory: Inventory, heuristic: Assessment, thresholds: Thresholds, planHours: number): Assessment {
  const drivers = [...outline.drivers.filter((d) => d.id !== 'effortHours'), { id: 'effortHours' as const, value: planHours, reason: 'the sum of the tasks’ efforts', evidence: [] }];
  const assessment = convertAssessAnswer(
    { buildable: true, kind: outline.kind, kindReason: '', inScope: [], outOfScope: [], verdict: outline.verdict, confidence: outline.confidence, reasons: outline.reasons, drivers },
    inventory,
    heuristic,
    thresholds,
  );
  if (Math.abs(outline.effortHours - planHours) > Math.max(2, planHours * 0.25)) {
    assessment.warnings.push({ code: 'EFFORT_MISMATCH', message: `The model estimated ${outline.effortHours} agent-hours for the whole; its tasks add up to ${planHours}`, evidence: [] });
  }
  return assessment;
}
