/**
 * Edits of a plan's tasks. Each returns the new task list and a one-line description, or throws a
 * PlanEditError saying why the edit is refused (a cycle with its path, an unknown task, dependents left behind).
 * Derived fields are recomputed afterwards by derivePlan.
 */
import { XplanError } from '../errors.js';
import type { Effort } from './effort.js';
import { EFFORTS, RISKS, TASK_KINDS, TEST_STRATEGIES } from './plan-schema.js';
import type { Plan, Risk, Task, TaskKind, TestStrategy } from './plan.js';

export class PlanEditError extends XplanError {
  constructor(code: string, message: string, hint?: string) {
    super(code, message, { hint, exitCode: 2 });
    this.name = 'PlanEditError';
  }
}

export interface EditResult {
  tasks: Task[];
  message: string;
}

export { EFFORTS, RISKS, TASK_KINDS as KINDS, TEST_STRATEGIES as STRATEGIES } from './plan-schema.js';

export interface TaskFields {
  title?: string;
  description?: string;
  acceptanceCriteria?: string[];
  effort?: Effort;
  risk?: Risk;
  riskReason?: string;
  testStrategy?: TestStrategy;
  strategyReason?: string;
  stream?: string;
  kind?: TaskKind;
}

function find(tasks: Task[], id: string): Task {
  const task = tasks.find((t) => t.id === id);
  if (!task) throw new PlanEditError('UNKNOWN_TASK', `There is no task ${id} in the plan`, `Tasks are ${summariseIds(tasks)}; \`xplan show\` lists them.`);
  return task;
}

function summariseIds(tasks: Task[]): string {
  return tasks.length <= 8 ? tasks.map((t) => t.id).join(', ') : `${tasks[0]!.id} … ${tasks[tasks.length - 1]!.id}`;
}

/** The path by which `from` already depends on `to`, if it does: from → … → to. */
function dependencyPath(tasks: Task[], from: string, to: string): string[] | undefined {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const previous = new Map<string, string>([[from, from]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    if (id === to) {
      const path = [to];
      for (let at = to; at !== from; at = previous.get(at)!) path.unshift(previous.get(at)!);
      return path;
    }
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      if (!previous.has(dep)) {
        previous.set(dep, id);
        queue.push(dep);
      }
    }
  }
  return undefined;
}

function checkFields(fields: TaskFields): void {
  const enums: Array<[keyof TaskFields, readonly string[]]> = [
    ['effort', EFFORTS],
    ['risk', RISKS],
    ['testStrategy', TEST_STRATEGIES],
    ['kind', TASK_KINDS],
  ];
  for (const [key, allowed] of enums) {
    const value = fields[key];
    if (value !== undefined && !allowed.includes(value as string)) {
      throw new PlanEditError('INVALID_VALUE', `${key} must be one of ${allowed.join(', ')} (got "${String(value)}")`, `Pick one of ${allowed.join(', ')}.`);
    }
  }
  if (fields.title !== undefined && fields.title.trim() === '') throw new PlanEditError('INVALID_VALUE', 'A task needs a title', 'Pass a title with words in it, e.g. --title "Add the cart API".');
  if (fields.stream !== undefined && fields.stream.trim() === '') throw new PlanEditError('INVALID_VALUE', 'A stream needs a name', 'Pass a stream id such as --stream A, or leave --stream out.');
}

export function addTask(tasks: Task[], fields: TaskFields & { title: string; dependsOn?: string[]; after?: string }): EditResult {
  checkFields(fields);
  for (const dep of fields.dependsOn ?? []) find(tasks, dep);
  const id = `T${tasks.reduce((max, t) => Math.max(max, Number(t.id.slice(1))), 0) + 1}`;
  const task: Task = {
    id,
    title: fields.title.trim(),
    description: fields.description ?? '',
    dependsOn: [...new Set(fields.dependsOn ?? [])],
    acceptanceCriteria: fields.acceptanceCriteria ?? [],
    effort: fields.effort ?? 'M',
    risk: fields.risk ?? 'medium',
    riskReason: fields.riskReason ?? 'added by hand',
    testStrategy: fields.testStrategy ?? 'test-after',
    strategyReason: fields.strategyReason ?? 'added by hand',
    stream: fields.stream ?? (fields.after ? find(tasks, fields.after).stream : (tasks[0]?.stream ?? 'A')),
    wave: 0,
    kind: fields.kind ?? 'feature',
    sources: [],
    files: [],
  };
  const at = fields.after ? tasks.indexOf(find(tasks, fields.after)) + 1 : tasks.length;
  return { tasks: [...tasks.slice(0, at), task, ...tasks.slice(at)], message: `Added ${id} "${task.title}"` };
}

/** Tasks that depend on `id` directly. */
export function dependentsOf(tasks: Task[], id: string): string[] {
  return tasks.filter((t) => t.dependsOn.includes(id)).map((t) => t.id);
}

/**
 * Removes a task. Its dependents would lose an ordering, so they are named and the removal needs `force`;
 * with it, they inherit the removed task's own dependencies so the rest of the order is kept.
 */
export function removeTask(tasks: Task[], id: string, force: boolean): EditResult {
  const task = find(tasks, id);
  const dependents = dependentsOf(tasks, id);
  if (dependents.length > 0 && !force) {
    throw new PlanEditError(
      'HAS_DEPENDENTS',
      `${dependents.join(', ')} depend${dependents.length === 1 ? 's' : ''} on ${id}`,
      `Confirm, or pass --force: they will depend on ${id}'s own dependencies (${task.dependsOn.join(', ') || 'none'}) instead.`,
    );
  }
  const rest = tasks.filter((t) => t.id !== id).map((t) => (t.dependsOn.includes(id) ? { ...t, dependsOn: [...new Set(t.dependsOn.filter((d) => d !== id).concat(task.dependsOn))] } : t));
  return { tasks: rest, message: `Removed ${id} "${task.title}"${dependents.length > 0 ? `; ${dependents.join(', ')} now depend on ${task.dependsOn.join(', ') || 'nothing'}` : ''}` };
}

export function setTask(tasks: Task[], id: string, fields: TaskFields): EditResult {
  checkFields(fields);
  find(tasks, id);
  const changed = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (changed.length === 0) throw new PlanEditError('NOTHING_TO_SET', `Nothing to change on ${id}`, 'Pass at least one field, e.g. --effort L or --risk high.');
  const defined = Object.fromEntries(changed) as TaskFields;
  return { tasks: tasks.map((t) => (t.id === id ? { ...t, ...defined } : t)), message: `Set ${changed.map(([k]) => k).join(', ')} on ${id}` };
}

/** Makes `id` depend on `on`; refused with the cycle's path when `on` already depends on `id`. */
export function addDependency(tasks: Task[], id: string, on: string): EditResult {
  const task = find(tasks, id);
  find(tasks, on);
  if (id === on) throw new PlanEditError('SELF_REF', `${id} cannot depend on itself`, 'Name another task as the dependency.');
  if (task.dependsOn.includes(on)) throw new PlanEditError('DUPLICATE_DEP', `${id} already depends on ${on}`, 'Nothing to add; `xplan show` lists the dependencies.');
  const path = dependencyPath(tasks, on, id);
  if (path) {
    throw new PlanEditError('CYCLE', `Refused: ${id} depending on ${on} would create a cycle: ${[id, ...path].join(' → ')}`, `${on} already depends on ${id}; remove one of those dependencies first.`);
  }
  return { tasks: tasks.map((t) => (t.id === id ? { ...t, dependsOn: [...t.dependsOn, on] } : t)), message: `${id} now depends on ${on}` };
}

export function removeDependency(tasks: Task[], id: string, on: string): EditResult {
  const task = find(tasks, id);
  if (!task.dependsOn.includes(on)) throw new PlanEditError('NO_SUCH_DEP', `${id} does not depend on ${on}`, `${id} depends on ${task.dependsOn.join(', ') || 'nothing'}.`);
  return { tasks: tasks.map((t) => (t.id === id ? { ...t, dependsOn: t.dependsOn.filter((d) => d !== on) } : t)), message: `${id} no longer depends on ${on}` };
}

/** Reorders the list (ids stay); the order is how the plan is read and how ties are broken when merging. */
export function moveTask(tasks: Task[], id: string, where: { before?: string; after?: string }): EditResult {
  const task = find(tasks, id);
  if (where.before !== undefined && where.after !== undefined)
    throw new PlanEditError('CONFLICTING_POSITION', `${id} cannot go both before ${where.before} and after ${where.after}`, 'Pass one of --before and --after.');
  const anchorId = where.before ?? where.after;
  if (!anchorId) throw new PlanEditError('NO_POSITION', `Where should ${id} go?`, 'Pass --before T2 or --after T2.');
  find(tasks, anchorId);
  if (anchorId === id) throw new PlanEditError('NO_POSITION', `${id} cannot move relative to itself`, 'Name another task with --before or --after.');
  const rest = tasks.filter((t) => t.id !== id);
  const at = rest.findIndex((t) => t.id === anchorId) + (where.after ? 1 : 0);
  return { tasks: [...rest.slice(0, at), task, ...rest.slice(at)], message: `Moved ${id} ${where.before ? 'before' : 'after'} ${anchorId}` };
}

/** A saved edit of the plan, as the edit commands report it. */
export interface EditPlanResult {
  plan: Plan;
  message: string;
  /** The plan was approved before this edit and is a draft again. */
  approvalWithdrawn: boolean;
}
