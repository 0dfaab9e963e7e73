// The shared min-heap against a sorted reference, including ties broken by insertion order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MinHeap } from '../../src/common/min-heap.js';

test('property: pops come out in the order a stable sort gives, with interleaved pushes', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 200 }), (ops) => {
      const heap = new MinHeap<{ key: number; seq: number }>((a, b) => a.key < b.key || (a.key === b.key && a.seq < b.seq));
      const reference: { key: number; seq: number }[] = [];
      ops.forEach(([key, popAfter], seq) => {
        heap.push({ key, seq });
        reference.push({ key, seq });
        if (popAfter) {
          reference.sort((a, b) => a.key - b.key || a.seq - b.seq);
          assert.deepEqual(heap.pop(), reference.shift());
        }
        assert.equal(heap.size, reference.length);
      });
      reference.sort((a, b) => a.key - b.key || a.seq - b.seq);
      for (const expected of reference) assert.deepEqual(heap.pop(), expected);
      assert.equal(heap.pop(), undefined);
      assert.equal(heap.peek(), undefined);
    }),
    { numRuns: 200 },
  );
});
