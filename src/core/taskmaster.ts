/**
 * task-master's `tasks.json` as xplan tasks, so a team moving from task-master can check its graph (and, later,
 * import it). Pure: the caller reads and parses the file.
 *
 * Formats: legacy `{ "tasks": [...] }`, tagged `{ "master": { "tasks": [...], "metadata": {...} }, "<tag>": … }`
 * (the tag asked for, else `master`, else the only tag), and a bare array of tasks.
 *
 * Mapping (task-master has no risk, effort or acceptance criteria, so these are documented defaults):
 * - id `n` → `Tn`. Dependencies `n` → `Tn`, kept as written: a reference to a missing task stays, so `check`
 *   reports it as dangling, and a repeated one stays, so it is reported as repeated.
 * - priority is importance, not risk: high → risk medium, medium and low → risk low; the reason names the priority
 *   ("task-master priority high").
 * - effort M; L when description + details run over 200 words or there are 4+ subtasks; XL over 500 words or 8+
 *   subtasks. Subtasks of their own (see below) are S, M when long.
 * - testStrategy text → an acceptance criterion, strategy test-after (tests inside the task). kind from the title
 *   (setup, docs, test), else feature. status goes into the description.
 *
 * Subtasks (`{ id: m, dependencies: [k, "p.s"] }`; a number is a sibling subtask of the same parent, a dotted
 * string any task's subtask):
 * - folded (default): into the parent's description and acceptance criteria ("Subtask 3.2: …"). A subtask's
 *   dependency on another task's subtask `p.s` becomes a dependency of the parent on `Tp` (said in a warning);
 *   one that does not exist stays as the dangling `Tp.s`.
 * - `subtasks: true`: each becomes a task. `T3.2` is not a valid xplan id, so they get fresh ids after the highest
 *   top-level id, in file order, and the description names the original id. A subtask with no sibling
 *   dependency inherits the parent's (existing) dependencies; the parent depends on all its subtasks and keeps
 *   what is left of its work: effort XS, kind integration.
 */
import type { Effort } from './effort.js';
import type { Risk, Task, TaskKind } from './plan.js';

export type TaskmasterLayout = 'legacy' | 'tagged' | 'array';

export interface TaskmasterOptions {
  /** Tag to read from a tagged file; default `master`, else the only tag. */
  tag?: string;
  /** Make subtasks tasks of their own instead of folding them into their parent. */
  subtasks?: boolean;
}

export type TaskmasterConversion =
  | {
      ok: true;
      layout: TaskmasterLayout;
      /** The tag read (tagged files; `master` for legacy). */
      tag?: string;
      /** Every tag in a tagged file. */
      tags: string[];
      tasks: Task[];
      /** Fields that could not be read, as `path: message`; the task is left out. */
      errors: string[];
      warnings: string[];
    }
  /** `tag`: the tag asked for (or needed) is not there; `no-tasks`: no task list at all. */
  | { ok: false; problem: 'tag' | 'no-tasks'; reason: string; tags: string[] };

interface TmSubtask {
  id?: unknown;
  title?: unknown;
  description?: unknown;
  details?: unknown;
  testStrategy?: unknown;
  status?: unknown;
  dependencies?: unknown;
}

interface TmTask extends TmSubtask {
  priority?: unknown;
  subtasks?: unknown;
}

const NUMERIC_ID = /^\d+$/;
const DOTTED_ID = /^(\d+)\.(\d+)$/;
const RISK_BY_PRIORITY: Record<string, Risk> = { high: 'medium', medium: 'low', low: 'low' };
const LONG_WORDS = 200;
const VERY_LONG_WORDS = 500;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumericId(value: unknown): boolean {
  return (typeof value === 'number' && Number.isInteger(value) && value >= 0) || (typeof value === 'string' && NUMERIC_ID.test(value));
}

/** Tags of a tagged file: top-level keys whose value holds a `tasks` list. */
function tagsOf(doc: unknown): string[] {
  if (!isRecord(doc) || Array.isArray(doc.tasks)) return [];
  const tags: string[] = [];
  for (const key of Object.keys(doc)) {
    const value = doc[key];
    if (isRecord(value) && Array.isArray(value.tasks)) tags.push(key);
  }
  return tags;
}

/**
 * Whether a parsed document looks like task-master's: a `tasks` list (or a bare list) whose items have numeric
 * ids, or the tagged layout. xplan plans have `T1`-style ids, so the two cannot be confused.
 */
export function isTaskmasterDocument(doc: unknown): boolean {
  const list = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc.tasks) ? doc.tasks : undefined;
  if (list) return list.length > 0 && list.every((t) => isRecord(t) && isNumericId(t.id));
  return tagsOf(doc).length > 0;
}

export function convertTaskmaster(doc: unknown, options: TaskmasterOptions = {}): TaskmasterConversion {
  const { tag: asked } = options;
  const convert = (list: unknown[], layout: TaskmasterLayout, base: string, tag: string | undefined, tags: string[]): TaskmasterConversion => {
    const at = (i: number, ...rest: Array<string | number>) => [base, i, ...rest].filter((s) => s !== '').join('.');
    return { ok: true, layout, ...(tag !== undefined ? { tag } : {}), tags, ...convertList(list, options.subtasks === true, at) };
  };
  // task-master reads a legacy file (and a bare list) as its master tag.
  if (Array.isArray(doc) || (isRecord(doc) && Array.isArray(doc.tasks))) {
    const legacy = !Array.isArray(doc);
    if (asked !== undefined && asked !== 'master') {
      return { ok: false, problem: 'tag', reason: `the file has no tags (${legacy ? 'legacy layout' : 'a bare list of tasks'}), so there is no tag ${asked}`, tags: [] };
    }
    return legacy ? convert((doc as { tasks: unknown[] }).tasks, 'legacy', 'tasks', 'master', []) : convert(doc as unknown[], 'array', '', undefined, []);
  }
  const tags = tagsOf(doc);
  if (tags.length === 0) return { ok: false, problem: 'no-tasks', reason: 'no task list found: expected { "tasks": [...] }, { "master": { "tasks": [...] } } or a list of tasks', tags };
  const tag = asked ?? (tags.includes('master') ? 'master' : tags.length === 1 ? tags[0] : undefined);
  if (tag === undefined) return { ok: false, problem: 'tag', reason: `the file has several tags and none is master (${tags.join(', ')}); choose one with --tag`, tags };
  if (!tags.includes(tag)) return { ok: false, problem: 'tag', reason: `there is no tag ${tag} (tags: ${tags.join(', ')})`, tags };
  return convert((doc as Record<string, { tasks: unknown[] }>)[tag]!.tasks, 'tagged', `${tag}.tasks`, tag, tags);
}

interface Parent {
  raw: TmTask;
  id: string;
  subtasks: Array<{ raw: TmSubtask; index: number; id: string; newId: string }>;
}

interface Resolved {
  /** The xplan id the reference names; `T3.9` when it names nothing (kept, so it is reported as dangling). */
  id: string;
  exists: boolean;
  /** Set when the reference was read as a top-level task rather than as the subtask it seems to name. */
  note?: string;
}

function convertList(list: unknown[], expand: boolean, at: (i: number, ...rest: Array<string | number>) => string): { tasks: Task[]; errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];

  // Pass 1: every id, so that pass 2 can resolve any reference.
  const parents: Array<Parent | undefined> = [];
  const topIds = new Set<string>();
  let highest = 0;
  for (let i = 0; i < list.length; i++) {
    const raw = list[i];
    if (!isRecord(raw)) {
      errors.push(`${at(i)}: expected a task object`);
      parents.push(undefined);
      continue;
    }
    if (!isNumericId(raw.id)) {
      errors.push(`${at(i, 'id')}: expected a whole number such as 3 (found ${shown(raw.id)})`);
      parents.push(undefined);
      continue;
    }
    const id = String(Number(raw.id));
    topIds.add(id);
    if (Number(id) > highest) highest = Number(id);
    parents.push({ raw, id, subtasks: [] });
  }
  const subtaskIds = new Map<string, string>(); // "3.2" → its own task id when expanded, "" when folded
  let next = highest + 1;
  for (let i = 0; i < parents.length; i++) {
    const parent = parents[i];
    if (!parent || parent.raw.subtasks === undefined || parent.raw.subtasks === null) continue;
    if (!Array.isArray(parent.raw.subtasks)) {
      errors.push(`${at(i, 'subtasks')}: expected a list`);
      continue;
    }
    const subs: unknown[] = parent.raw.subtasks;
    for (let k = 0; k < subs.length; k++) {
      const s = subs[k];
      if (!isRecord(s)) {
        errors.push(`${at(i, 'subtasks', k)}: expected a subtask object`);
        continue;
      }
      if (!isNumericId(s.id)) {
        errors.push(`${at(i, 'subtasks', k, 'id')}: expected a whole number such as 1 (found ${shown(s.id)})`);
        continue;
      }
      const id = `${parent.id}.${Number(s.id)}`;
      const newId = expand ? `T${next++}` : '';
      subtaskIds.set(id, newId);
      parent.subtasks.push({ raw: s, index: k, id, newId });
    }
  }

  /**
   * A reference as written → the xplan id it names. `siblingOf`: the parent, when the reference is a subtask's
   * (a bare number is then a sibling subtask). Folded, a subtask reference names its parent task.
   */
  const resolve = (dep: unknown, siblingOf: string | undefined): Resolved | undefined => {
    const ref = typeof dep === 'number' && Number.isInteger(dep) && dep >= 0 ? String(dep) : typeof dep === 'string' ? dep.trim() : undefined;
    if (ref === undefined) return undefined;
    if (NUMERIC_ID.test(ref)) {
      const n = String(Number(ref));
      if (siblingOf === undefined) return { id: `T${n}`, exists: topIds.has(n) };
      const key = `${siblingOf}.${n}`;
      if (subtaskIds.has(key)) return { id: expand ? subtaskIds.get(key)! : `T${siblingOf}`, exists: true };
      // task-master is not consistent here: some of its commands read a subtask's number as a top-level task.
      if (topIds.has(n) && n !== siblingOf) return { id: `T${n}`, exists: true, note: `there is no subtask ${key}, so ${n} is read as task ${n}` };
      return { id: `T${key}`, exists: false };
    }
    const dotted = DOTTED_ID.exec(ref);
    if (!dotted) return undefined;
    const key = `${Number(dotted[1])}.${Number(dotted[2])}`;
    if (!subtaskIds.has(key)) return { id: `T${key}`, exists: false };
    return { id: expand ? subtaskIds.get(key)! : `T${Number(dotted[1])}`, exists: true };
  };

  const tasks: Task[] = [];
  const subtaskTasks: Task[] = [];
  for (let i = 0; i < parents.length; i++) {
    const parent = parents[i];
    if (!parent) continue;
    const { raw } = parent;
    const selfId = `T${parent.id}`;
    // Dependencies as written stay as written (a repeat or a missing task is for the DAG check to report); the ones
    // the conversion implies are added once, and never on the task itself.
    const dependsOn: string[] = [];
    const listed = new Set<string>();
    const imply = (id: string): boolean => {
      if (id === selfId || listed.has(id)) return false;
      listed.add(id);
      dependsOn.push(id);
      return true;
    };
    const inheritable: string[] = [];

    for (const dep of readDependencies(raw.dependencies, at(i, 'dependencies'), errors)) {
      const r = resolve(dep, undefined);
      if (!r) {
        errors.push(`${at(i, 'dependencies')}: ${shown(dep)} is not a task id such as 3 or "3.2"`);
        continue;
      }
      if (r.exists) inheritable.push(r.id);
      if (r.exists && DOTTED_ID.test(String(dep).trim())) {
        // On a subtask: its parent when folded, its own task when expanded.
        if (r.id === selfId) warnings.push(`${selfId} depends on its own subtask ${String(dep)}; left out`);
        else imply(r.id);
        continue;
      }
      dependsOn.push(r.id);
      listed.add(r.id);
    }

    const description = [text(raw.description), text(raw.details)].filter(Boolean);
    const acceptance = text(raw.testStrategy) ? [text(raw.testStrategy)] : [];
    const folded: string[] = [];
    let words = wordCount(description.join(' '));

    for (const sub of parent.subtasks) {
      const s = sub.raw;
      const depsPath = at(i, 'subtasks', sub.index, 'dependencies');
      const subDeps = readDependencies(s.dependencies, depsPath, errors);
      const resolved: Array<{ dep: unknown; r: Resolved }> = [];
      for (const dep of subDeps) {
        const r = resolve(dep, parent.id);
        if (!r) errors.push(`${depsPath}: ${shown(dep)} is not a subtask number or an id such as "3.2"`);
        else {
          resolved.push({ dep, r });
          if (r.note) warnings.push(`subtask ${sub.id}: ${r.note}`);
        }
      }

      if (!expand) {
        const title = text(s.title) || 'untitled';
        acceptance.push(`Subtask ${sub.id}: ${title}`);
        folded.push(`- ${sub.id} ${title}${text(s.description) ? `: ${text(s.description)}` : ''}`);
        words += wordCount(`${text(s.description)} ${text(s.details)}`);
        for (const { dep, r } of resolved) {
          if (r.id === selfId || !imply(r.id)) continue;
          warnings.push(r.exists ? `${selfId} depends on ${r.id} because its subtask ${sub.id} depends on ${String(dep)}` : `subtask ${sub.id} depends on ${String(dep)}, which does not exist; kept as ${selfId} depending on ${r.id}`);
        }
        continue;
      }

      const own: string[] = [];
      const ownSeen = new Set<string>();
      let waitsOnSibling = false;
      for (const { dep, r } of resolved) {
        if (r.exists && r.note === undefined && NUMERIC_ID.test(String(dep).trim())) waitsOnSibling = true;
        own.push(r.id);
        ownSeen.add(r.id);
      }
      // A subtask cannot start before its parent could: the first ones inherit the parent's dependencies.
      if (!waitsOnSibling) {
        for (const d of inheritable) {
          if (d === sub.newId || ownSeen.has(d)) continue;
          ownSeen.add(d);
          own.push(d);
        }
      }
      const subWords = wordCount(`${text(s.description)} ${text(s.details)}`);
      subtaskTasks.push(
        build({
          id: sub.newId,
          title: text(s.title) || `Subtask ${sub.id}`,
          description: [`task-master subtask ${sub.id} of ${selfId} (${text(raw.title) || 'untitled'})`, text(s.description), text(s.details), status(s.status)].filter(Boolean).join('\n\n'),
          dependsOn: own,
          acceptanceCriteria: text(s.testStrategy) ? [text(s.testStrategy)] : [],
          effort: subWords > LONG_WORDS ? 'M' : 'S',
          priority: raw.priority,
          testStrategy: text(s.testStrategy),
          kindFrom: text(s.title),
        }),
      );
      imply(sub.newId);
    }

    const count = parent.subtasks.length;
    const split = expand && count > 0;
    const effort: Effort = split ? 'XS' : words > VERY_LONG_WORDS || count >= 8 ? 'XL' : words > LONG_WORDS || count >= 4 ? 'L' : 'M';
    if (text(raw.title) === '') warnings.push(`${selfId} has no title`);
    const task = build({
      id: selfId,
      title: text(raw.title) || `Task ${parent.id}`,
      description: [
        ...description,
        ...(folded.length > 0 ? [`Subtasks:\n${folded.join('\n')}`] : []),
        ...(split ? [`Done when its subtasks are done: ${parent.subtasks.map((s) => `${s.newId} (${s.id})`).join(', ')}.`] : []),
        status(raw.status),
      ]
        .filter(Boolean)
        .join('\n\n'),
      dependsOn,
      acceptanceCriteria: acceptance,
      effort,
      priority: raw.priority,
      testStrategy: text(raw.testStrategy),
      kindFrom: text(raw.title),
    });
    if (split) {
      task.kind = 'integration';
      task.strategyReason = `${task.strategyReason}; the work itself is in its subtasks`;
    }
    tasks.push(task);
  }
  return { tasks: tasks.concat(subtaskTasks), errors, warnings };
}

function readDependencies(value: unknown, path: string, errors: string[]): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.push(`${path}: expected a list of task ids`);
    return [];
  }
  return value;
}

interface BuildInput {
  id: string;
  title: string;
  description: string;
  dependsOn: string[];
  acceptanceCriteria: string[];
  effort: Effort;
  priority: unknown;
  testStrategy: string;
  kindFrom: string;
}

function build(input: BuildInput): Task {
  const priority = typeof input.priority === 'string' ? input.priority.toLowerCase() : undefined;
  const risk = (priority && RISK_BY_PRIORITY[priority]) || 'low';
  return {
    id: input.id,
    title: input.title,
    description: input.description,
    dependsOn: input.dependsOn,
    acceptanceCriteria: input.acceptanceCriteria,
    effort: input.effort,
    risk,
    riskReason: priority ? `task-master priority ${priority}` : 'task-master gives no priority',
    testStrategy: 'test-after',
    strategyReason: input.testStrategy ? 'task-master test strategy, kept as an acceptance criterion' : 'task-master gives no test strategy; tests go inside the task',
    stream: 'A',
    wave: 0,
    kind: kindOf(input.kindFrom),
    sources: [],
    files: [],
  };
}

function kindOf(title: string): TaskKind {
  if (/\b(docs?|documentation|readme)\b/i.test(title)) return 'docs';
  if (/^\s*(write |add )?(unit |integration |e2e |end-to-end )?tests?\b/i.test(title)) return 'test';
  if (/\b(set ?up|initiali[sz]e|scaffold|bootstrap)\b/i.test(title)) return 'setup';
  return 'feature';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function status(value: unknown): string {
  return typeof value === 'string' && value.trim() ? `task-master status: ${value.trim()}` : '';
}

function wordCount(s: string): number {
  let count = 0;
  let inWord = false;
  for (let k = 0; k < s.length; k++) {
    const space = s.charCodeAt(k) <= 32;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
}
