import { describe, expect, it } from 'vitest';
import { layoutGraph, longestPathLayers, type LayoutEdge, type LayoutNode } from '../../src/ui/dag-layout.js';

const OPTIONS = { nodeWidth: 100, layerGap: 40, nodeGap: 10, top: 20, pad: 8 };
const nodes = (...ids: string[]): LayoutNode[] => ids.map((id) => ({ id, height: 40 }));
const edges = (spec: string): LayoutEdge[] =>
  spec
    .split(' ')
    .filter(Boolean)
    .map((pair) => {
      const [from, to] = pair.split('>');
      return { from: from!, to: to! };
    });

describe('layered graph layout', () => {
  it('puts each task one layer after its latest dependency', () => {
    const layers = longestPathLayers(nodes('A', 'B', 'C', 'D'), edges('A>B B>C A>C C>D'));
    expect(Object.fromEntries(layers)).toEqual({ A: 0, B: 1, C: 2, D: 3 });
  });

  it('reorders a layer so edges that crossed in plan order no longer cross', () => {
    // In the given order A→Y and B→X cross twice over; swapped they run straight.
    const layout = layoutGraph(nodes('A', 'B', 'C', 'X', 'Y', 'Z'), edges('A>Z B>Y C>X'), OPTIONS);
    expect(layout.crossings).toBe(0);
    const ys = (ids: string[]) => ids.map((id) => layout.nodes.get(id)!.y);
    const [a, b, c] = ys(['A', 'B', 'C']);
    const [x, y, z] = ys(['X', 'Y', 'Z']);
    expect(Math.sign(a! - b!)).toBe(Math.sign(z! - y!));
    expect(Math.sign(b! - c!)).toBe(Math.sign(y! - x!));
  });

  it('routes an edge that skips layers through each layer between, without running through a task', () => {
    const layout = layoutGraph(nodes('A', 'B', 'C', 'D'), edges('A>B B>C C>D A>D'), OPTIONS);
    const long = layout.edges.find((e) => e.from === 'A' && e.to === 'D')!;
    expect(long.points).toHaveLength(2 + 2 * 2);
    for (const id of ['B', 'C']) {
      const box = layout.nodes.get(id)!;
      for (const p of long.points.filter((p) => p.x >= box.x && p.x <= box.x + box.width)) {
        expect(p.y < box.y || p.y > box.y + box.height).toBe(true);
      }
    }
  });

  it('never overlaps two boxes of a layer, and every edge goes from its source’s right side to its target’s left', () => {
    const ids = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8'];
    const layout = layoutGraph(
      ids.map((id, i) => ({ id, height: 30 + (i % 3) * 14 })),
      edges('T1>T2 T1>T3 T1>T4 T1>T5 T2>T6 T3>T6 T4>T6 T5>T6 T6>T7 T7>T8 T6>T8'),
      OPTIONS,
    );
    for (const layer of layout.layers) {
      const boxes = layer.map((id) => layout.nodes.get(id)!).sort((a, b) => a.y - b.y);
      for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.y).toBeGreaterThanOrEqual(boxes[i - 1]!.y + boxes[i - 1]!.height + OPTIONS.nodeGap);
    }
    for (const e of layout.edges) {
      const [from, to] = [layout.nodes.get(e.from)!, layout.nodes.get(e.to)!];
      expect(e.points[0]!.x).toBe(from.x + from.width);
      expect(e.points.at(-1)!.x).toBe(to.x);
      expect(e.points[0]!.y).toBeGreaterThanOrEqual(from.y);
      expect(e.points[0]!.y).toBeLessThanOrEqual(from.y + from.height);
    }
    expect(layout.width).toBe(8 * 2 + 5 * 140 - 40);
  });

  it('draws a graph with a cycle (a hand-edited file) instead of failing', () => {
    const layout = layoutGraph(nodes('A', 'B'), edges('A>B B>A'), OPTIONS);
    expect(layout.nodes.size).toBe(2);
    expect(layout.edges).toHaveLength(2);
  });
});

describe('layered graph layout, compactness', () => {
  it('starts the drawing at the top, with no empty band above the boxes', () => {
    const ids = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8'];
    const layout = layoutGraph(nodes(...ids), edges('T1>T2 T1>T3 T1>T4 T1>T5 T2>T6 T3>T6 T4>T6 T5>T6 T6>T7 T7>T8 T6>T8'), OPTIONS);
    expect(Math.min(...[...layout.nodes.values()].map((n) => n.y))).toBe(OPTIONS.top);
    // Four boxes in the widest layer: the drawing is not a box taller than they are.
    expect(layout.height).toBeLessThan(OPTIONS.top + 5 * 40 + 3 * OPTIONS.nodeGap + OPTIONS.pad);
  });
});
