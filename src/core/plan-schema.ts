/**
 * Validation of plan documents read from files (`xplan check plan.json`, and the editor round trip).
 * Task fields are strict (an unknown field is an error); derived parts such as the summary are ignored because
 * they are recomputed. Written by hand rather than with zod: checking 20,000 tasks with a schema library took
 * longer than the whole `xplan check` budget.
 */
import type { Task } from './plan.js';

const ENUMS = {
  effort: ['XS', 'S', 'M', 'L', 'XL'],
  risk: ['low', 'medium', 'high'],
  testStrategy: ['test-first', 'test-after', 'test-parallel', 'none'],
  kind: ['setup', 'foundation', 'feature', 'fix', 'test', 'integration', 'docs'],
} as const;
const ENUM_SETS = Object.fromEntries(Object.entries(ENUMS).map(([k, v]) => [k, new Set<string>(v)])) as Record<keyof typeof ENUMS, Set<string>>;

/** Defaults for the fields a hand-written plan may leave out. */
const DEFAULTS: Omit<Task, 'id' | 'title'> = {
  description: '',
  dependsOn: [],
  acceptanceCriteria: [],
  effort: 'M',
  risk: 'medium',
  riskReason: '',
  testStrategy: 'test-after',
  strategyReason: '',
  stream: 'A',
  wave: 0,
  kind: 'feature',
  sources: [],
  files: [],
};
const STRING_FIELDS = ['description', 'riskReason', 'strategyReason', 'stream'] as const;
const STRING_LIST_FIELDS = ['dependsOn', 'acceptanceCriteria', 'files'] as const;
const KNOWN_FIELDS = new Set(['id', 'title', ...Object.keys(DEFAULTS)]);
const TASK_ID = /^T\d+$/;

export type PlanValidation = { ok: true; tasks: Task[] } | { ok: false; errors: string[] };

export function validatePlanDocument(input: unknown): PlanValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, errors: ['(root): expected an object with a tasks list'] };
  const doc = input as Record<string, unknown>;
  if (doc.schemaVersion !== undefined && doc.schemaVersion !== 1) return { ok: false, errors: [`schemaVersion: expected 1, found ${JSON.stringify(doc.schemaVersion)}`] };
  if (!Array.isArray(doc.tasks)) return { ok: false, errors: ['tasks: expected a list of tasks'] };
  const errors: string[] = [];
  const tasks = doc.tasks.map((raw, i) => validateTask(raw, `tasks.${i}`, errors));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, tasks: tasks as Task[] };
}

export function validateTask(raw: unknown, path: string, errors: string[]): Task | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    errors.push(`${path}: expected a task object`);
    return undefined;
  }
  const t = raw as Record<string, unknown>;
  const before = errors.length;
  for (const key in t) if (!KNOWN_FIELDS.has(key)) errors.push(`${path}.${key}: unknown field`);
  if (typeof t.id !== 'string' || !TASK_ID.test(t.id)) errors.push(`${path}.id: task ids look like T1, T2, … (found ${JSON.stringify(t.id)})`);
  if (typeof t.title !== 'string' || t.title.trim() === '') errors.push(`${path}.title: a task needs a title`);
  for (const key of STRING_FIELDS) if (t[key] !== undefined && typeof t[key] !== 'string') errors.push(`${path}.${key}: expected text`);
  for (const key of STRING_LIST_FIELDS) {
    const value = t[key];
    if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) errors.push(`${path}.${key}: expected a list of text`);
  }
  for (const key of Object.keys(ENUMS) as Array<keyof typeof ENUMS>) {
    if (t[key] !== undefined && !ENUM_SETS[key].has(t[key] as string)) errors.push(`${path}.${key}: expected one of ${ENUMS[key].join(', ')} (found ${JSON.stringify(t[key])})`);
  }
  if (t.wave !== undefined && !(Number.isInteger(t.wave) && (t.wave as number) >= 0)) errors.push(`${path}.wave: expected a whole number`);
  if (t.sources !== undefined) {
    const ok =
      Array.isArray(t.sources) &&
      t.sources.every((s) => typeof s === 'object' && s !== null && typeof s.file === 'string' && Number.isInteger(s.line) && s.line > 0 && typeof s.ref === 'string');
    if (!ok) errors.push(`${path}.sources: expected a list of { file, line, ref }`);
  }
  if (errors.length > before) return undefined;
  // Built field by field: spreading objects fresh from JSON.parse was the slowest step of checking a large plan.
  const v = t as Partial<Task>;
  return {
    id: v.id!,
    title: v.title!,
    description: v.description ?? DEFAULTS.description,
    dependsOn: v.dependsOn ?? [],
    acceptanceCriteria: v.acceptanceCriteria ?? [],
    effort: v.effort ?? DEFAULTS.effort,
    risk: v.risk ?? DEFAULTS.risk,
    riskReason: v.riskReason ?? DEFAULTS.riskReason,
    testStrategy: v.testStrategy ?? DEFAULTS.testStrategy,
    strategyReason: v.strategyReason ?? DEFAULTS.strategyReason,
    stream: v.stream ?? DEFAULTS.stream,
    wave: v.wave ?? DEFAULTS.wave,
    kind: v.kind ?? DEFAULTS.kind,
    sources: v.sources ?? [],
    files: v.files ?? [],
  };
}
