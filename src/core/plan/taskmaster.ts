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
 * - effort: the `xplan effort: L` line xplan's own export writes into the details, so a round trip keeps it; else M,
 *   L when description + details run over 200 words or there are 4+ subtasks, XL over 500 words or 8+ subtasks.
 *   Subtasks of their own (see below) are S, M when long.
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
import type { DagNode, IndexedGraph } from './dag.js';
import { EFFORT_HOURS, type Effort } from './effort.js';
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
  | TaskmasterRefusal;

export interface TaskmasterRefusal {
  ok: false;
  problem: 'tag' | 'no-tasks';
  reason: string;
  tags: string[];
}

/** The graph alone (ids, dependencies, hours), as `check` needs it: the same ids, edges, errors and warnings as a conversion. */
export type TaskmasterGraph = { ok: true; layout: TaskmasterLayout; tag?: string; tags: string[]; nodes: DagNode[]; errors: string[]; warnings: string[] } | TaskmasterRefusal;

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

// Up to 15 digits: every such id is a safe integer, so `T<n>` reads back as the same number.
const NUMERIC_ID = /^\d{1,15}$/;
const DOTTED_ID = /^(\d+)\.(\d+)$/;
const RISK_BY_PRIORITY: Record<string, Risk> = { high: 'medium', medium: 'low', low: 'low' };
const LONG_WORDS = 200;
const VERY_LONG_WORDS = 500;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumericId(value: unknown): boolean {
  return (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) || (typeof value === 'string' && NUMERIC_ID.test(value));
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
  const picked = pickList(doc, options.tag);
  if (!picked.ok) return picked;
  const { list, at, ...where } = picked;
  const { tasks, errors, warnings } = walkList(list, options.subtasks === true, at, true);
  return { ...where, tasks: tasks as Task[], errors, warnings };
}

/**
 * What `xplan check` needs of a tasks.json, without building the tasks' texts: a 20,000-task file is checked in
 * about the time it takes to parse it.
 */
export function readTaskmasterGraph(doc: unknown, options: TaskmasterOptions = {}): TaskmasterGraph {
  const picked = pickList(doc, options.tag);
  if (!picked.ok) return picked;
  const { list, at, ...where } = picked;
  const { tasks, errors, warnings } = walkList(list, options.subtasks === true, at, false);
  return { ...where, nodes: tasks, errors, warnings };
}

/** Builds the path of a field for an error message; called only when there is an error to report. */
type PathOf = (i: number, ...rest: Array<string | number>) => string;

type Picked = { ok: true; layout: TaskmasterLayout; tag?: string; tags: string[]; list: unknown[]; at: PathOf } | TaskmasterRefusal;

/** The task list to read: the legacy list, a bare list, or the tag asked for (else master, else the only tag). */
function pickList(doc: unknown, asked: string | undefined): Picked {
  const picked = (list: unknown[], layout: TaskmasterLayout, base: string, tag: string | undefined, tags: string[]): Picked => ({
    ok: true,
    layout,
    ...(tag !== undefined ? { tag } : {}),
    tags,
    list,
    at: (i, ...rest) => [base, i, ...rest].filter((s) => s !== '').join('.'),
  });
  // task-master reads a legacy file (and a bare list) as its master tag.
  if (Array.isArray(doc) || (isRecord(doc) && Array.isArray(doc.tasks))) {
    const legacy = !Array.isArray(doc);
    if (asked !== undefined && asked !== 'master') {
      return { ok: false, problem: 'tag', reason: `the file has no tags (${legacy ? 'legacy layout' : 'a bare list of tasks'}), so there is no tag ${asked}`, tags: [] };
    }
    return legacy ? picked((doc as { tasks: unknown[] }).tasks, 'legacy', 'tasks', 'master', []) : picked(doc as unknown[], 'array', '', undefined, []);
  }
  const tags = tagsOf(doc);
  if (tags.length === 0) return { ok: false, problem: 'no-tasks', reason: 'no task list found: expected { "tasks": [...] }, { "master": { "tasks": [...] } } or a list of tasks', tags };
  const tag = asked ?? (tags.includes('master') ? 'master' : tags.length === 1 ? tags[0] : undefined);
  if (tag === undefined) return { ok: false, problem: 'tag', reason: `the file has several tags and none is master (${tags.join(', ')}); choose one with --tag`, tags };
  if (!tags.includes(tag)) return { ok: false, problem: 'tag', reason: `there is no tag ${tag} (tags: ${tags.join(', ')})`, tags };
  return picked((doc as Record<string, { tasks: unknown[] }>)[tag]!.tasks, 'tagged', `${tag}.tasks`, tag, tags);
}

interface Parent {
  raw: TmTask;
  /** Position in the list, for error paths. */
  index: number;
  /** The task-master id. */
  number: number;
  /** `T${number}`. */
  selfId: string;
  subtasks: Array<{ raw: TmSubtask; index: number; id: string; newId: string }>;
  /** Subtask number → its entry in `subtasks`, for the usual subtask reference (a sibling's number). */
  subtaskByNumber?: Map<number, Parent['subtasks'][number]>;
}

/** Shared by every task in graph mode, which collects no texts. */
const NO_TEXTS: string[] = [];

/** Shared by the tasks without subtasks (most of them), so that none allocates a list of its own. */
const NO_SUBTASKS: Parent['subtasks'] = [];

interface Resolved {
  /** The xplan id the reference names; `T3.9` when it names nothing (kept, so it is reported as dangling). */
  id: string;
  exists: boolean;
  /** Set when the reference was read as a top-level task rather than as the subtask it seems to name. */
  note?: string;
}

/** What every phase of a walk shares. */
interface Walk {
  expand: boolean;
  /** Whole tasks (a conversion) or the graph only (a check). */
  full: boolean;
  at: PathOf;
  errors: string[];
  warnings: string[];
  /** Top-level task number → its xplan id, so that the usual reference (a number) costs one lookup. */
  idOfNumber: Map<number, string>;
  /** "3.2" → its own task id when expanded, "" when folded. */
  subtaskIds: Map<string, string>;
}

/**
 * Each phase is a function of its own, and so is the work on one task: V8 optimises small functions quickly,
 * whereas one large loop runs interpreted until its optimisation is done, which on a busy machine took longer than
 * the walk itself.
 */
function walkList(list: unknown[], expand: boolean, at: PathOf, full: boolean): { tasks: Array<Task | DagNode>; errors: string[]; warnings: string[] } {
  const walk: Walk = { expand, full, at, errors: [], warnings: [], idOfNumber: new Map(), subtaskIds: new Map() };
  // Pass 1: every id, so that pass 2 can resolve any reference.
  const { parents, highest } = indexTasks(list, walk);
  indexSubtasks(parents, highest + 1, walk);
  // Pass 2. Graph mode builds `{ id, dependsOn, hours }` only; full mode the whole task. Both decide ids, edges
  // and effort the same way, so `check` reports exactly what a conversion holds.
  const tasks: Array<Task | DagNode> = [];
  const subtaskTasks: Array<Task | DagNode> = [];
  for (const parent of parents) tasks.push(readTask(parent, walk, subtaskTasks));
  return { tasks: tasks.concat(subtaskTasks), errors: walk.errors, warnings: walk.warnings };
}

function indexTasks(list: unknown[], walk: Walk): { parents: Parent[]; highest: number } {
  const parents: Parent[] = [];
  let highest = 0;
  for (let i = 0; i < list.length; i++) {
    const raw = list[i];
    if (!isRecord(raw)) {
      walk.errors.push(`${walk.at(i)}: expected a task object`);
      continue;
    }
    if (!isNumericId(raw.id)) {
      walk.errors.push(`${walk.at(i, 'id')}: expected a whole number such as 3 (found ${shown(raw.id)})`);
      continue;
    }
    const n = Number(raw.id);
    const selfId = `T${n}`;
    if (!walk.idOfNumber.has(n)) walk.idOfNumber.set(n, selfId);
    if (n > highest) highest = n;
    parents.push({ raw, index: i, number: n, selfId, subtasks: NO_SUBTASKS });
  }
  return { parents, highest };
}

/** Subtask ids; expanded, each gets a fresh task id from `next` on, in file order. */
function indexSubtasks(parents: Parent[], next: number, walk: Walk): void {
  for (const parent of parents) {
    const subs = parent.raw.subtasks;
    if (subs === undefined || subs === null || (Array.isArray(subs) && subs.length === 0)) continue;
    if (!Array.isArray(subs)) {
      walk.errors.push(`${walk.at(parent.index, 'subtasks')}: expected a list`);
      continue;
    }
    for (let k = 0; k < subs.length; k++) {
      const s: unknown = subs[k];
      if (!isRecord(s)) {
        walk.errors.push(`${walk.at(parent.index, 'subtasks', k)}: expected a subtask object`);
        continue;
      }
      if (!isNumericId(s.id)) {
        walk.errors.push(`${walk.at(parent.index, 'subtasks', k, 'id')}: expected a whole number such as 1 (found ${shown(s.id)})`);
        continue;
      }
      const id = `${parent.number}.${Number(s.id)}`;
      const newId = walk.expand ? `T${next++}` : '';
      walk.subtaskIds.set(id, newId);
      if (parent.subtasks === NO_SUBTASKS) {
        parent.subtasks = [];
        parent.subtaskByNumber = new Map();
      }
      const entry = { raw: s, index: k, id, newId };
      parent.subtasks.push(entry);
      parent.subtaskByNumber!.set(Number(s.id), entry); // the last of a repeated number wins, as in subtaskIds
    }
  }
}

/**
 * A reference as written → the xplan id it names. `siblingOf`: the parent, when the reference is a subtask's
 * (a bare number is then a sibling subtask). Folded, a subtask reference names its parent task.
 */
function resolve(dep: unknown, siblingOf: string | undefined, { idOfNumber, subtaskIds, expand }: Walk): Resolved | undefined {
  const ref = typeof dep === 'number' && Number.isSafeInteger(dep) && dep >= 0 ? String(dep) : typeof dep === 'string' ? dep.trim() : undefined;
  if (ref === undefined) return undefined;
  if (NUMERIC_ID.test(ref)) {
    const n = String(Number(ref));
    if (siblingOf === undefined) return { id: `T${n}`, exists: idOfNumber.has(Number(n)) };
    const key = `${siblingOf}.${n}`;
    if (subtaskIds.has(key)) return { id: expand ? subtaskIds.get(key)! : `T${siblingOf}`, exists: true };
    // task-master is not consistent here: some of its commands read a subtask's number as a top-level task.
    if (idOfNumber.has(Number(n)) && n !== siblingOf) return { id: `T${n}`, exists: true, note: `there is no subtask ${key}, so ${n} is read as task ${n}` };
    return { id: `T${key}`, exists: false };
  }
  const dotted = DOTTED_ID.exec(ref);
  if (!dotted) return undefined;
  const key = `${Number(dotted[1])}.${Number(dotted[2])}`;
  if (!subtaskIds.has(key)) return { id: `T${key}`, exists: false };
  return { id: expand ? subtaskIds.get(key)! : `T${Number(dotted[1])}`, exists: true };
}

/**
 * Adds an implied dependency once, never on the task itself; says whether it was added. Dependency lists are
 * short, so `includes` is enough.
 */
function imply(dependsOn: string[], selfId: string, id: string): boolean {
  if (id === selfId || dependsOn.includes(id)) return false;
  dependsOn.push(id);
  return true;
}

/**
 * A task's dependencies as written: they stay as written (a repeat or a missing task is for the DAG check to
 * report). `inheritable` receives the ones that exist, for expanded subtasks.
 */
function topDependencies(parent: Parent, selfId: string, walk: Walk, inheritable: string[] | undefined): string[] {
  const dependsOn: string[] = [];
  const list = parent.raw.dependencies;
  if (list === undefined || list === null) return dependsOn;
  if (!Array.isArray(list)) {
    walk.errors.push(`${walk.at(parent.index, 'dependencies')}: expected a list of task ids`);
    return dependsOn;
  }
  for (const dep of list as unknown[]) {
    // The usual case, a task number that exists, without a detour.
    const known = typeof dep === 'number' ? walk.idOfNumber.get(dep) : undefined;
    if (known !== undefined) {
      dependsOn.push(known);
      inheritable?.push(known);
      continue;
    }
    const r = resolve(dep, undefined, walk);
    if (!r) {
      walk.errors.push(`${walk.at(parent.index, 'dependencies')}: ${shown(dep)} is not a task id such as 3 or "3.2"`);
      continue;
    }
    if (r.exists) inheritable?.push(r.id);
    if (r.exists && typeof dep === 'string' && DOTTED_ID.test(dep.trim())) {
      // On a subtask: its parent when folded, its own task when expanded.
      if (r.id === selfId) walk.warnings.push(`${selfId} depends on its own subtask ${dep}; left out`);
      else imply(dependsOn, selfId, r.id);
      continue;
    }
    dependsOn.push(r.id);
  }
  return dependsOn;
}

function readTask(parent: Parent, walk: Walk, subtaskTasks: Array<Task | DagNode>): Task | DagNode {
  const { raw, selfId } = parent;
  const { full, expand } = walk;
  const inheritable = expand && parent.subtasks.length > 0 ? [] : undefined;
  const dependsOn = topDependencies(parent, selfId, walk, inheritable);

  // Graph mode gathers no texts: the shared empty list is never written to.
  const acceptance = !full ? NO_TEXTS : text(raw.testStrategy) ? [text(raw.testStrategy)] : [];
  const folded = full ? [] : NO_TEXTS;
  for (const sub of parent.subtasks) {
    const resolved = subtaskDependencies(parent, sub, walk);
    if (!expand) {
      if (full) {
        const title = text(sub.raw.title) || 'untitled';
        acceptance.push(`Subtask ${sub.id}: ${title}`);
        folded.push(`- ${sub.id} ${title}${text(sub.raw.description) ? `: ${text(sub.raw.description)}` : ''}`);
      }
      for (const { dep, r } of resolved) {
        if (r.id === selfId || !imply(dependsOn, selfId, r.id)) continue;
        walk.warnings.push(
          r.exists
            ? `${selfId} depends on ${r.id} because its subtask ${sub.id} depends on ${String(dep)}`
            : `subtask ${sub.id} depends on ${String(dep)}, which does not exist; kept as ${selfId} depending on ${r.id}`,
        );
      }
      continue;
    }
    subtaskTasks.push(subtaskAsTask(parent, sub, resolved, inheritable ?? [], walk.full));
    imply(dependsOn, selfId, sub.newId);
  }

  const count = parent.subtasks.length;
  const split = expand && count > 0;
  const words = split ? 0 : taskWordsBeyond(parent, LONG_WORDS);
  const effort: Effort = split ? 'XS' : (effortMarker(raw.details) ?? (words > VERY_LONG_WORDS || count >= 8 ? 'XL' : words > LONG_WORDS || count >= 4 ? 'L' : 'M'));
  if (text(raw.title) === '') walk.warnings.push(`${selfId} has no title`);
  if (!full) return { id: selfId, dependsOn, hours: EFFORT_HOURS[effort] };
  const task = build({
    id: selfId,
    title: text(raw.title) || `Task ${parent.number}`,
    description: [
      text(raw.description),
      text(raw.details).replace(EFFORT_MARKER, '').trim(),
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
  return task;
}

function subtaskDependencies(parent: Parent, sub: Parent['subtasks'][number], walk: Walk): Array<{ dep: unknown; r: Resolved }> {
  const depsPath = () => walk.at(parent.index, 'subtasks', sub.index, 'dependencies');
  const resolved: Array<{ dep: unknown; r: Resolved }> = [];
  for (const dep of readDependencies(sub.raw.dependencies, depsPath, walk.errors)) {
    // The usual case, a sibling's number: folded, it names the task itself, which adds nothing.
    const sibling = typeof dep === 'number' ? parent.subtaskByNumber?.get(dep) : undefined;
    if (sibling !== undefined && !walk.expand) continue;
    const r = sibling !== undefined ? { id: sibling.newId, exists: true } : resolve(dep, String(parent.number), walk);
    if (!r) walk.errors.push(`${depsPath()}: ${shown(dep)} is not a subtask number or an id such as "3.2"`);
    else {
      resolved.push({ dep, r });
      if (r.note) walk.warnings.push(`subtask ${sub.id}: ${r.note}`);
    }
  }
  return resolved;
}

/** An expanded subtask: its own dependencies, else (waiting on no sibling) its parent's. */
function subtaskAsTask(parent: Parent, sub: Parent['subtasks'][number], resolved: Array<{ dep: unknown; r: Resolved }>, inheritable: string[], full: boolean): Task | DagNode {
  const s = sub.raw;
  const own: string[] = [];
  let waitsOnSibling = false;
  for (const { dep, r } of resolved) {
    if (r.exists && r.note === undefined && NUMERIC_ID.test(String(dep).trim())) waitsOnSibling = true;
    own.push(r.id);
  }
  // A subtask cannot start before its parent could: the first ones inherit the parent's dependencies.
  if (!waitsOnSibling) {
    for (const d of inheritable) if (d !== sub.newId && !own.includes(d)) own.push(d);
  }
  const effort: Effort = wordsBeyond([s.description, s.details], LONG_WORDS) > LONG_WORDS ? 'M' : 'S';
  if (!full) return { id: sub.newId, dependsOn: own, hours: EFFORT_HOURS[effort] };
  const { selfId } = parent;
  return build({
    id: sub.newId,
    title: text(s.title) || `Subtask ${sub.id}`,
    description: [`task-master subtask ${sub.id} of ${selfId} (${text(parent.raw.title) || 'untitled'})`, text(s.description), text(s.details), status(s.status)].filter(Boolean).join('\n\n'),
    dependsOn: own,
    acceptanceCriteria: text(s.testStrategy) ? [text(s.testStrategy)] : [],
    effort,
    priority: parent.raw.priority,
    testStrategy: text(s.testStrategy),
    kindFrom: text(s.title),
  });
}

function readDependencies(value: unknown, path: () => string, errors: string[]): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.push(`${path()}: expected a list of task ids`);
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

/**
 * Words in these texts (strings and numbers), counted only when they could exceed `limit`: n characters hold at
 * most (n + 1) / 2 words, so short texts, the usual case, are not scanned. Below the limit it returns 0.
 */
function wordsBeyond(texts: unknown[], limit: number): number {
  let chars = 0;
  for (const t of texts) chars += textLength(t);
  if (chars <= 2 * limit) return 0;
  let words = 0;
  for (const t of texts) words += wordCount(text(t));
  return words;
}

/** wordsBeyond of a task's description and details, with its subtasks' when they are folded into it. */
function taskWordsBeyond({ raw, subtasks }: Parent, limit: number): number {
  let chars = textLength(raw.description) + textLength(raw.details);
  for (const sub of subtasks) chars += textLength(sub.raw.description) + textLength(sub.raw.details);
  if (chars <= 2 * limit) return 0;
  return wordsBeyond([raw.description, raw.details, ...subtasks.flatMap((sub) => [sub.raw.description, sub.raw.details])], limit);
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? value.length + 1 : typeof value === 'number' ? String(value).length + 1 : 0;
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

/**
 * The usual tasks.json read into flat arrays (whole-number ids, numeric dependencies on tasks that exist,
 * subtasks folded that wait only on their siblings). Nothing is allocated per task on the JS heap while the parsed
 * document is alive, so the caller can let go of the document before the graph is analysed (`indexedGraphOf`,
 * which makes no id but those reported): the collector then finds the document dead instead of copying it. Undefined when the file needs `readTaskmasterGraph`
 * (anything unusual, any error, subtasks expanded); the result is the same either way.
 */
export interface CompactTaskmasterGraph {
  layout: TaskmasterLayout;
  tag?: string;
  tags: string[];
  numbers: Float64Array;
  /** Dependencies as CSR: task i depends on depIndex[depStart[i] .. depStart[i + 1]). */
  depStart: Int32Array;
  depIndex: Int32Array;
  hours: Float64Array;
  untitled: Uint8Array;
}

const NO_RAW_SUBTASKS: TmSubtask[] = [];

/** Subtask lists longer than this go the general way (each subtask dependency is checked by a scan). */
const COMPACT_MAX_SUBTASKS = 64;

export function compactTaskmasterGraph(doc: unknown, options: TaskmasterOptions = {}): CompactTaskmasterGraph | undefined {
  if (options.subtasks) return undefined;
  const picked = pickList(doc, options.tag);
  if (!picked.ok) return undefined;
  const { list } = picked;
  const n = list.length;
  let max = -1;
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const raw = list[i];
    if (!isRecord(raw) || !isWholeNumber(raw.id)) return undefined;
    if (raw.id > max) max = raw.id;
    const deps = raw.dependencies;
    if (deps === undefined || deps === null) continue;
    if (!Array.isArray(deps)) return undefined;
    edges += deps.length;
  }
  // A lookup table by id: ids are numbered from 1, so it stays about the size of the list.
  if (max > 4 * n + 1024) return undefined;
  const indexOf = new Int32Array(max + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    const id = (list[i] as { id: number }).id;
    if (indexOf[id] !== -1) return undefined; // a repeated id: the general reader reports it
    indexOf[id] = i;
  }
  const numbers = new Float64Array(n);
  const depStart = new Int32Array(n + 1);
  const depIndex = new Int32Array(edges);
  const hours = new Float64Array(n);
  const untitled = new Uint8Array(n);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const raw = list[i] as TmTask & { id: number };
    numbers[i] = raw.id;
    depStart[i] = e;
    const deps = raw.dependencies as unknown[] | undefined | null;
    if (deps) {
      for (let k = 0; k < deps.length; k++) {
        const dep = deps[k];
        if (!isWholeNumber(dep) || dep > max || indexOf[dep] === -1) return undefined;
        depIndex[e++] = indexOf[dep]!;
      }
    }
    const subtasks = compactSubtaskCount(raw.subtasks);
    if (subtasks < 0) return undefined;
    if (typeof raw.title === 'string' ? raw.title.trim() === '' : typeof raw.title !== 'number') untitled[i] = 1;
    const words = compactWordsBeyond(raw, LONG_WORDS);
    const effort: Effort = effortMarker(raw.details) ?? (words > VERY_LONG_WORDS || subtasks >= 8 ? 'XL' : words > LONG_WORDS || subtasks >= 4 ? 'L' : 'M');
    hours[i] = EFFORT_HOURS[effort];
  }
  depStart[n] = e;
  return { layout: picked.layout, ...(picked.tag !== undefined ? { tag: picked.tag } : {}), tags: picked.tags, numbers, depStart, depIndex, hours, untitled };
}

/** The graph for `analyzeIndexedDag`, and the warnings `readTaskmasterGraph` gives for the same file. */
export function indexedGraphOf(compact: CompactTaskmasterGraph): { graph: IndexedGraph; warnings: string[] } {
  const { numbers, depStart, depIndex, hours, untitled } = compact;
  const idOf = (i: number) => `T${numbers[i]!}`;
  const warnings: string[] = [];
  for (let i = 0; i < untitled.length; i++) if (untitled[i] === 1) warnings.push(`${idOf(i)} has no title`);
  return { graph: { count: numbers.length, idOf, depStart, depList: depIndex, hours }, warnings };
}

function isWholeNumber(value: unknown): value is number {
  // Safe integers only: 1e21 is an integer, but `T1e+21` is no task id anyone can type back.
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** How many subtasks, when every one has a whole-number id and waits only on siblings that exist; else -1. */
function compactSubtaskCount(subtasks: unknown): number {
  if (subtasks === undefined || subtasks === null) return 0;
  if (!Array.isArray(subtasks) || subtasks.length > COMPACT_MAX_SUBTASKS) return -1;
  for (const s of subtasks as unknown[]) if (!isRecord(s) || !isWholeNumber(s.id)) return -1;
  for (const s of subtasks as Array<{ dependencies?: unknown }>) {
    const deps = s.dependencies;
    if (deps === undefined || deps === null) continue;
    if (!Array.isArray(deps)) return -1;
    for (const dep of deps as unknown[]) {
      if (!isWholeNumber(dep)) return -1;
      // Folded, a sibling's number names the task itself and adds nothing.
      let sibling = false;
      for (const other of subtasks as Array<{ id: number }>) if (other.id === dep) sibling = true;
      if (!sibling) return -1;
    }
  }
  return subtasks.length;
}

/** wordsBeyond of a task and its folded subtasks, without building a list first. */
function compactWordsBeyond(raw: TmTask, limit: number): number {
  let chars = textLength(raw.description) + textLength(raw.details);
  const subtasks = Array.isArray(raw.subtasks) ? (raw.subtasks as TmSubtask[]) : NO_RAW_SUBTASKS;
  for (const s of subtasks) chars += textLength(s.description) + textLength(s.details);
  if (chars <= 2 * limit) return 0;
  let words = wordCount(text(raw.description)) + wordCount(text(raw.details));
  for (const s of subtasks) words += wordCount(text(s.description)) + wordCount(text(s.details));
  return words;
}

/** The line xplan's export adds to a task's details: `xplan effort: L`. */
const EFFORT_MARKER = /^xplan effort: (XS|S|M|L|XL)$/m;

function effortMarker(details: unknown): Effort | undefined {
  // indexOf first: most files never had the line, and check reads 20,000 tasks.
  if (typeof details !== 'string' || !details.includes('xplan effort: ')) return undefined;
  return EFFORT_MARKER.exec(details)?.[1] as Effort | undefined;
}

/** A task as task-master writes it in tasks.json. */
export interface TaskmasterTaskOut {
  id: number;
  title: string;
  description: string;
  details: string;
  testStrategy: string;
  status: 'pending';
  dependencies: number[];
  priority: 'high' | 'medium' | 'low';
  subtasks: [];
}

const PRIORITY_BY_RISK: Record<Risk, TaskmasterTaskOut['priority']> = { high: 'high', medium: 'medium', low: 'low' };

/**
 * A plan as task-master's tagged tasks.json (`{ "master": { "tasks": [...], "metadata": {...} } }`): `T3` → id 3,
 * dependencies likewise, so reading it back with `--from taskmaster` gives the same ids and edges. The description's
 * first paragraph is the description, the rest the details; the acceptance criteria become the test strategy. The
 * priority is the one the task came with from task-master (its risk reason names it), else its risk.
 */
export function toTaskmaster(plan: { spec: { title: string }; tasks: Task[] }): { master: { tasks: TaskmasterTaskOut[]; metadata: { description: string } } } {
  const number = (id: string) => Number(/^T(\d+)$/.exec(id)?.[1] ?? NaN);
  const tasks = plan.tasks.map((t): TaskmasterTaskOut => {
    const [description = '', ...details] = t.description.split(/\n\s*\n/);
    const original = /^task-master priority (high|medium|low)$/.exec(t.riskReason)?.[1] as TaskmasterTaskOut['priority'] | undefined;
    return {
      id: number(t.id),
      title: t.title,
      description: description.trim(),
      // task-master has no effort field: a line of its own carries it back on import.
      details: [details.join('\n\n').trim(), `xplan effort: ${t.effort}`].filter(Boolean).join('\n\n'),
      testStrategy: t.acceptanceCriteria.join('\n'),
      status: 'pending',
      dependencies: t.dependsOn.map(number).filter((n) => !Number.isNaN(n)),
      priority: original ?? PRIORITY_BY_RISK[t.risk],
      subtasks: [],
    };
  });
  return { master: { tasks, metadata: { description: plan.spec.title } } };
}
