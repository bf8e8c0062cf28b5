/**
 * The schema of plan documents read from files (`xplan check plan.json`, later the editor round trip).
 *
 * - Task fields are strict: an unknown key is an error, enums and ids are checked. Fields a hand-written plan may
 *   leave out get defaults (only `id` and `title` are required).
 * - The rest of the document is lenient: `summary`, `mergeOrder`, `branchPreview`, `warnings` and `wave` are
 *   recomputed, so they are not checked beyond their type; unknown top-level keys are allowed.
 *
 * zod (`TaskSchema`, `PlanDocumentSchema`) is the definition and writes every error message. Checking 20,000 tasks
 * with it takes longer than the whole `xplan check` budget (≈ 300 ms here), so `validatePlanDocument` first tries a
 * hand-written check that accepts only what the schema accepts and builds the same task; any task it does not
 * accept goes through zod, which decides and explains. test/commands/check.test.ts holds the two to the same answers.
 */
import { z } from 'zod/v3';
import type { Plan, Task } from './plan.js';

export const EFFORTS = ['XS', 'S', 'M', 'L', 'XL'] as const;
export const RISKS = ['low', 'medium', 'high'] as const;
export const TEST_STRATEGIES = ['test-first', 'test-after', 'test-parallel', 'none'] as const;
export const TASK_KINDS = ['setup', 'foundation', 'feature', 'fix', 'test', 'integration', 'docs'] as const;

const TASK_ID = /^T\d+$/;
const NOT_BLANK = /\S/;
const WHOLE_NUMBER = { message: 'expected a whole number' };

export const TaskSourceSchema = z
  .object({
    file: z.string(),
    line: z.number().int(WHOLE_NUMBER).positive({ message: 'expected a line number of 1 or more' }),
    ref: z.string(),
  })
  .strict();

/** One task. The output is a complete `Task`: defaults fill what a hand-written plan leaves out. */
export const TaskSchema = z
  .object({
    id: z.string().regex(TASK_ID, { message: 'task ids look like T1, T2, …' }),
    title: z.string().regex(NOT_BLANK, { message: 'a task needs a title' }),
    description: z.string().default(''),
    dependsOn: z.array(z.string()).default(() => []),
    acceptanceCriteria: z.array(z.string()).default(() => []),
    effort: z.enum(EFFORTS).default('M'),
    risk: z.enum(RISKS).default('medium'),
    riskReason: z.string().default(''),
    testStrategy: z.enum(TEST_STRATEGIES).default('test-after'),
    strategyReason: z.string().default(''),
    stream: z.string().regex(NOT_BLANK, { message: 'a stream needs a name, such as A' }).default('A'),
    // Recomputed from the dependencies; kept so that a plan written by xplan reads back unchanged.
    wave: z.number().int(WHOLE_NUMBER).nonnegative(WHOLE_NUMBER).default(0),
    kind: z.enum(TASK_KINDS).default('feature'),
    sources: z.array(TaskSourceSchema).default(() => []),
    files: z.array(z.string()).default(() => []),
  })
  .strict();

const lenient = z.unknown().optional();

/** What a plan file may hold besides its tasks. Derived parts are recomputed, so they are not checked. */
export const PlanMetaSchema = z
  .object({
    schemaVersion: z.literal(1).optional(),
    planId: z.string().optional(),
    status: z.enum(['draft', 'approved']).optional(),
    approval: z.object({ by: z.string(), at: z.string(), hash: z.string() }).optional(),
    branching: z.enum(['single', 'feature', 'stacked']).optional(),
    spec: z.object({ paths: z.array(z.string()), title: z.string() }).optional(),
    streams: z.array(z.object({ id: z.string(), name: z.string(), tasks: z.array(z.string()) }).passthrough()).optional(),
    summary: lenient,
    mergeOrder: lenient,
    branchPreview: lenient,
    warnings: lenient,
  })
  .passthrough();

export const PlanDocumentSchema = PlanMetaSchema.extend({ tasks: z.array(TaskSchema) });

export type PlanDocumentMeta = Partial<Pick<Plan, 'schemaVersion' | 'planId' | 'status' | 'approval' | 'branching' | 'spec' | 'streams'>>;

export type PlanValidation = { ok: true; tasks: Task[]; plan: PlanDocumentMeta } | { ok: false; errors: string[] };

// The schema's output must be a Task, and a Task must be valid input: checked by the compiler.
const outputIsTask = (t: z.output<typeof TaskSchema>): Task => t;
const taskIsInput = (t: Task): z.input<typeof TaskSchema> => t;
void outputIsTask;
void taskIsInput;

/**
 * Validates a parsed plan document (JSON or YAML). Errors read `path: message`, e.g.
 * `tasks.3.effort: expected one of XS, S, M, L, XL (found "XXL")`.
 */
export function validatePlanDocument(input: unknown): PlanValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [`(root): expected a plan (an object with a tasks list), found ${describe(input)}`] };
  }
  const errors: string[] = [];
  const meta = PlanMetaSchema.safeParse(input);
  if (!meta.success) for (const issue of meta.error.issues) errors.push(...formatIssue(issue, input, []));

  const rawTasks = (input as { tasks?: unknown }).tasks;
  if (!Array.isArray(rawTasks)) {
    errors.push(rawTasks === undefined ? 'tasks: required (a list of tasks)' : `tasks: expected a list of tasks, found ${describe(rawTasks)}`);
    return { ok: false, errors };
  }
  const tasks = validateTasks(rawTasks, ['tasks'], errors);
  if (errors.length > 0 || !meta.success) return { ok: false, errors };
  return { ok: true, tasks, plan: pickMeta(meta.data) };
}

/** Validates a list of tasks; errors are pushed as `<path>.<index>.<field>: message`. */
export function validateTasks(rawTasks: unknown[], path: Array<string | number>, errors: string[]): Task[] {
  const tasks: Task[] = [];
  for (let i = 0; i < rawTasks.length; i++) {
    const raw = rawTasks[i];
    const fast = acceptTask(raw);
    if (fast) {
      tasks.push(fast);
      continue;
    }
    const parsed = TaskSchema.safeParse(raw);
    if (parsed.success) tasks.push(parsed.data);
    else for (const issue of parsed.error.issues) errors.push(...formatIssue(issue, raw, [...path, i]));
  }
  return tasks;
}

function pickMeta(data: z.output<typeof PlanMetaSchema>): PlanDocumentMeta {
  const meta: PlanDocumentMeta = {};
  if (data.schemaVersion !== undefined) meta.schemaVersion = data.schemaVersion;
  if (data.planId !== undefined) meta.planId = data.planId;
  if (data.status !== undefined) meta.status = data.status;
  if (data.approval !== undefined) meta.approval = data.approval;
  if (data.branching !== undefined) meta.branching = data.branching;
  if (data.spec !== undefined) meta.spec = data.spec;
  if (data.streams !== undefined) meta.streams = data.streams.map((s) => ({ id: s.id, name: s.name, tasks: s.tasks }));
  return meta;
}

// ---------------------------------------------------------------------------------------------------------------
// The fast path: accepts a task only when TaskSchema would, and returns what TaskSchema would (same keys in the
// same order, same defaults). Anything else returns undefined and is left to zod. A task that already has every
// key, in the schema's order, is returned as it is instead of being copied: that is most tasks of a plan written
// by xplan, and copying 20,000 of them is measurable.

const TASK_KEY_ORDER: readonly string[] = Object.keys(TaskSchema.shape);
const TASK_KEYS = new Set(TASK_KEY_ORDER);
const SOURCE_KEY_ORDER: readonly string[] = Object.keys(TaskSourceSchema.shape);
const EFFORT_SET = new Set<unknown>(EFFORTS);
const RISK_SET = new Set<unknown>(RISKS);
const STRATEGY_SET = new Set<unknown>(TEST_STRATEGIES);
const KIND_SET = new Set<unknown>(TASK_KINDS);
type Source = Task['sources'][number];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isStringList(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (let k = 0; k < value.length; k++) if (typeof value[k] !== 'string') return false;
  return true;
}

/** The sources as TaskSchema outputs them: the same list when every item is already `{ file, line, ref }`. */
function acceptSources(value: unknown): Source[] | undefined {
  if (!Array.isArray(value)) return undefined;
  let copy: Source[] | undefined;
  for (let k = 0; k < value.length; k++) {
    const s: unknown = value[k];
    if (!isPlainObject(s)) return undefined;
    let keys = 0;
    let ordered = true;
    for (const key in s) {
      if (key !== 'file' && key !== 'line' && key !== 'ref') return undefined;
      if (key !== SOURCE_KEY_ORDER[keys]) ordered = false;
      keys++;
    }
    const { file, line, ref } = s;
    if (keys !== 3 || typeof file !== 'string' || typeof ref !== 'string' || typeof line !== 'number' || !Number.isInteger(line) || line <= 0) return undefined;
    if (!ordered && !copy) copy = (value as Source[]).slice(0, k);
    if (copy) copy.push(ordered ? (s as unknown as Source) : { file, line, ref });
  }
  return copy ?? (value as Source[]);
}

function acceptTask(raw: unknown): Task | undefined {
  if (!isPlainObject(raw)) return undefined;
  let position = 0;
  let ordered = true;
  for (const key in raw) {
    // (A key set to undefined gets its default, so such a task is copied.)
    if (ordered && key === TASK_KEY_ORDER[position] && raw[key] !== undefined) {
      position++;
      continue;
    }
    ordered = false;
    if (!TASK_KEYS.has(key)) return undefined;
  }
  const { id, title, description = '', dependsOn = [], acceptanceCriteria = [], effort = 'M', risk = 'medium', riskReason = '' } = raw;
  const { testStrategy = 'test-after', strategyReason = '', stream = 'A', wave = 0, kind = 'feature', sources: rawSources = [], files = [] } = raw;
  if (typeof id !== 'string' || !TASK_ID.test(id)) return undefined;
  if (typeof title !== 'string' || !NOT_BLANK.test(title)) return undefined;
  if (typeof description !== 'string' || typeof riskReason !== 'string' || typeof strategyReason !== 'string') return undefined;
  if (typeof stream !== 'string' || !NOT_BLANK.test(stream)) return undefined;
  if (!isStringList(dependsOn) || !isStringList(acceptanceCriteria) || !isStringList(files)) return undefined;
  if (!EFFORT_SET.has(effort) || !RISK_SET.has(risk) || !STRATEGY_SET.has(testStrategy) || !KIND_SET.has(kind)) return undefined;
  if (typeof wave !== 'number' || !Number.isInteger(wave) || wave < 0) return undefined;
  const sources = acceptSources(rawSources);
  if (!sources) return undefined;
  // Every key present, in order, and nothing to copy: it already is the task zod would build.
  if (ordered && position === TASK_KEY_ORDER.length && sources === rawSources) return raw as unknown as Task;
  return {
    id,
    title,
    description,
    dependsOn,
    acceptanceCriteria,
    effort: effort as Task['effort'],
    risk: risk as Task['risk'],
    riskReason,
    testStrategy: testStrategy as Task['testStrategy'],
    strategyReason,
    stream,
    wave,
    kind: kind as Task['kind'],
    sources,
    files,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Error messages: `path: what is wrong (found …)`, in the words of a plan author rather than a type system.

const TYPE_WORDS: Record<string, string> = { string: 'text', number: 'a number', array: 'a list', object: 'an object', boolean: 'true or false' };
/** Names people (and other tools) give task fields. */
const KEY_ALIASES: Record<string, string> = {
  dependencies: 'dependsOn',
  deps: 'dependsOn',
  depends: 'dependsOn',
  acceptance: 'acceptanceCriteria',
  criteria: 'acceptanceCriteria',
  details: 'description',
  name: 'title',
  estimate: 'effort',
  size: 'effort',
  strategy: 'testStrategy',
  type: 'kind',
};

function formatIssue(issue: z.ZodIssue, input: unknown, prefix: Array<string | number>): string[] {
  const segments = [...prefix, ...issue.path];
  const path = segments.join('.') || '(root)';
  const found = () => describe(valueAt(input, issue.path));
  switch (issue.code) {
    case 'unrecognized_keys': {
      // Only tasks and their sources are strict.
      const known = issue.path.includes('sources') ? Object.keys(TaskSourceSchema.shape) : [...TASK_KEYS];
      return issue.keys.map((key) => `${segments.length > 0 ? `${path}.` : ''}${key}: unknown key${suggestion(key, known)}`);
    }
    case 'invalid_enum_value':
      return [`${path}: expected one of ${issue.options.join(', ')} (found ${found()})`];
    case 'invalid_literal':
      return [`${path}: expected ${JSON.stringify(issue.expected)} (found ${found()})`];
    case 'invalid_type':
      if (issue.received === 'undefined') return [`${path}: required`];
      return [`${path}: expected ${TYPE_WORDS[issue.expected] ?? issue.expected} (found ${found()})`];
    case 'invalid_string':
      return [`${path}: ${issue.message} (found ${found()})`];
    default:
      return [`${path}: ${issue.message}`];
  }
}

function suggestion(key: string, known: string[]): string {
  const alias = KEY_ALIASES[key.toLowerCase()];
  if (alias && known.includes(alias)) return ` (did you mean ${alias}?)`;
  const normal = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(normal(candidate), normal(key));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

function valueAt(input: unknown, path: Array<string | number>): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** A short rendering of a value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)} (quote it to make it text)`;
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
