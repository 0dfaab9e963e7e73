// Every op's backward pass against central finite differences on the float64 reference path
// (tolerance in gradcheck.ts). Inputs are seeded, so a failure reproduces exactly.
import { test } from 'node:test';
import { checkGradients, randomTensor } from './gradcheck.js';
import { linear, matmul } from '../../src/emulator/runtime/ops/linear.js';
import { add, gelu, relu, silu } from '../../src/emulator/runtime/ops/elementwise.js';
import { crossEntropy, softmax } from '../../src/emulator/runtime/ops/softmax.js';
import { batchNorm, createBatchNormState, layerNorm, rmsNorm } from '../../src/emulator/runtime/ops/norms.js';
import { conv2d } from '../../src/emulator/runtime/ops/conv2d.js';
import { causalAttention } from '../../src/emulator/runtime/ops/attention.js';
import { embedding } from '../../src/emulator/runtime/ops/embedding.js';

test('matmul and linear (5x7 · 7x6, plus bias; 3-D input flattened into rows)', () => {
  const a = randomTensor([5, 7], 1);
  const b = randomTensor([7, 6], 2);
  checkGradients((t) => matmul(t, a, b), [a, b]);
  const x = randomTensor([2, 3, 7], 3);
  const bias = randomTensor([6], 4);
  checkGradients((t) => linear(t, x, b, bias), [x, b, bias]);
});

test('activations and the residual add', () => {
  // Away from ReLU's kink at 0 so the difference quotient is the derivative.
  const x = randomTensor([4, 9], 5, 0.05, 2);
  const xs = randomTensor([4, 9], 6, -3, 3);
  const y = randomTensor([4, 9], 7);
  checkGradients((t) => relu(t, x), [x]);
  checkGradients((t) => relu(t, randomTensor([1], 0, -2, -1)), []);
  checkGradients((t) => gelu(t, xs), [xs]);
  checkGradients((t) => silu(t, xs), [xs]);
  checkGradients((t) => add(t, xs, y), [xs, y]);
  // A tensor used twice receives both contributions.
  checkGradients((t) => add(t, gelu(t, xs), xs), [xs]);
});

test('softmax and cross-entropy', () => {
  const x = randomTensor([3, 5], 8, -4, 4);
  checkGradients((t) => softmax(t, x), [x]);
  checkGradients((t) => crossEntropy(t, x, Int32Array.from([0, 4, 2])), [x]);
});

test('layer, RMS and batch norm (2-D and 4-D, training and evaluation mode)', () => {
  const x = randomTensor([4, 6], 9, -2, 2);
  const g = randomTensor([6], 10, 0.5, 1.5);
  const b = randomTensor([6], 11);
  checkGradients((t) => layerNorm(t, x, g, b), [x, g, b]);
  checkGradients((t) => rmsNorm(t, x, g), [x, g]);
  checkGradients((t) => batchNorm(t, x, g, b, { training: true }), [x, g, b]);
  const x4 = randomTensor([3, 2, 3, 3], 12, -2, 2);
  const g2 = randomTensor([2], 13, 0.5, 1.5);
  const b2 = randomTensor([2], 14);
  checkGradients((t) => batchNorm(t, x4, g2, b2, { training: true }), [x4, g2, b2]);
  const state = createBatchNormState(2);
  state.runningMean.set([0.3, -0.2]);
  state.runningVar.set([1.7, 0.6]);
  checkGradients((t) => batchNorm(t, x4, g2, b2, { training: false, state }), [x4, g2, b2]);
});

test('conv2d with padding and stride', () => {
  const x = randomTensor([2, 3, 6, 5], 15);
  const w = randomTensor([4, 3, 3, 3], 16);
  const bias = randomTensor([4], 17);
  checkGradients((t) => conv2d(t, x, w, bias, { padding: 1 }), [x, w, bias]);
  checkGradients((t) => conv2d(t, x, w, null, { stride: 2 }), [x, w]);
});

test('causal attention', () => {
  const q = randomTensor([2, 5, 4], 18);
  const k = randomTensor([2, 5, 4], 19);
  const v = randomTensor([2, 5, 4], 20);
  checkGradients((t) => causalAttention(t, q, k, v), [q, k, v]);
});

test('embedding, with a repeated id accumulating', () => {
  const table = randomTensor([6, 3], 21);
  checkGradients((t) => embedding(t, table, Int32Array.from([2, 5, 2, 0])), [table]);
});
