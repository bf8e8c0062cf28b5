/**
 * A layered drawing of a task graph, left to right, with few crossings. Pure geometry, no markup:
 *  1. layers by longest path: a task sits one layer after its latest dependency;
 *  2. an edge that spans layers runs through a placeholder in each layer between, so it is routed around tasks;
 *  3. within each layer, tasks are ordered by sweeps that move each one to the mean position of its neighbours in the
 *     layer before (then after), then neighbours are swapped while that removes crossings; the best order is kept;
 *  4. tasks are placed near the middle of their neighbours without overlapping, and each edge gets its own port.
 */

export interface LayoutNode {
  id: string;
  height: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
}

export interface LayoutOptions {
  nodeWidth: number;
  /** Horizontal room between layers, where edges run. */
  layerGap: number;
  /** Vertical room between two boxes of a layer. */
  nodeGap: number;
  /** Room above the first box (for layer headings) and around the drawing. */
  top: number;
  pad: number;
}

export interface PlacedNode {
  id: string;
  layer: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** Start on the source's right side, through each layer between, end on the target's left side. */
  points: Array<{ x: number; y: number }>;
}

export interface GraphLayout {
  nodes: Map<string, PlacedNode>;
  /** Task ids per layer, top to bottom. */
  layers: string[][];
  edges: RoutedEdge[];
  width: number;
  height: number;
  /** Edge crossings left between neighbouring layers. */
  crossings: number;
}

/** Height of the lane an edge takes through a layer it passes. */
const LANE = 10;
const SWEEPS = 12;

interface Slot {
  key: string;
  /** The task, or null for an edge's placeholder. */
  node: LayoutNode | null;
  layer: number;
  up: string[];
  down: string[];
}

export function layoutGraph(nodes: LayoutNode[], edges: LayoutEdge[], options: LayoutOptions): GraphLayout {
  const known = new Map(nodes.map((n) => [n.id, n]));
  const usable = edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  const layerOf = longestPathLayers(nodes, usable);

  const slots = new Map<string, Slot>();
  for (const n of nodes) slots.set(n.id, { key: n.id, node: n, layer: layerOf.get(n.id)!, up: [], down: [] });
  const link = (a: string, b: string) => {
    slots.get(a)!.down.push(b);
    slots.get(b)!.up.push(a);
  };
  const chains = new Map<LayoutEdge, string[]>();
  for (const e of usable) {
    const [from, to] = [layerOf.get(e.from)!, layerOf.get(e.to)!];
    // An edge against the layers (only a cycle makes one) is drawn straight, outside the ordering.
    if (to <= from) {
      chains.set(e, [e.from, e.to]);
      continue;
    }
    const chain = [e.from];
    for (let l = from + 1; l < to; l++) {
      const key = `\u0000${e.from}\u0000${e.to}\u0000${l}`;
      slots.set(key, { key, node: null, layer: l, up: [], down: [] });
      chain.push(key);
    }
    chain.push(e.to);
    for (let i = 1; i < chain.length; i++) link(chain[i - 1]!, chain[i]!);
    chains.set(e, chain);
  }

  const layerCount = Math.max(0, ...[...slots.values()].map((s) => s.layer + 1));
  const order: string[][] = Array.from({ length: layerCount }, () => []);
  // First order: tasks as given, placeholders after them; the sweeps move both.
  for (const n of nodes) order[layerOf.get(n.id)!]!.push(n.id);
  for (const chain of chains.values()) for (const key of chain.slice(1, -1)) order[slots.get(key)!.layer]!.push(key);

  let best = order.map((l) => [...l]);
  let bestCrossings = totalCrossings(best, slots);
  for (let sweep = 0; sweep < SWEEPS && bestCrossings > 0; sweep++) {
    const downward = sweep % 2 === 0;
    const range = downward ? [...order.keys()].slice(1) : [...order.keys()].slice(0, -1).reverse();
    for (const l of range) {
      const fixed = order[downward ? l - 1 : l + 1]!;
      order[l] = byBarycentre(order[l]!, fixed, (key) => (downward ? slots.get(key)!.up : slots.get(key)!.down));
    }
    transpose(order, slots);
    const crossings = totalCrossings(order, slots);
    if (crossings < bestCrossings) {
      best = order.map((l) => [...l]);
      bestCrossings = crossings;
    }
  }

  const positions = place(best, slots, options);
  const placed = new Map<string, PlacedNode>();
  for (const n of nodes) {
    const p = positions.get(n.id)!;
    placed.set(n.id, { id: n.id, layer: layerOf.get(n.id)!, x: p.x, y: p.y, width: options.nodeWidth, height: n.height });
  }
  const routed = route(usable, chains, positions, placed, options);
  const bottom = Math.max(options.top, ...[...positions.values()].map((p) => p.y + p.height));
  return {
    nodes: placed,
    layers: best.map((layer) => layer.filter((key) => slots.get(key)!.node !== null)),
    edges: routed,
    width: options.pad * 2 + Math.max(1, layerCount) * (options.nodeWidth + options.layerGap) - options.layerGap,
    height: bottom + options.pad,
    crossings: bestCrossings,
  };
}

/** Layer 0 for a task with no dependency, else one more than its latest dependency's; a cycle's rest goes last. */
export function longestPathLayers(nodes: LayoutNode[], edges: LayoutEdge[]): Map<string, number> {
  const indegree = new Map(nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    indegree.set(e.to, indegree.get(e.to)! + 1);
    out.get(e.from)!.push(e.to);
  }
  const layer = new Map<string, number>();
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (const id of queue) layer.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const next of out.get(id)!) {
      layer.set(next, Math.max(layer.get(next) ?? 0, layer.get(id)! + 1));
      indegree.set(next, indegree.get(next)! - 1);
      if (indegree.get(next) === 0) queue.push(next);
    }
  }
  const last = Math.max(-1, ...layer.values()) + 1;
  for (const n of nodes) if (!layer.has(n.id)) layer.set(n.id, last);
  return layer;
}

function byBarycentre(layer: string[], fixed: string[], neighbours: (key: string) => string[]): string[] {
  const index = new Map(fixed.map((key, i) => [key, i]));
  const weight = layer.map((key, i) => {
    const at = neighbours(key)
      .map((n) => index.get(n))
      .filter((i): i is number => i !== undefined);
    // A slot with no neighbour on that side keeps its place.
    return { key, value: at.length > 0 ? at.reduce((a, b) => a + b, 0) / at.length : i * (fixed.length / Math.max(1, layer.length)), i };
  });
  return weight.sort((a, b) => a.value - b.value || a.i - b.i).map((w) => w.key);
}

/** Swaps neighbours in a layer while that lowers the crossings with the layers either side. */
function transpose(order: string[][], slots: Map<string, Slot>): void {
  let improved = true;
  for (let round = 0; improved && round < 4; round++) {
    improved = false;
    for (let l = 0; l < order.length; l++) {
      const layer = order[l]!;
      for (let i = 0; i + 1 < layer.length; i++) {
        const before = localCrossings(order, l, slots);
        [layer[i], layer[i + 1]] = [layer[i + 1]!, layer[i]!];
        if (localCrossings(order, l, slots) < before) improved = true;
        else [layer[i], layer[i + 1]] = [layer[i + 1]!, layer[i]!];
      }
    }
  }
}

function localCrossings(order: string[][], l: number, slots: Map<string, Slot>): number {
  return (l > 0 ? crossingsBetween(order[l - 1]!, order[l]!, slots) : 0) + (l + 1 < order.length ? crossingsBetween(order[l]!, order[l + 1]!, slots) : 0);
}

function totalCrossings(order: string[][], slots: Map<string, Slot>): number {
  let total = 0;
  for (let l = 0; l + 1 < order.length; l++) total += crossingsBetween(order[l]!, order[l + 1]!, slots);
  return total;
}

/** Pairs of edges between two neighbouring layers whose ends are in opposite orders. */
export function crossingsBetween(upper: string[], lower: string[], slots: Map<string, { down: string[] }>): number {
  const position = new Map(lower.map((key, i) => [key, i]));
  const ends: Array<[number, number]> = [];
  upper.forEach((key, i) => {
    for (const next of slots.get(key)!.down) {
      const j = position.get(next);
      if (j !== undefined) ends.push([i, j]);
    }
  });
  let crossings = 0;
  for (let a = 0; a < ends.length; a++) {
    for (let b = a + 1; b < ends.length; b++) {
      const [[i1, j1], [i2, j2]] = [ends[a]!, ends[b]!];
      if ((i1 - i2) * (j1 - j2) < 0) crossings++;
    }
  }
  return crossings;
}

/** Boxes near the middle of their neighbours, in their layer's order, never overlapping. */
function place(order: string[][], slots: Map<string, Slot>, o: LayoutOptions): Map<string, { x: number; y: number; height: number }> {
  const height = (key: string) => slots.get(key)!.node?.height ?? LANE;
  const y = new Map<string, number>();
  for (const layer of order) {
    let top = o.top;
    for (const key of layer) {
      y.set(key, top);
      top += height(key) + o.nodeGap;
    }
  }
  const centre = (key: string) => y.get(key)! + height(key) / 2;
  for (let round = 0; round < 6; round++) {
    const downward = round % 2 === 0;
    const range = downward ? [...order.keys()].slice(1) : [...order.keys()].slice(0, -1).reverse();
    for (const l of range) {
      const layer = order[l]!;
      const wanted = layer.map((key) => {
        const near = downward ? slots.get(key)!.up : slots.get(key)!.down;
        return near.length > 0 ? near.reduce((sum, n) => sum + centre(n), 0) / near.length - height(key) / 2 : y.get(key)!;
      });
      // Down the layer: no box above its wish or over the one before; then up: none over the one after.
      const placed = wanted.map((w) => Math.max(o.top, w));
      for (let i = 1; i < layer.length; i++) placed[i] = Math.max(placed[i]!, placed[i - 1]! + height(layer[i - 1]!) + o.nodeGap);
      for (let i = layer.length - 2; i >= 0; i--) placed[i] = Math.min(placed[i]!, Math.max(wanted[i]!, placed[i + 1]! - o.nodeGap - height(layer[i]!)));
      let floor = o.top;
      layer.forEach((key, i) => {
        const at = Math.max(placed[i]!, floor);
        y.set(key, at);
        floor = at + height(key) + o.nodeGap;
      });
    }
  }
  // The rounds can drift the whole drawing down: it is moved back up to the top.
  const shift = Math.min(...[...y.values()]) - o.top;
  const positions = new Map<string, { x: number; y: number; height: number }>();
  order.forEach((layer, l) => {
    for (const key of layer) positions.set(key, { x: o.pad + l * (o.nodeWidth + o.layerGap), y: y.get(key)! - shift, height: height(key) });
  });
  return positions;
}

/** Each edge leaves its source and enters its target at its own port, spread along the side by where the other end is. */
function route(
  edges: LayoutEdge[],
  chains: Map<LayoutEdge, string[]>,
  positions: Map<string, { x: number; y: number; height: number }>,
  placed: Map<string, PlacedNode>,
  o: LayoutOptions,
): RoutedEdge[] {
  const centreY = (key: string) => positions.get(key)!.y + positions.get(key)!.height / 2;
  const outPort = new Map<string, number>();
  const inPort = new Map<string, number>();
  const spread = (node: string, side: 'out' | 'in') => {
    const own = edges.filter((e) => (side === 'out' ? e.from === node : e.to === node));
    const far = (e: LayoutEdge) => {
      const chain = chains.get(e)!;
      return centreY(side === 'out' ? chain[1]! : chain[chain.length - 2]!);
    };
    own.sort((a, b) => far(a) - far(b));
    const box = placed.get(node)!;
    const span = Math.min(box.height - 12, Math.max(0, own.length - 1) * 8);
    own.forEach((e, i) => {
      const offset = own.length === 1 ? 0 : -span / 2 + (span * i) / (own.length - 1);
      (side === 'out' ? outPort : inPort).set(`${e.from}\u0000${e.to}`, box.y + box.height / 2 + offset);
    });
  };
  for (const id of placed.keys()) {
    spread(id, 'out');
    spread(id, 'in');
  }
  return edges.map((e) => {
    const chain = chains.get(e)!;
    const key = `${e.from}\u0000${e.to}`;
    const from = placed.get(e.from)!;
    const to = placed.get(e.to)!;
    const points = [{ x: from.x + from.width, y: outPort.get(key)! }];
    for (const lane of chain.slice(1, -1)) {
      const p = positions.get(lane)!;
      const mid = p.y + p.height / 2;
      points.push({ x: p.x, y: mid }, { x: p.x + o.nodeWidth, y: mid });
    }
    points.push({ x: to.x, y: inPort.get(key)! });
    return { from: e.from, to: e.to, points };
  });
}
