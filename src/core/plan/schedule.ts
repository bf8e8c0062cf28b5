/**
 * What a plan's graph says about running it: a list schedule at N agents (what a run does: whenever an agent is
 * free it takes the ready task with the longest path still behind it), the direct edges of the graph (its
 * transitive reduction), and the pairs of tasks that may run at the same time. Pure.
 */
import { EFFORT_HOURS, type Effort } from './effort.js';
import { MinHeap } from '../min-heap.js';

export interface ScheduleTask {
  id: string;
  dependsOn: string[];
  effort: Effort;
}

export type GraphTask = Pick<ScheduleTask, 'id' | 'dependsOn'>;

/** Above this many tasks, reachability (reduction, concurrent pairs) is not computed: n² bits of memory. */
export const REACHABILITY_LIMIT = 4000;

/**
 * The makespan in agent-hours of a list schedule with `agents` agents. Tasks on or behind a cycle are left out;
 * dangling dependencies are ignored.
 */
export function listScheduleHours(tasks: ScheduleTask[], agents: number): number {
  const { deps, dependents, order } = resolve(tasks);
  const hours = tasks.map((t) => EFFORT_HOURS[t.effort]);
  // Priority: the longest path from the task to the end of the plan, itself included.
  const tail = new Float64Array(tasks.length);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    let longest = 0;
    for (const j of dependents[i]!) longest = Math.max(longest, tail[j]!);
    tail[i] = hours[i]! + longest;
  }
  const scheduled = new Set(order);
  const waiting = deps.map((ds) => ds.length);
  const ready = new MinHeap<number>((a, b) => tail[b]! - tail[a]! || a - b);
  for (const i of order) if (waiting[i] === 0) ready.push(i);
  // Agents as the times they become free; running tasks as (end, task).
  const running = new MinHeap<[number, number]>((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let free = Math.max(1, agents);
  let makespan = 0;
  while (ready.size > 0 || running.size > 0) {
    while (free > 0 && ready.size > 0) {
      const i = ready.pop()!;
      running.push([now + hours[i]!, i]);
      free--;
    }
    const [end, i] = running.pop()!;
    now = end;
    makespan = Math.max(makespan, end);
    free++;
    for (const j of dependents[i]!) if (scheduled.has(j) && --waiting[j]! === 0) ready.push(j);
  }
  return makespan;
}

interface ResolvedGraph {
  index: Map<string, number>;
  /** Each task's dependencies and dependents as positions: repeats, self and dangling references dropped. */
  deps: number[][];
  dependents: number[][];
  /** Kahn's order of the acyclic part (tasks on or behind a cycle left out). */
  order: number[];
}

function resolve(tasks: GraphTask[]): ResolvedGraph {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const deps = tasks.map((t, i) => [...new Set(t.dependsOn.map((d) => index.get(d)).filter((d): d is number => d !== undefined && d !== i))]);
  const dependents: number[][] = tasks.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => dependents[d]!.push(i)));
  const waiting = deps.map((ds) => ds.length);
  const order: number[] = [];
  for (let i = 0; i < deps.length; i++) if (waiting[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) for (const j of dependents[order[k]!]!) if (--waiting[j]! === 0) order.push(j);
  return { index, deps, dependents, order };
}

/** What each task can reach through its dependencies (its ancestors), as bit sets over task positions. */
function ancestors(tasks: GraphTask[]): { index: Map<string, number>; reach: Uint32Array[] } | undefined {
  if (tasks.length > REACHABILITY_LIMIT) return undefined;
  const { index, deps, order } = resolve(tasks);
  const words = Math.ceil(tasks.length / 32);
  const reach = tasks.map(() => new Uint32Array(words));
  for (const i of order) {
    for (const d of deps[i]!) {
      const into = reach[i]!;
      const from = reach[d]!;
      for (let w = 0; w < words; w++) into[w]! |= from[w]!;
      into[d >>> 5]! |= 1 << (d & 31);
    }
  }
  return { index, reach };
}

const has = (bits: Uint32Array, i: number) => (bits[i >>> 5]! & (1 << (i & 31))) !== 0;

export interface Reduction {
  /** Each task's direct dependencies: those no other dependency already implies, in id order. */
  direct: Map<string, string[]>;
  /** Edges another path implies: `task` depends on `dependency` through `via` already. */
  redundant: Array<{ task: string; dependency: string; via: string }>;
}

/** Task ids in the order people count them: T2 before T10. */
export function compareTaskIds(a: string, b: string): number {
  const na = /^T(\d+)$/.exec(a);
  const nb = /^T(\d+)$/.exec(b);
  return na && nb ? Number(na[1]) - Number(nb[1]) : a < b ? -1 : a > b ? 1 : 0;
}

/** The transitive reduction: the edges to draw and list, and the ones a check reports as redundant. */
export function transitiveReduction(tasks: GraphTask[]): Reduction {
  const graph = ancestors(tasks);
  const direct = new Map<string, string[]>();
  const redundant: Reduction['redundant'] = [];
  for (const [i, t] of tasks.entries()) {
    const deps = [...new Set(t.dependsOn)].sort(compareTaskIds);
    if (!graph || deps.length < 2) {
      direct.set(t.id, deps);
      continue;
    }
    const kept: string[] = [];
    for (const dep of deps) {
      const d = graph.index.get(dep);
      const via = d === undefined || d === i ? undefined : deps.find((other) => other !== dep && graph.index.has(other) && has(graph.reach[graph.index.get(other)!]!, d));
      if (via) redundant.push({ task: t.id, dependency: dep, via });
      else kept.push(dep);
    }
    direct.set(t.id, kept);
  }
  return { direct, redundant };
}

/**
 * Pairs of the tasks `among` picks that may run at the same time: neither is an ancestor of the other in the whole
 * graph (a path through tasks `among` leaves out still orders them).
 */
export function concurrentPairs<T extends GraphTask>(tasks: T[], wanted: (a: T, b: T) => boolean, among: (t: T) => boolean = () => true): Array<[T, T]> {
  const graph = ancestors(tasks);
  if (!graph) return [];
  const picked = tasks.flatMap((t, i) => (among(t) ? [i] : []));
  const pairs: Array<[T, T]> = [];
  for (let x = 0; x < picked.length; x++) {
    for (let y = x + 1; y < picked.length; y++) {
      const [i, j] = [picked[x]!, picked[y]!];
      if (has(graph.reach[i]!, j) || has(graph.reach[j]!, i)) continue;
      if (wanted(tasks[i]!, tasks[j]!)) pairs.push([tasks[i]!, tasks[j]!]);
    }
  }
  return pairs;
}

/**
 * Streams that touch the same files are one component: they are merged (the first one's id and name kept, the
 * others named in it), so that tasks in different streams really touch different files.
 */
export function mergeStreamsSharingFiles<S extends { id: string; name: string; tasks: string[] }>(
  tasks: Array<{ id: string; stream: string; files: string[]; kind?: string }>,
  streams: S[],
  overlap: (a: string, b: string) => boolean,
): { streams: S[]; streamOf: Map<string, string> } {
  const parent = new Map(streams.map((s) => [s.id, s.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  const filesOf = new Map<string, string[]>();
  for (const t of tasks) if (t.kind !== 'test') filesOf.set(t.stream, [...(filesOf.get(t.stream) ?? []), ...t.files]);
  for (let i = 0; i < streams.length; i++) {
    for (let j = i + 1; j < streams.length; j++) {
      const a = filesOf.get(streams[i]!.id) ?? [];
      const b = filesOf.get(streams[j]!.id) ?? [];
      if (a.some((f) => b.some((g) => overlap(f, g)))) {
        const [ra, rb] = [find(streams[i]!.id), find(streams[j]!.id)];
        if (ra !== rb) parent.set(rb, ra);
      }
    }
  }
  const merged: S[] = [];
  for (const s of streams) {
    const root = find(s.id);
    const into = merged.find((m) => m.id === root);
    if (into) {
      into.name = `${into.name} + ${s.name}`;
      into.tasks.push(...s.tasks);
    } else merged.push({ ...s, tasks: [...s.tasks] });
  }
  return { streams: merged, streamOf: new Map(tasks.map((t) => [t.id, find(t.stream)])) };
}
