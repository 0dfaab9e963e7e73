// The precision policy: the bias rule against its closed form, stores that round exactly to the
// format, over/underflow counted, and policies parsed with errors naming the key and the choices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CFLOAT_LAYOUTS } from '../../src/emulator/numerics/formats.js';
import { minifloatFormat } from '../../src/emulator/numerics/minifloat.js';
import { roundToBf16 } from '../../src/emulator/numerics/bf16.js';
import { NEAREST_EVEN } from '../../src/emulator/numerics/rounding.js';
import { biasFor } from '../../src/emulator/precision/bias-rule.js';
import { parsePrecisionPolicy, PRECISION_PRESETS } from '../../src/emulator/precision/policy.js';
import { TensorStore } from '../../src/emulator/precision/storage.js';
import { InputError } from '../../src/common/errors.js';
import { seeded } from './gradcheck.js';

test('bias rule: the largest bias whose largest finite value covers the target, clamped to 0..63', () => {
  for (const layout of [CFLOAT_LAYOUTS.cfloat8_1_4_3, CFLOAT_LAYOUTS.cfloat8_1_5_2, CFLOAT_LAYOUTS.cfloat16_shp]) {
    for (const target of [1e-15, 3e-7, 0.01, 0.75, 1, 1.875, 2, 100, 5e4]) {
      const b = biasFor(layout, target);
      const maxAt = (bias: number) => minifloatFormat(layout, bias).values[minifloatFormat(layout, bias).maxPositiveCode]!;
      if (b > 0 && b < 63) {
        assert.ok(maxAt(b) >= target, `${layout.name} target ${target}: bias ${b} too small a range`);
        assert.ok(maxAt(b + 1) < target, `${layout.name} target ${target}: bias ${b + 1} would also fit`);
      }
    }
  }
  assert.equal(biasFor(CFLOAT_LAYOUTS.cfloat8_1_4_3, 1e9), 0, 'beyond the format: widest range');
  assert.equal(biasFor(CFLOAT_LAYOUTS.cfloat8_1_4_3, 1e-30), 63, 'tiny: finest resolution');
  // 1-4-3 with bias 15 tops out at 1.875: exactly the target, so 15 is the answer.
  assert.equal(biasFor(CFLOAT_LAYOUTS.cfloat8_1_4_3, 1.875), 15);
});

test('stores: fp32 untouched, bf16 equals BF16 RNE, CFloat8 values land on the format with no overflow', () => {
  const values = Float32Array.from(seeded(1000, 5, -3, 3));
  const store = new TensorStore(1);
  const fp32 = values.slice();
  store.store('w', fp32, PRECISION_PRESETS.fp32.weights);
  assert.deepEqual(fp32, values);
  const bf = values.slice();
  store.store('w-bf16', bf, PRECISION_PRESETS.bf16.weights);
  const expected = values.slice();
  roundToBf16(expected, NEAREST_EVEN);
  assert.deepEqual(bf, expected);
  const c8 = values.slice();
  const counts = store.store('w-c8', c8, PRECISION_PRESETS['cfp8-sr'].weights);
  assert.equal(counts.overflow, 0);
  const bias = store.report()['w-c8']!.bias!;
  const representable = new Set(minifloatFormat(CFLOAT_LAYOUTS.cfloat8_1_4_3, bias).values);
  for (const v of c8) assert.ok(representable.has(v), `${v} is not a cfloat8_1_4_3 value at bias ${bias}`);
  // amax ≈ 3, headroom 2: the range must reach 6 and not 12.
  assert.equal(bias, biasFor(CFLOAT_LAYOUTS.cfloat8_1_4_3, 2 * Math.max(...values.map(Math.abs))));
});

test('underflow below the smallest subnormal and overflow past the widest range (bias 0) are counted', () => {
  const store = new TensorStore(1);
  const spec = { format: 'cfloat8_1_4_3', rounding: 'nearest-even' } as const;
  store.store('a', new Float32Array(16).fill(1), spec);
  // The bias was set from this very store's amax, so a 10x jump in the same store cannot overflow;
  // feed a tensor whose amax sets the range and whose tiny entries fall under the smallest subnormal.
  const mixed = new Float32Array([1000, 1e-12, -1e-12, 1]);
  const counts = store.store('a', mixed, spec);
  assert.equal(counts.overflow, 0);
  assert.equal(counts.underflow, 2);
  assert.deepEqual([mixed[1], mixed[2]], [0, -0]);
  const report = store.report()['a']!;
  assert.equal(report.runningMax, 1000);
  assert.equal(report.underflow, 2);
  assert.equal(report.stores, 2);
  // 1-4-3 at bias 0 reaches 1.875 x 2^15 = 61440; 1e6 saturates there.
  const huge = new Float32Array([1e6, -5]);
  assert.equal(store.store('b', huge, spec).overflow, 1);
  assert.deepEqual([...huge], [61440, -5]);
});

test('policies: presets by name; objects validated with the offending key and the allowed values', () => {
  assert.equal(parsePrecisionPolicy('cfp8-sr').gradients.format, 'cfloat8_1_5_2');
  const partial = parsePrecisionPolicy({ weights: { format: 'bf16' } });
  assert.deepEqual(partial.weights, { format: 'bf16', rounding: 'nearest-even' });
  assert.equal(partial.activations.format, 'fp32');
  assert.throws(
    () => parsePrecisionPolicy({ weights: { format: 'fp8' }, gradient: {}, activations: { format: 'bf16', rounding: 'up' } }),
    (e: unknown) =>
      e instanceof InputError &&
      e.issues.map((i) => i.path).join() === 'weights.format,gradient,activations.rounding' &&
      /cfloat8_1_4_3/.test(e.issues[0]!.message),
  );
  assert.throws(() => parsePrecisionPolicy('fp8'), /allowed: fp32, bf16, cfp8-sr, cfp8-rne/);
});
