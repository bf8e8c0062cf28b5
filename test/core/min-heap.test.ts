import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../src/core/min-heap.js';

describe('MinHeap', () => {
  it('pops in comparator order, ties broken by the comparator', () => {
    // A fixed pseudo-random sequence with many repeats, so ties and every heap shape occur.
    const values = Array.from({ length: 500 }, (_, i) => ({ hours: (i * 7919) % 37, seq: i }));
    const order = (x: { hours: number; seq: number }, y: { hours: number; seq: number }) => x.hours - y.hours || x.seq - y.seq;
    const heap = new MinHeap(order);
    const popped: typeof values = [];
    values.forEach((v, i) => {
      heap.push(v);
      // Interleave pops with pushes.
      if (i % 3 === 2) popped.push(heap.pop()!);
    });
    while (heap.size > 0) popped.push(heap.pop()!);
    expect(popped).toHaveLength(values.length);
    // Pops between pushes see only what was pushed so far: check the global result with a reference simulation.
    const reference: typeof values = [];
    const pending: typeof values = [];
    values.forEach((v, i) => {
      pending.push(v);
      pending.sort(order);
      if (i % 3 === 2) reference.push(pending.shift()!);
    });
    expect(popped).toEqual([...reference, ...pending]);
  });

  it('peekSecond is the item a second pop would return', () => {
    for (const values of [[5], [5, 3], [5, 3, 4], [1, 9, 2, 8, 3, 7], [2, 2, 1, 1]]) {
      const heap = new MinHeap<number>((a, b) => a - b);
      for (const v of values) heap.push(v);
      const second = heap.peekSecond();
      heap.pop();
      expect(second).toBe(heap.peek());
    }
  });

  it('pop on an empty heap gives undefined', () => {
    expect(new MinHeap<number>((a, b) => a - b).pop()).toBeUndefined();
  });
});
