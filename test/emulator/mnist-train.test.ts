// Real data, real convergence, briefly: an MLP (784-64-10) trains on 3,000 MNIST digits from the
// `mnist` package for one epoch under FP32, BF16 and CFloat8 storage with stochastic rounding, and
// is scored on 1,000 held-out digits. Floors are set well under what the runs reach (see
// docs/emulator.md for the measured figures) so they catch a broken pipeline, not noise: loss over
// the last 20 steps below half of the first 20 steps' (chance is ln 10 = 2.30), held-out accuracy
// ≥ 80 % (chance 10 %). The longer runs and the convergence table are in bench/emulator.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnistDigits } from './mnist-files.js';
import { mlp } from '../../src/emulator/train/models.js';
import { accuracy, trainClassifier } from '../../src/emulator/train/trainer.js';
import { PRECISION_PRESETS } from '../../src/emulator/precision/policy.js';

const { train, test: heldOut } = loadMnistDigits({ trainPerClass: 300, testPerClass: 100 });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

for (const name of ['fp32', 'bf16', 'cfp8-sr'] as const) {
  test(`MNIST MLP trains under ${name} storage: loss falls and held-out accuracy ≥ 80 %`, () => {
    const policy = PRECISION_PRESETS[name];
    const model = mlp([784, 64, 10], 1);
    const result = trainClassifier(model, train, policy, { epochs: 1, batchSize: 30, learningRate: 3e-3, seed: 1 });
    assert.equal(result.steps, 100);
    const first = mean(result.losses.slice(0, 20));
    const last = mean(result.losses.slice(-20));
    assert.ok(last < first / 2, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
    const acc = accuracy(model, heldOut, policy);
    assert.ok(acc >= 0.8, `held-out accuracy ${acc}`);
    if (name === 'cfp8-sr') {
      const storage = Object.values(result.storage);
      assert.ok(storage.some((s) => s.format === 'cfloat8_1_4_3' && s.stores === 101), 'weights stored every step plus at start');
    }
  });
}
