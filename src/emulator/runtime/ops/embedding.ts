// Embedding lookup: row ids[i] of the table [V, D] becomes output row i; backward scatter-adds.
import { alike, Tensor, type Tape } from '../tensor.js';

export function embedding(tape: Tape | null, table: Tensor, ids: Int32Array): Tensor {
  const [V, D] = table.shape as [number, number];
  const y = new Tensor([ids.length, D], alike(table.data, ids.length * D));
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= V) throw new RangeError(`embedding: id ${id} at position ${i} is outside 0..${V - 1}`);
    y.data.set(table.data.subarray(id * D, (id + 1) * D), i * D);
  }
  tape?.record(() => {
    if (!y.grad) return;
    const dt = table.gradient();
    for (let i = 0; i < ids.length; i++) {
      const o = ids[i]! * D;
      for (let j = 0; j < D; j++) dt[o + j]! += y.grad[i * D + j]!;
    }
  });
  return y;
}
