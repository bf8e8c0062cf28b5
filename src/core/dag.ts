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

export interface DagAnalysis {
  ok: boolean;
  errors: DagIssue[];
  /**
   * Topological order of the acyclic part: wave 1 first, then wave 2, …; within a wave, input order. Tasks on or
   * behind a cycle are left out (see `excluded`).
   */
  order: string[];
  /** 1-based level: 1 + the highest wave among a task's dependencies. */
  wave: Map<string, number>;
  waveCount: number;
  maxWaveWidth: number;
  /** The longest path by hours, first task (a root) first. */
  criticalPath: string[];
  criticalPathHours: number;
  /** Hours of the ordered tasks (each task once; duplicates and tasks on or behind a cycle not counted). */
  totalHours: number;
  /** Dependencies that resolve to another task (dangling, self and repeated references not counted). */
  edgeCount: number;
  /** Ordered tasks with no dependencies, in input order. */
  roots: string[];
  /** Ordered tasks no ordered task depends on, in input order. */
  leaves: string[];
  /** Tasks left out of the order: on a cycle or depending on one, in input order. */
  excluded: string[];
}

/** At most this many cycles are reported; a graph can hold exponentially many. */
export const MAX_CYCLES_REPORTED = 20;
/** A cycle message lists at most this many tasks; `tasks` always holds the whole cycle. */
const CYCLE_IDS_SHOWN = 24;

export function analyzeDag(nodes: DagNode[]): DagAnalysis {
  const n = nodes.length;
  const errors: DagIssue[] = [];

  // Ids → first index. Later duplicates are left out of the graph: their edges would be ambiguous.
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

  // Prerequisites as CSR: the dependencies of i are depList[depStart[i] .. depStart[i + 1]).
  let capacity = 0;
  for (let i = 0; i < n; i++) if (live[i] === 1) capacity += nodes[i]!.dependsOn.length;
  const depStart = new Int32Array(n + 1);
  const depList = new Int32Array(capacity);
  const dependentCount = new Int32Array(n);
  // seenBy[j] === i: task i already listed j. Unknown ids get the same treatment through a map.
  const seenBy = new Int32Array(n).fill(-1);
  let danglingSeenBy: Map<string, number> | undefined;
  let e = 0;
  for (let i = 0; i < n; i++) {
    depStart[i] = e;
    if (live[i] === 0) continue;
    const node = nodes[i]!;
    const list = node.dependsOn;
    for (let k = 0; k < list.length; k++) {
      const dep = list[k]!;
      const j = index.get(dep);
      if (j === undefined) {
        danglingSeenBy ??= new Map();
        if (danglingSeenBy.get(dep) === i) {
          errors.push({ code: 'DUPLICATE_DEP', message: `${node.id} lists ${dep} more than once`, tasks: [node.id] });
        } else {
          danglingSeenBy.set(dep, i);
          errors.push({ code: 'DANGLING_REF', message: `${node.id} depends on ${dep}, which does not exist`, tasks: [node.id] });
        }
        continue;
      }
      if (seenBy[j] === i) {
        errors.push({ code: 'DUPLICATE_DEP', message: `${node.id} lists ${dep} more than once`, tasks: [node.id] });
        continue;
      }
      seenBy[j] = i;
      if (j === i) {
        errors.push({ code: 'SELF_REF', message: `${node.id} depends on itself`, tasks: [node.id] });
        continue;
      }
      depList[e++] = j;
      dependentCount[j]!++;
    }
  }
  depStart[n] = e;
  const edgeCount = e;

  // Dependents as CSR, for Kahn's algorithm and the leaves.
  const outStart = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) outStart[j + 1] = outStart[j]! + dependentCount[j]!;
  const outList = new Int32Array(edgeCount);
  const cursor = outStart.slice(0, n);
  for (let i = 0; i < n; i++) for (let p = depStart[i]!; p < depStart[i + 1]!; p++) outList[cursor[depList[p]!]!++] = i;

  // Kahn's algorithm. Every dependency is processed before its dependent, so the wave is final when a task leaves
  // the queue, and so is its finish time on the longest path.
  const remaining = new Int32Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    if (live[i] === 0) continue;
    remaining[i] = depStart[i + 1]! - depStart[i]!;
    if (remaining[i] === 0) queue[tail++] = i;
  }
  const waveOf = new Int32Array(n);
  const finish = new Float64Array(n);
  const via = new Int32Array(n).fill(-1);
  let waveCount = 0;
  let totalHours = 0;
  for (let head = 0; head < tail; head++) {
    const i = queue[head]!;
    let wave = 1;
    let start = 0;
    for (let p = depStart[i]!; p < depStart[i + 1]!; p++) {
      const d = depList[p]!;
      if (waveOf[d]! >= wave) wave = waveOf[d]! + 1;
      if (finish[d]! > start) {
        start = finish[d]!;
        via[i] = d;
      }
    }
    waveOf[i] = wave;
    if (wave > waveCount) waveCount = wave;
    const hours = nodes[i]!.hours ?? 1;
    finish[i] = start + hours;
    totalHours += hours;
    for (let p = outStart[i]!; p < outStart[i + 1]!; p++) {
      const k = outList[p]!;
      if (--remaining[k]! === 0) queue[tail++] = k;
    }
  }
  const orderedCount = tail;

  // Order by (wave, input position): a counting sort, so it stays linear.
  const width = new Int32Array(waveCount + 2);
  for (let h = 0; h < orderedCount; h++) width[waveOf[queue[h]!]!]!++;
  let maxWaveWidth = 0;
  const slot = new Int32Array(waveCount + 2);
  for (let w = 1; w <= waveCount; w++) {
    if (width[w]! > maxWaveWidth) maxWaveWidth = width[w]!;
    slot[w + 1] = slot[w]! + width[w]!;
  }
  const order: string[] = new Array<string>(orderedCount);
  const wave = new Map<string, number>();
  const roots: string[] = [];
  const leaves: string[] = [];
  const excludedIdx: number[] = [];
  let end = -1;
  for (let i = 0; i < n; i++) {
    if (live[i] === 0) continue;
    if (remaining[i]! > 0) {
      excludedIdx.push(i);
      continue;
    }
    const id = nodes[i]!.id;
    const w = waveOf[i]!;
    order[slot[w]!++] = id;
    wave.set(id, w);
    if (depStart[i + 1] === depStart[i]) roots.push(id);
    let leaf = true;
    for (let p = outStart[i]!; p < outStart[i + 1]!; p++) {
      if (remaining[outList[p]!] === 0) {
        leaf = false;
        break;
      }
    }
    if (leaf) leaves.push(id);
    if (end < 0 || finish[i]! > finish[end]!) end = i;
  }

  const criticalPath: string[] = [];
  for (let i = end; i >= 0; i = via[i]!) criticalPath.push(nodes[i]!.id);
  criticalPath.reverse();

  if (excludedIdx.length > 0) errors.push(...findCycles(nodes, depStart, depList, remaining, excludedIdx));

  return {
    ok: errors.length === 0,
    errors,
    order,
    wave,
    waveCount,
    maxWaveWidth,
    criticalPath,
    criticalPathHours: end >= 0 ? finish[end]! : 0,
    totalHours,
    edgeCount,
    roots,
    leaves,
    excluded: excludedIdx.map((i) => nodes[i]!.id),
  };
}

/**
 * Cycles among the tasks Kahn's algorithm could not order (`remaining > 0`: on a cycle or behind one).
 * 1. Strongly connected components (Tarjan, iterative): every component with more than one task is a knot.
 * 2. One cycle per knot, in input order of the knot's first task: the shortest cycle through that task (BFS).
 * 3. While fewer than MAX_CYCLES_REPORTED are reported, more distinct cycles through other tasks of knots that hold
 *    more than one cycle (more edges than tasks), within a work budget linear in the graph's size.
 */
function findCycles(nodes: DagNode[], depStart: Int32Array, depList: Int32Array, remaining: Int32Array, candidates: number[]): DagIssue[] {
  const n = nodes.length;
  const inGraph = (i: number) => remaining[i]! > 0;

  // 1. Tarjan's SCC, with explicit stacks.
  const indexOf = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const sccStack = new Int32Array(n);
  const callStack = new Int32Array(n);
  const edgeCursor = new Int32Array(n);
  let sccTop = 0;
  let counter = 0;
  let components = 0;
  for (const root of candidates) {
    if (indexOf[root] !== -1) continue;
    let callTop = 0;
    const enter = (v: number) => {
      indexOf[v] = low[v] = counter++;
      sccStack[sccTop++] = v;
      onStack[v] = 1;
      edgeCursor[v] = depStart[v]!;
      callStack[callTop++] = v;
    };
    enter(root);
    while (callTop > 0) {
      const v = callStack[callTop - 1]!;
      if (edgeCursor[v]! < depStart[v + 1]!) {
        const w = depList[edgeCursor[v]!++]!;
        if (!inGraph(w)) continue;
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
    size[component[v]!]!++;
    for (let p = depStart[v]!; p < depStart[v + 1]!; p++) if (component[depList[p]!] === component[v]) edgesIn[component[v]!]!++;
  }

  const issues: DagIssue[] = [];
  const reported = new Set<string>();
  const parent = new Int32Array(n).fill(-1);
  const visitedAt = new Int32Array(n).fill(-1);
  const bfs = new Int32Array(n);
  let searches = 0;
  let work = 0;

  /** The shortest cycle through `s` inside its component, as indices in dependency order; counts its work. */
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
    // Rotate so the task that comes first in the input leads: the same cycle always reads the same way.
    let lead = 0;
    for (let k = 1; k < cycle.length; k++) if (cycle[k]! < cycle[lead]!) lead = k;
    const ids = [...cycle.slice(lead), ...cycle.slice(0, lead)].map((i) => nodes[i]!.id);
    const key = ids.join('\u0000');
    if (reported.has(key)) return;
    reported.add(key);
    const shown = ids.length > CYCLE_IDS_SHOWN ? [...ids.slice(0, CYCLE_IDS_SHOWN - 2), '…', ids[ids.length - 1]!] : ids;
    const prefix = ids.length > CYCLE_IDS_SHOWN ? `cycle of ${ids.length} tasks` : 'cycle';
    issues.push({ code: 'CYCLE', message: `${prefix}: ${[...shown, ids[0]!].join(' → ')}`, tasks: ids });
  };

  // 2. One cycle per knot.
  const firstOfComponent = new Uint8Array(components);
  for (const v of candidates) {
    if (issues.length >= MAX_CYCLES_REPORTED) break;
    const c = component[v]!;
    if (size[c]! < 2 || firstOfComponent[c] === 1) continue;
    firstOfComponent[c] = 1;
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
 * A binary heap keyed on (wave, stream, position) keeps it O((V + E) log V). Tasks on or behind a cycle, and tasks
 * waiting on a dependency listed twice that never clears, are left out, as in analyzeDag.
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
