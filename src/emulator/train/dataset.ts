// A labelled dataset in memory (images flattened, FP32) and the deterministic pieces of a training
// loop over it: a per-epoch shuffle from the counter-based generator and batch extraction.
import { randomUint32 } from '../numerics/counter-rng.js';
import { Tensor } from '../runtime/tensor.js';

export interface Dataset {
  /** Per-example shape, e.g. [1, 28, 28]. */
  exampleShape: number[];
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

/** Fisher-Yates with draws (seed, stream = epoch, counter = i): the same order for the same seed. */
export function shuffledOrder(count: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = randomUint32(seed, 0x5eed0000 + epoch, i) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export function gatherBatch(data: Dataset, indices: ArrayLike<number>): { x: Tensor; labels: Int32Array } {
  const size = data.exampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]!;
    x.set(data.images.subarray(i * size, (i + 1) * size), b * size);
    labels[b] = data.labels[i]!;
  }
  return { x: new Tensor([indices.length, ...data.exampleShape], x), labels };
}
