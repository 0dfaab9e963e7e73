// Forward results against hand-derived closed forms and published values, and the blocked GEMM
// against the naive loop: bit-identical in FP32 when both accumulate in the same k order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/emulator/runtime/tensor.js';
import { gemm, gemmNaive } from '../../src/emulator/runtime/gemm.js';
import { linear, matmul } from '../../src/emulator/runtime/ops/linear.js';
import { gelu, relu, silu } from '../../src/emulator/runtime/ops/elementwise.js';
import { crossEntropy, softmax } from '../../src/emulator/runtime/ops/softmax.js';
import { batchNorm, layerNorm, NORM_EPSILON, rmsNorm } from '../../src/emulator/runtime/ops/norms.js';
import { conv2d } from '../../src/emulator/runtime/ops/conv2d.js';
import { causalAttention } from '../../src/emulator/runtime/ops/attention.js';
import { embedding } from '../../src/emulator/runtime/ops/embedding.js';
import { AdamW, Sgd } from '../../src/emulator/runtime/optimizers.js';
import { seeded } from './gradcheck.js';

const close = (actual: ArrayLike<number>, expected: number[], tol: number) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
};

test('matmul and linear on small integer matrices', () => {
  const a = Tensor.from([2, 2], [1, 2, 3, 4]);
  const b = Tensor.from([2, 2], [5, 6, 7, 8]);
  assert.deepEqual([...matmul(null, a, b).data], [19, 22, 43, 50]);
  assert.deepEqual([...linear(null, a, b, Tensor.from([2], [1, -1])).data], [20, 21, 44, 49]);
});

test('blocked FP32 GEMM equals a k-ordered FP32 reference bit for bit, at sizes straddling the blocks', () => {
  for (const [M, N, K] of [[1, 1, 1], [7, 300, 130], [33, 17, 260], [64, 64, 64]] as const) {
    const A = Float32Array.from(seeded(M * K, M + 1));
    const B = Float32Array.from(seeded(K * N, N + 2));
    const C = new Float32Array(M * N);
    gemm(M, N, K, A, B, C);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc = Math.fround(acc + A[i * K + k]! * B[k * N + j]!);
        assert.equal(C[i * N + j], acc, `[${M}x${N}x${K}] C[${i},${j}]`);
      }
    }
    // And in float64 it agrees with the naive triple loop to rounding.
    const A64 = Float64Array.from(A);
    const B64 = Float64Array.from(B);
    const C64 = new Float64Array(M * N);
    const R64 = new Float64Array(M * N);
    gemm(M, N, K, A64, B64, C64);
    gemmNaive(M, N, K, A64, B64, R64);
    for (let i = 0; i < M * N; i++) assert.ok(Math.abs(C64[i]! - R64[i]!) <= 1e-12 * K);
  }
});

test('activations: ReLU, GELU (tanh form) and SiLU at published values', () => {
  const x = Tensor.from([4], [-2, 0, 1, 3]);
  assert.deepEqual([...relu(null, x).data], [0, 0, 1, 3]);
  // PyTorch gelu(approximate='tanh'): gelu(1) = 0.8411920, gelu(-2) = -0.0454023, gelu(3) = 2.9963627.
  close(gelu(null, x).data, [-0.0454023, 0, 0.841192, 2.9963627], 1e-6);
  // SiLU(x) = x·σ(x): σ(1) = 0.7310586.
  close(silu(null, x).data, [-2 / (1 + Math.E ** 2), 0, 0.7310586, 3 / (1 + Math.E ** -3)], 1e-6);
});

test('softmax of [0, ln 2, ln 3] is [1/6, 1/3, 1/2]; cross-entropy of equal logits over 10 classes is ln 10', () => {
  close(softmax(null, Tensor.from([1, 3], [0, Math.log(2), Math.log(3)])).data, [1 / 6, 1 / 3, 1 / 2], 1e-7);
  close(crossEntropy(null, Tensor.zeros([2, 10]), Int32Array.from([3, 7])).data, [Math.log(10)], 1e-6);
  // A confident correct row: −log σ = log(1 + 9e^-10).
  const logits = Tensor.from([1, 10], [10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  close(crossEntropy(null, logits, Int32Array.from([0])).data, [Math.log(1 + 9 * Math.exp(-10))], 1e-6);
});

test('layer, RMS and batch norm on hand-computed inputs', () => {
  const ones = Tensor.from([4], [1, 1, 1, 1]);
  const zeros = Tensor.zeros([4]);
  const x = Tensor.from([1, 4], [1, 2, 3, 4]);
  const s = 1 / Math.sqrt(1.25 + NORM_EPSILON); // mean 2.5, population variance 1.25
  close(layerNorm(null, x, ones, zeros).data, [-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s], 1e-6);
  const r = 1 / Math.sqrt(7.5 + NORM_EPSILON); // mean square (1+4+9+16)/4
  close(rmsNorm(null, x, ones).data, [r, 2 * r, 3 * r, 4 * r], 1e-6);
  // Two samples of one channel, 1 and 3: mean 2, variance 1.
  const b = 1 / Math.sqrt(1 + NORM_EPSILON);
  close(batchNorm(null, Tensor.from([2, 1], [1, 3]), Tensor.from([1], [2]), Tensor.from([1], [0.5]), { training: true }).data, [0.5 - 2 * b, 0.5 + 2 * b], 1e-6);
});

test('conv2d: a 3x3 all-ones kernel over ones counts the in-bounds neighbours', () => {
  const x = Tensor.from([1, 1, 4, 4], new Array(16).fill(1));
  const w = Tensor.from([1, 1, 3, 3], new Array(9).fill(1));
  const y = conv2d(null, x, w, Tensor.from([1], [0.5]), { padding: 1 });
  assert.deepEqual(y.shape, [1, 1, 4, 4]);
  close(y.data, [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4].map((v) => v + 0.5), 0);
  assert.deepEqual(conv2d(null, x, w, null, { stride: 2, padding: 1 }).shape, [1, 1, 2, 2]);
});

test('causal attention with zero queries averages the visible values (uniform weights over the prefix)', () => {
  const q = Tensor.zeros([1, 3, 2]);
  const v = Tensor.from([1, 3, 2], [1, 10, 3, 20, 8, 60]);
  close(causalAttention(null, q, Tensor.from([1, 3, 2], [5, -1, 2, 7, 0, 3]), v).data, [1, 10, 2, 15, 4, 30], 1e-6);
});

test('embedding returns the table rows named by the ids', () => {
  const table = Tensor.from([3, 2], [0, 1, 10, 11, 20, 21]);
  assert.deepEqual([...embedding(null, table, Int32Array.from([2, 0, 2])).data], [20, 21, 0, 1, 20, 21]);
});

test('optimisers: SGD with momentum and AdamW first step match their update rules', () => {
  const p = Tensor.from([2], [1, -2]);
  const sgd = new Sgd([p], { learningRate: 0.1, momentum: 0.9 });
  p.gradient().set([0.5, -1]);
  sgd.step();
  close(p.data, [0.95, -1.9], 1e-7);
  assert.deepEqual([...p.gradient()], [0, 0], 'gradients are zeroed after the step');
  p.gradient().set([0.5, -1]);
  sgd.step(); // v = 0.9·g + g = 1.9 g
  close(p.data, [0.95 - 0.1 * 0.95, -1.9 + 0.1 * 1.9], 1e-6);
  // AdamW step 1: bias-corrected m̂/√v̂ = g/|g| = sign(g); decoupled decay shrinks p first.
  const q = Tensor.from([2], [1, -2]);
  const adam = new AdamW([q], { learningRate: 0.01, weightDecay: 0.1, epsilon: 0 });
  q.gradient().set([3, -0.001]);
  adam.step();
  close(q.data, [1 * (1 - 0.001) - 0.01, -2 * (1 - 0.001) + 0.01], 1e-7);
});
