/**
 * Graph checks for plans: duplicate ids, dangling, self and duplicate references, cycles (reported as their path),
 * topological order, waves, critical path. Pure, and linear in tasks + edges: the graph is held in flat index
 * arrays (CSR), and no pass searches a list inside a loop. 20,000 tasks take a few milliseconds.
 *
 * Reading direction: `T3 → T5` in a cycle path means "T3 depends on T5".
 */

export interface DagNode {
  id: string;
  dependsOn: string[];
  /** Weight on the critical path; 1 when absent. */
  hours?: number;
}

export type DagIssueCode = 'DUPLICATE_ID' | 'DANGLING_REF' | 'SELF_REF' | 'DUPLICATE_DEP' | 'CYCLE';

export interface DagIssue {
  code: DagIssueCode;
  message: string;
  /** The tasks concerned; for a cycle, its tasks in path order. */
  tasks: string[];
}

/** What a check reports of a graph: the figures, without the order and waves of every task. */
export interface DagFigures {
  ok: boolean;
  errors: DagIssue[];
  waveCount: number;
  maxWaveWidth: number;
  /** The longest path by hours, first task (a root) first. */
  criticalPath: string[];
  criticalPathHours: number;
  /** Hours of the ordered tasks (each task once; duplicates and tasks on or behind a cycle not counted). */
  totalHours: number;
  /** Dependencies that resolve to another task (dangling, self and repeated references not counted). */
  edgeCount: number;
  /** How many of `roots` and `leaves` there are. */
  rootCount: number;
  leafCount: number;
  /** Tasks left out of the order: on a cycle or depending on one, in input order. */
  excluded: string[];
}

export interface DagAnalysis extends DagFigures {
  /**
   * Topological order of the acyclic part: wave 1 first, then wave 2, …; within a wave, input order. Tasks on or
   * behind a cycle are left out (see `excluded`).
   */
  order: string[];
  /** 1-based level: 1 + the highest wave among a task's dependencies. */
  wave: Map<string, number>;
  /** Ordered tasks with no dependencies, in input order. */
  roots: string[];
  /** Ordered tasks no ordered task depends on, in input order. */
  leaves: string[];
}

/**
 * A graph whose references are already resolved to positions, as a reader that knows its ids can build it without
 * a string per task: task i depends on depList[depStart[i] .. depStart[i + 1]) (repeats and i itself allowed, and
 * reported). Ids are made only for what is reported.
 */
export interface IndexedGraph {
  count: number;
  idOf: (i: number) => string;
  depStart: Int32Array;
  depList: Int32Array;
  hours: Float64Array;
}

/** At most this many cycles are reported; a graph can hold exponentially many. */
export const MAX_CYCLES_REPORTED = 20;
/** A cycle message lists at most this many tasks; `tasks` always holds the whole cycle. */
const CYCLE_IDS_SHOWN = 24;

/**
 * Checks the graph and computes its order, waves and critical path. `hoursOf` gives a node's weight when the nodes
 * carry it some other way than `hours` (so callers can pass their tasks as they are).
 */
export function analyzeDag<T extends DagNode>(nodes: readonly T[], hoursOf?: (node: T) => number): DagAnalysis {
  // Phases are separate functions: V8 optimises each quickly, which matters for a one-shot CLI run.
  const errors: DagIssue[] = [];
  const ids = indexIds(nodes, errors);
  const graph = buildEdges(nodes, ids, errors);
  const hours = new Float64Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) hours[i] = hoursOf ? hoursOf(nodes[i]!) : (nodes[i]!.hours ?? 1);
  const idOf = (i: number) => nodes[i]!.id;
  const outgoing = dependentsOf(graph);
  const levels = runKahn(graph, outgoing, hours);
  const result = orderByWave(idOf, ids.live, graph, outgoing, levels, true);
  return { ...figures(idOf, graph, levels, result, errors), order: result.order, wave: result.wave, roots: result.roots, leaves: result.leaves };
}

/** The figures of a graph given by positions; the same as analyzeDag gives for the same tasks. */
export function analyzeIndexedDag(graph: IndexedGraph): DagFigures {
  const errors: DagIssue[] = [];
  const edges = checkIndexedEdges(graph, errors);
  const outgoing = dependentsOf(edges);
  const levels = runKahn(edges, outgoing, graph.hours);
  const live = new Uint8Array(graph.count).fill(1);
  const result = orderByWave(graph.idOf, live, edges, outgoing, levels, false);
  return figures(graph.idOf, edges, levels, result, errors);
}

function figures(idOf: (i: number) => string, graph: Edges, levels: Levels, result: Ordered, errors: DagIssue[]): DagFigures {
  if (result.excludedIdx.length > 0) errors.push(...findCycles(idOf, graph.depStart, graph.depList, levels.remaining, result.excludedIdx));
  const criticalPath: string[] = [];
  for (let i = result.end; i >= 0; i = levels.via[i]!) criticalPath.push(idOf(i));
  criticalPath.reverse();
  return {
    ok: errors.length === 0,
    errors,
    waveCount: levels.waveCount,
    maxWaveWidth: result.maxWaveWidth,
    criticalPath,
    criticalPathHours: result.end >= 0 ? levels.finish[result.end]! : 0,
    totalHours: levels.totalHours,
    edgeCount: graph.edgeCount,
    rootCount: result.rootCount,
    leafCount: result.leafCount,
    excluded: result.excludedIdx.map(idOf),
  };
}

/** buildEdges for references already resolved: self and repeated references are reported the same way. */
function checkIndexedEdges({ count: n, idOf, depStart: given, depList: listed }: IndexedGraph, errors: DagIssue[]): Edges {
  const depStart = new Int32Array(n + 1);
  const depList = new Int32Array(listed.length);
  const dependentCount = new Int32Array(n);
  const seenBy = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let tail = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    depStart[i] = e;
    for (let p = given[i]!; p < given[i + 1]!; p++) {
      const j = listed[p]!;
      if (seenBy[j] === i) {
        errors.push({ code: 'DUPLICATE_DEP', message: `${idOf(i)} lists ${idOf(j)} more than once`, tasks: [idOf(i)] });
        continue;
      }
      seenBy[j] = i;
      if (j === i) {
        errors.push({ code: 'SELF_REF', message: `${idOf(i)} depends on itself`, tasks: [idOf(i)] });
        continue;
      }
      depList[e++] = j;
      dependentCount[j]!++;
    }
    if (e === depStart[i]) queue[tail++] = i;
  }
  depStart[n] = e;
  return { depStart, depList, dependentCount, edgeCount: e, queue, tail };
}

interface Ids {
  index: Map<string, number>;
  /** 1 for the first task of each id; later duplicates are left out of the graph (their edges are ambiguous). */
  live: Uint8Array;
}

function indexIds(nodes: readonly DagNode[], errors: DagIssue[]): Ids {
  const n = nodes.length;
  const index = new Map<string, number>();
  const live = new Uint8Array(n);
  let duplicates: Map<string, number[]> | undefined;
  for (let i = 0; i < n; i++) {
    const id = nodes[i]!.id;
    const first = index.get(id);
    if (first === undefined) {
      index.set(id, i);
      live[i] = 1;
    } else {
      duplicates ??= new Map();
      const at = duplicates.get(id);
      if (at) at.push(i);
      else duplicates.set(id, [first, i]);
    }
  }
  if (duplicates) {
    for (const [id, at] of duplicates) {
      errors.push({ code: 'DUPLICATE_ID', message: `${id} is defined ${at.length} times (entries ${listing(at.map((i) => String(i + 1)))})`, tasks: [id] });
    }
  }
  return { index, live };
}

interface Edges {
  /** Prerequisites as CSR: the dependencies of i are depList[depStart[i] .. depStart[i + 1]). */
  depStart: Int32Array;
  depList: Int32Array;
  dependentCount: Int32Array;
  edgeCount: number;
  /** Kahn's queue, seeded with the tasks that wait for nothing, in input order; `tail` is its length. */
  queue: Int32Array;
  tail: number;
}

function buildEdges(nodes: readonly DagNode[], { index, live }: Ids, errors: DagIssue[]): Edges {
  const n = nodes.length;
  let capacity = 0;
  for (let i = 0; i < n; i++) if (live[i] === 1) capacity += nodes[i]!.dependsOn.length;
  const depStart = new Int32Array(n + 1);
  const depList = new Int32Array(capacity);
  const dependentCount = new Int32Array(n);
  // seenBy[j] === i: task i already listed j. Unknown ids get the same treatment through a map.
  const seenBy = new Int32Array(n).fill(-1);
  let danglingSeenBy: Map<string, number> | undefined;
  const queue = new Int32Array(n);
  let tail = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    depStart[i] = e;
    if (live[i] === 0) continue;
    const list = nodes[i]!.dependsOn;
    for (let k = 0; k < list.length; k++) {
      const dep = list[k]!;
      const j = index.get(dep);
      if (j === undefined) {
        danglingSeenBy ??= new Map();
        const id = nodes[i]!.id;
        if (danglingSeenBy.get(dep) === i) {
          errors.push({ code: 'DUPLICATE_DEP', message: `${id} lists ${dep} more than once`, tasks: [id] });
        } else {
          danglingSeenBy.set(dep, i);
          errors.push({ code: 'DANGLING_REF', message: `${id} depends on ${dep}, which does not exist`, tasks: [id] });
        }
        continue;
      }
      if (seenBy[j] === i) {
        const id = nodes[i]!.id;
        errors.push({ code: 'DUPLICATE_DEP', message: `${id} lists ${dep} more than once`, tasks: [id] });
        continue;
      }
      seenBy[j] = i;
      if (j === i) {
        const id = nodes[i]!.id;
        errors.push({ code: 'SELF_REF', message: `${id} depends on itself`, tasks: [id] });
        continue;
      }
      depList[e++] = j;
      dependentCount[j]!++;
    }
    if (e === depStart[i]) queue[tail++] = i;
  }
  depStart[n] = e;
  return { depStart, depList, dependentCount, edgeCount: e, queue, tail };
}

interface Outgoing {
  /** Dependents as CSR: the tasks waiting for j are outList[outStart[j] .. outStart[j + 1]). */
  outStart: Int32Array;
  outList: Int32Array;
}

function dependentsOf({ depStart, depList, dependentCount, edgeCount }: Edges): Outgoing {
  const n = dependentCount.length;
  const outStart = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) outStart[j + 1] = outStart[j]! + dependentCount[j]!;
  const outList = new Int32Array(edgeCount);
  const cursor = outStart.slice(0, n);
  for (let i = 0; i < n; i++) for (let p = depStart[i]!, end = depStart[i + 1]!; p < end; p++) outList[cursor[depList[p]!]!++] = i;
  return { outStart, outList };
}

interface Levels {
  /** Dependencies not yet met; above 0 after the run for tasks on or behind a cycle. */
  remaining: Int32Array;
  waveOf: Int32Array;
  finish: Float64Array;
  /** The dependency on the longest path into each task, -1 for none. */
  via: Int32Array;
  waveCount: number;
  totalHours: number;
  /** How many tasks left the queue (queue[0 .. ordered) is a topological order). */
  ordered: number;
}

/**
 * Kahn's algorithm. Each task pushes its wave and its finish time on the longest path to its dependents; both are
 * final when a task leaves the queue, because all its dependencies left before it.
 */
function runKahn(edges: Edges, { outStart, outList }: Outgoing, hoursOf: Float64Array): Levels {
  const { depStart, queue } = edges;
  const n = hoursOf.length;
  let tail = edges.tail;
  const remaining = new Int32Array(n);
  for (let i = 0; i < n; i++) remaining[i] = depStart[i + 1]! - depStart[i]!;
  const waveOf = new Int32Array(n).fill(1);
  const start = new Float64Array(n);
  const finish = new Float64Array(n);
  const via = new Int32Array(n).fill(-1);
  let waveCount = 0;
  let totalHours = 0;
  for (let head = 0; head < tail; head++) {
    const i = queue[head]!;
    const w = waveOf[i]!;
    if (w > waveCount) waveCount = w;
    const hours = hoursOf[i]!;
    const f = start[i]! + hours;
    finish[i] = f;
    totalHours += hours;
    for (let p = outStart[i]!, end = outStart[i + 1]!; p < end; p++) {
      const k = outList[p]!;
      if (waveOf[k]! <= w) waveOf[k] = w + 1;
      // Ties keep the dependency that left the queue first.
      if (via[k] === -1 || f > start[k]!) {
        start[k] = f;
        via[k] = i;
      }
      if (--remaining[k]! === 0) queue[tail++] = k;
    }
  }
  return { remaining, waveOf, finish, via, waveCount, totalHours, ordered: tail };
}

interface Ordered {
  order: string[];
  wave: Map<string, number>;
  maxWaveWidth: number;
  roots: string[];
  leaves: string[];
  rootCount: number;
  leafCount: number;
  excludedIdx: number[];
  /** The task where the critical path ends: the first (in input order) with the latest finish; -1 when none. */
  end: number;
}

/**
 * Order by (wave, input position) with a counting sort, so it stays linear; roots, leaves and the excluded. Unless
 * `named`, only counted: no id is made for the ordered tasks.
 */
function orderByWave(idOf: (i: number) => string, live: Uint8Array, { depStart }: Edges, { outStart, outList }: Outgoing, levels: Levels, named: boolean): Ordered {
  const { remaining, waveOf, finish, waveCount, ordered } = levels;
  const n = live.length;
  let liveCount = 0;
  for (let i = 0; i < n; i++) liveCount += live[i]!;
  const width = new Int32Array(waveCount + 2);
  for (let i = 0; i < n; i++) if (live[i] === 1 && remaining[i] === 0) width[waveOf[i]!]!++;
  let maxWaveWidth = 0;
  const slot = new Int32Array(waveCount + 2);
  for (let w = 1; w <= waveCount; w++) {
    if (width[w]! > maxWaveWidth) maxWaveWidth = width[w]!;
    slot[w + 1] = slot[w]! + width[w]!;
  }
  const cyclic = ordered < liveCount;
  const order: string[] = named ? new Array<string>(ordered) : [];
  const wave = new Map<string, number>();
  const roots: string[] = [];
  const leaves: string[] = [];
  const excludedIdx: number[] = [];
  let rootCount = 0;
  let leafCount = 0;
  let end = -1;
  for (let i = 0; i < n; i++) {
    if (live[i] === 0) continue;
    if (remaining[i]! > 0) {
      excludedIdx.push(i);
      continue;
    }
    const id = named ? idOf(i) : '';
    const w = waveOf[i]!;
    if (named) {
      order[slot[w]!++] = id;
      wave.set(id, w);
    }
    if (depStart[i + 1] === depStart[i]) {
      rootCount++;
      if (named) roots.push(id);
    }
    let leaf = outStart[i + 1] === outStart[i];
    if (!leaf && cyclic) {
      // A task whose only dependents are on or behind a cycle is a leaf of the ordered part.
      leaf = true;
      for (let p = outStart[i]!; p < outStart[i + 1]!; p++) {
        if (remaining[outList[p]!] === 0) {
          leaf = false;
          break;
        }
      }
    }
    if (leaf) {
      leafCount++;
      if (named) leaves.push(id);
    }
    if (end < 0 || finish[i]! > finish[end]!) end = i;
  }
  return { order, wave, maxWaveWidth, roots, leaves, rootCount, leafCount, excludedIdx, end };
}

/**
 * Cycles among the tasks Kahn's algorithm could not order (`remaining > 0`: on a cycle or behind one).
 * 1. Strongly connected components (Tarjan, iterative): every component of more than one task is a knot.
 * 2. One cycle per knot, in input order of the knot's first task: the shortest cycle through that task (BFS).
 * 3. While fewer than MAX_CYCLES_REPORTED are reported, more distinct cycles through other tasks of knots that hold
 *    more than one cycle (more edges than tasks), within a work budget linear in the size of the graph.
 */
function findCycles(idOf: (i: number) => string, depStart: Int32Array, depList: Int32Array, remaining: Int32Array, candidates: number[]): DagIssue[] {
  const n = remaining.length;

  // 1. Tarjan's strongly connected components, with explicit stacks (no recursion: deep graphs are fine).
  const indexOf = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const sccStack = new Int32Array(n);
  const callStack = new Int32Array(n);
  const edgeCursor = new Int32Array(n);
  let sccTop = 0;
  let callTop = 0;
  let counter = 0;
  let components = 0;
  const enter = (v: number): void => {
    indexOf[v] = low[v] = counter++;
    sccStack[sccTop++] = v;
    onStack[v] = 1;
    edgeCursor[v] = depStart[v]!;
    callStack[callTop++] = v;
  };
  for (const root of candidates) {
    if (indexOf[root] !== -1) continue;
    enter(root);
    while (callTop > 0) {
      const v = callStack[callTop - 1]!;
      if (edgeCursor[v]! < depStart[v + 1]!) {
        const w = depList[edgeCursor[v]!++]!;
        if (remaining[w] === 0) continue; // ordered: neither on nor behind a cycle
        if (indexOf[w] === -1) enter(w);
        else if (onStack[w] === 1 && indexOf[w]! < low[v]!) low[v] = indexOf[w]!;
        continue;
      }
      callTop--;
      if (callTop > 0) {
        const parent = callStack[callTop - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === indexOf[v]) {
        let w: number;
        do {
          w = sccStack[--sccTop]!;
          onStack[w] = 0;
          component[w] = components;
        } while (w !== v);
        components++;
      }
    }
  }

  const size = new Int32Array(components);
  const edgesIn = new Int32Array(components);
  for (const v of candidates) {
    const c = component[v]!;
    size[c]!++;
    for (let p = depStart[v]!; p < depStart[v + 1]!; p++) if (component[depList[p]!] === c) edgesIn[c]!++;
  }

  const issues: DagIssue[] = [];
  const reported = new Set<string>();
  const parent = new Int32Array(n).fill(-1);
  const visitedAt = new Int32Array(n).fill(-1);
  const bfs = new Int32Array(n);
  let searches = 0;
  let work = 0;

  /** The shortest cycle through `s` inside its component, as indices in dependency order. */
  const shortestCycle = (s: number): number[] | undefined => {
    const c = component[s]!;
    const mark = searches++;
    let head = 0;
    let tail = 0;
    bfs[tail++] = s;
    visitedAt[s] = mark;
    while (head < tail) {
      const v = bfs[head++]!;
      for (let p = depStart[v]!; p < depStart[v + 1]!; p++) {
        work++;
        const w = depList[p]!;
        if (component[w] !== c) continue;
        if (w === s) {
          const path: number[] = [];
          for (let x = v; x !== s; x = parent[x]!) path.push(x);
          path.push(s);
          return path.reverse();
        }
        if (visitedAt[w] === mark) continue;
        visitedAt[w] = mark;
        parent[w] = v;
        bfs[tail++] = w;
      }
    }
    return undefined;
  };

  const report = (cycle: number[]): void => {
    // Rotated so the task that comes first in the input leads: a cycle always reads the same way.
    let lead = 0;
    for (let k = 1; k < cycle.length; k++) if (cycle[k]! < cycle[lead]!) lead = k;
    const ids = [...cycle.slice(lead), ...cycle.slice(0, lead)].map(idOf);
    const key = ids.join('\u0000');
    if (reported.has(key)) return;
    reported.add(key);
    const long = ids.length > CYCLE_IDS_SHOWN;
    const shown = long ? [...ids.slice(0, CYCLE_IDS_SHOWN - 2), '…', ids[ids.length - 1]!] : ids;
    issues.push({ code: 'CYCLE', message: `${long ? `cycle of ${ids.length} tasks` : 'cycle'}: ${[...shown, ids[0]!].join(' → ')}`, tasks: ids });
  };

  // 2. One cycle per knot.
  const seen = new Uint8Array(components);
  for (const v of candidates) {
    if (issues.length >= MAX_CYCLES_REPORTED) break;
    const c = component[v]!;
    if (size[c]! < 2 || seen[c] === 1) continue;
    seen[c] = 1;
    const cycle = shortestCycle(v);
    if (cycle) report(cycle);
  }

  // 3. More cycles where a knot holds several, while the budget lasts.
  const budget = 4 * (n + depList.length) + 1000;
  for (const v of candidates) {
    if (issues.length >= MAX_CYCLES_REPORTED || work > budget) break;
    const c = component[v]!;
    if (size[c]! < 2 || edgesIn[c]! <= size[c]!) continue;
    const cycle = shortestCycle(v);
    if (cycle) report(cycle);
  }
  return issues;
}

/**
 * The order to merge branches in: topological, ties broken by wave, then stream, then original position.
 * A binary heap keyed on (wave, stream, position) keeps it O((V + E) log V). Tasks on or behind a cycle (or
 * depending on themselves) never become ready and are left out, as in analyzeDag.
 */
export function mergeOrder(tasks: Array<{ id: string; dependsOn: string[]; wave: number; stream: string }>): string[] {
  const n = tasks.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!index.has(tasks[i]!.id)) index.set(tasks[i]!.id, i);
  const remaining = new Int32Array(n);
  const dependents: number[][] = new Array<number[]>(n);
  for (let i = 0; i < n; i++) dependents[i] = [];
  for (let i = 0; i < n; i++) {
    const list = tasks[i]!.dependsOn;
    for (let k = 0; k < list.length; k++) {
      const j = index.get(list[k]!);
      if (j === undefined) continue; // dangling: nothing to wait for
      remaining[i]!++;
      dependents[j]!.push(i);
    }
  }
  const before = (a: number, b: number): boolean => {
    const x = tasks[a]!;
    const y = tasks[b]!;
    if (x.wave !== y.wave) return x.wave < y.wave;
    if (x.stream !== y.stream) return x.stream < y.stream;
    return a < b;
  };
  const heap: number[] = [];
  const push = (i: number): void => {
    let c = heap.length;
    heap.push(i);
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!before(i, heap[p]!)) break;
      heap[c] = heap[p]!;
      c = p;
    }
    heap[c] = i;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    const size = heap.length;
    if (size > 0) {
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[m]!, last)) break;
        heap[p] = heap[m]!;
        p = m;
      }
      heap[p] = last;
    }
    return top;
  };
  for (let i = 0; i < n; i++) if (remaining[i] === 0) push(i);
  const order: string[] = [];
  while (heap.length > 0) {
    const i = pop();
    order.push(tasks[i]!.id);
    for (const k of dependents[i]!) if (--remaining[k]! === 0) push(k);
  }
  return order;
}

/** `a`, `a and b`, `a, b and c`. */
function listing(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
