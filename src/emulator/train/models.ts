// Small classifiers for the convergence runs. A model lists its named parameters and a forward
// pass; every layer output goes through the activation store so the policy's format applies.
// Initialisation is He-uniform (bound √(6/fan_in)) from the counter-based generator, so a seed
// fixes the starting weights exactly.
import { randomUint32 } from '../numerics/counter-rng.js';
import type { PrecisionPolicy } from '../precision/policy.js';
import { storeActivation } from '../precision/store-op.js';
import type { TensorStore } from '../precision/storage.js';
import { conv2d } from '../runtime/ops/conv2d.js';
import { relu } from '../runtime/ops/elementwise.js';
import { linear } from '../runtime/ops/linear.js';
import { reshape, Tensor, type Tape } from '../runtime/tensor.js';

export interface Parameter {
  name: string;
  tensor: Tensor;
}

export interface Classifier {
  params: Parameter[];
  forward(tape: Tape | null, x: Tensor, policy: PrecisionPolicy, store: TensorStore): Tensor;
}

function heUniform(name: string, shape: number[], fanIn: number, seed: number, stream: number): Parameter {
  const t = Tensor.zeros(shape);
  const bound = Math.sqrt(6 / fanIn);
  for (let i = 0; i < t.size; i++) t.data[i] = (randomUint32(seed, stream, i) / 4294967296 * 2 - 1) * bound;
  return { name, tensor: t };
}

const zerosParam = (name: string, n: number): Parameter => ({ name, tensor: Tensor.zeros([n]) });

/** Fully connected, ReLU between layers: sizes [in, hidden..., classes]. */
export function mlp(sizes: number[], seed: number): Classifier {
  const layers = sizes.slice(1).map((out, l) => ({
    w: heUniform(`fc${l}.w`, [sizes[l]!, out], sizes[l]!, seed, l),
    b: zerosParam(`fc${l}.b`, out),
  }));
  return {
    params: layers.flatMap((l) => [l.w, l.b]),
    forward(tape, x, policy, store) {
      let h = reshape(tape, x, [x.shape[0]!, sizes[0]!]);
      layers.forEach((l, i) => {
        h = storeActivation(tape, linear(tape, h, l.w.tensor, l.b.tensor), `fc${i}`, policy, store);
        if (i < layers.length - 1) h = relu(tape, h);
      });
      return h;
    },
  };
}

/**
 * conv 3×3 stride 2 (1→c1) → ReLU → conv 3×3 stride 2 (c1→c2) → ReLU → linear (c2·7·7 → 10), for
 * 28×28 inputs; stride-2 convolutions do the down-sampling a pooling layer would.
 */
export function smallCnn(seed: number, c1 = 8, c2 = 16): Classifier {
  const conv1 = { w: heUniform('conv1.w', [c1, 1, 3, 3], 9, seed, 100), b: zerosParam('conv1.b', c1) };
  const conv2 = { w: heUniform('conv2.w', [c2, c1, 3, 3], 9 * c1, seed, 101), b: zerosParam('conv2.b', c2) };
  const fc = { w: heUniform('fc.w', [c2 * 49, 10], c2 * 49, seed, 102), b: zerosParam('fc.b', 10) };
  return {
    params: [conv1.w, conv1.b, conv2.w, conv2.b, fc.w, fc.b],
    forward(tape, x, policy, store) {
      let h = storeActivation(tape, conv2d(tape, x, conv1.w.tensor, conv1.b.tensor, { stride: 2, padding: 1 }), 'conv1', policy, store);
      h = relu(tape, h);
      h = storeActivation(tape, conv2d(tape, h, conv2.w.tensor, conv2.b.tensor, { stride: 2, padding: 1 }), 'conv2', policy, store);
      h = relu(tape, h);
      h = reshape(tape, h, [x.shape[0]!, c2 * 49]);
      return storeActivation(tape, linear(tape, h, fc.w.tensor, fc.b.tensor), 'fc', policy, store);
    },
  };
}
