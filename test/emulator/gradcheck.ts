// Finite-difference gradient checking on the float64 reference path. The scalar checked is
// L = Σ y_i r_i with fixed random r, so one backward pass tests the whole vector-Jacobian product.
import assert from 'node:assert/strict';
import { Tape, Tensor } from '../../src/emulator/runtime/tensor.js';

/** Deterministic uniform values in [lo, hi) (LCG), so failures reproduce. */
export function seeded(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return out;
}

export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  return new Tensor(shape, seeded(shape.reduce((a, b) => a * b, 1), seed, lo, hi));
}

function weightedSum(tape: Tape | null, y: Tensor, r: Float64Array): Tensor {
  const out = Tensor.zeros([1], 'f64');
  for (let i = 0; i < y.size; i++) out.data[0]! += y.data[i]! * r[i]!;
  tape?.record(() => {
    const dy = y.gradient();
    for (let i = 0; i < y.size; i++) dy[i]! += out.grad![0]! * r[i]!;
  });
  return out;
}

/**
 * Compares analytic gradients of every input with central differences (step 1e-5) at up to
 * `samples` elements per input. Tolerance |numeric − analytic| ≤ 1e-6 + 1e-5·|analytic|: the
 * truncation error is O(step²) ≈ 1e-10 times the third derivative, rounding ≈ 1e-16/step.
 */
export function checkGradients(build: (tape: Tape | null) => Tensor, inputs: Tensor[], samples = 24): void {
  const probe = build(null);
  const r = seeded(probe.size, 4242);
  const tape = new Tape();
  for (const t of inputs) t.grad = null;
  tape.backward(weightedSum(tape, build(tape), r));
  const step = 1e-5;
  inputs.forEach((t, which) => {
    const analytic = t.gradient();
    const stride = Math.max(1, Math.floor(t.size / samples));
    for (let i = 0; i < t.size; i += stride) {
      const keep = t.data[i]!;
      t.data[i] = keep + step;
      const up = weightedSum(null, build(null), r).data[0]!;
      t.data[i] = keep - step;
      const down = weightedSum(null, build(null), r).data[0]!;
      t.data[i] = keep;
      const numeric = (up - down) / (2 * step);
      const a = analytic[i]!;
      assert.ok(Math.abs(numeric - a) <= 1e-6 + 1e-5 * Math.abs(a), `input ${which} element ${i}: analytic ${a}, numeric ${numeric}`);
    }
  });
}
