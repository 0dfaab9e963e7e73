// CFloat8 / CFloat16 codecs: every code of each layout round-trips, values between neighbouring
// codes round as round-to-nearest-even and stochastic rounding require, and the range limits match
// the white paper's Table 4 and its clamping rule (no Inf/NaN; overflow saturates).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CFLOAT_LAYOUTS } from '../../src/emulator/numerics/formats.js';
import { decodeMinifloat, encodeMinifloat, minifloatFormat, type MinifloatFormat } from '../../src/emulator/numerics/minifloat.js';
import { NEAREST_EVEN } from '../../src/emulator/numerics/rounding.js';
import { createStream } from '../../src/emulator/numerics/counter-rng.js';
import { InputError } from '../../src/common/errors.js';

const BIASES = [0, 1, 7, 15, 31, 48, 63];
const CFLOAT8 = [CFLOAT_LAYOUTS.cfloat8_1_4_3, CFLOAT_LAYOUTS.cfloat8_1_5_2];

function encodeRne(format: MinifloatFormat, xs: number[]): number[] {
  const out = new Uint16Array(xs.length);
  encodeMinifloat(format, Float32Array.from(xs), out, NEAREST_EVEN);
  return [...out];
}

/** Positive codes sorted by value, with their values (codes with the sign bit clear). */
function positiveLadder(format: MinifloatFormat): { code: number; value: number }[] {
  const ladder = [];
  for (let code = 0; code <= format.maxPositiveCode; code++) ladder.push({ code, value: format.values[code]! });
  return ladder;
}

for (const layout of CFLOAT8) {
  for (const bias of BIASES) {
    test(`${layout.name} bias ${bias}: all 256 codes decode then encode to themselves (RNE and SR)`, () => {
      const format = minifloatFormat(layout, bias);
      const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
      const values = decodeMinifloat(format, codes, new Float32Array(256));
      const rne = new Uint8Array(256);
      const counts = encodeMinifloat(format, values, rne, NEAREST_EVEN);
      assert.deepEqual([...rne], [...codes]);
      assert.deepEqual(counts, { overflow: 0, underflow: 0, invalid: 0 });
      const sr = new Uint8Array(256);
      encodeMinifloat(format, values, sr, { mode: 'stochastic', stream: createStream(bias + 1) });
      assert.deepEqual([...sr], [...codes], 'exact values have no remainder, so SR never moves them');
    });

    test(`${layout.name} bias ${bias}: range equals the white paper's Table 4 closed form`, () => {
      const format = minifloatFormat(layout, bias);
      const m = layout.mantissaBits;
      const eMax = 2 ** layout.exponentBits - 1;
      // Smallest normal 1.0 x 2^(1-bias), largest 1.11..1 x 2^(eMax-bias), smallest subnormal 2^(1-bias-m).
      assert.equal(format.values[1 << m], 2 ** (1 - bias));
      assert.equal(format.values[format.maxPositiveCode], (2 - 2 ** -m) * 2 ** (eMax - bias));
      assert.equal(format.values[1], 2 ** (1 - bias - m));
      assert.equal(format.values[0x80], -0);
      assert.ok(Object.is(format.values[0x80], -0), 'code 0x80 is negative zero');
    });

    test(`${layout.name} bias ${bias}: values between adjacent codes round to nearest, ties to the even code`, () => {
      const format = minifloatFormat(layout, bias);
      const ladder = positiveLadder(format);
      const xs: number[] = [];
      const expected: number[] = [];
      for (let k = 0; k + 1 < ladder.length; k++) {
        const lo = ladder[k]!;
        const hi = ladder[k + 1]!;
        const gap = hi.value - lo.value;
        // Quarter points are exact in FP32 (two more bits than the format), so no pre-rounding.
        xs.push(lo.value + gap / 4, lo.value + gap / 2, lo.value + (3 * gap) / 4, -(lo.value + gap / 4));
        expected.push(lo.code, lo.code % 2 === 0 ? lo.code : hi.code, hi.code, 0x80 | lo.code);
      }
      assert.deepEqual(encodeRne(format, xs), expected);
    });

    test(`${layout.name} bias ${bias}: overflow saturates, tiny values underflow to signed zero, Inf/NaN clamp`, () => {
      const format = minifloatFormat(layout, bias);
      const max = format.values[format.maxPositiveCode]!;
      const minSub = format.values[1]!;
      const src = Float32Array.from([max * 1.5, -max * 4, Infinity, -Infinity, NaN, minSub / 2, -minSub / 4, minSub * 0.75]);
      const out = new Uint8Array(src.length);
      const counts = encodeMinifloat(format, src, out, NEAREST_EVEN);
      const maxCode = format.maxPositiveCode;
      // minSub/2 is a tie between 0 (even) and code 1: ties to even gives 0; 0.75 minSub rounds up.
      assert.deepEqual([...out], [maxCode, 0x80 | maxCode, maxCode, 0x80 | maxCode, maxCode, 0, 0x80, 1]);
      assert.deepEqual(counts, { overflow: 2, underflow: 2, invalid: 3 });
    });
  }

  test(`${layout.name}: stochastic rounding picks the two neighbours with probability proportional to distance`, () => {
    const format = minifloatFormat(layout, 20);
    const ladder = positiveLadder(format);
    const draws = 20000;
    // Neighbours in the subnormal range, at the normal boundary and mid-range; fractions 1/8..7/8.
    for (const k of [1, 2 ** layout.mantissaBits - 1, 40, 90]) {
      const lo = ladder[k]!;
      const hi = ladder[k + 1]!;
      for (const p of [0.125, 0.375, 0.5, 0.875]) {
        const x = lo.value + p * (hi.value - lo.value);
        const out = new Uint8Array(draws);
        encodeMinifloat(format, new Float32Array(draws).fill(x), out, { mode: 'stochastic', stream: createStream(7, k) });
        let up = 0;
        for (const code of out) {
          assert.ok(code === lo.code || code === hi.code, `SR result ${code} is not a neighbour of ${x}`);
          if (code === hi.code) up++;
        }
        // Binomial: |p̂ - p| <= 5 sigma fails by chance with probability < 1e-6.
        const sigma = Math.sqrt((p * (1 - p)) / draws);
        assert.ok(Math.abs(up / draws - p) <= 5 * sigma, `k=${k} p=${p}: rounded up ${up / draws}`);
      }
    }
  });
}

test('stochastic rounding is reproducible for a seed, differs across seeds, and does not depend on batching', () => {
  const format = minifloatFormat(CFLOAT_LAYOUTS.cfloat8_1_4_3, 10);
  const src = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i) * 3);
  const run = (seed: number) => {
    const out = new Uint8Array(src.length);
    encodeMinifloat(format, src, out, { mode: 'stochastic', stream: createStream(seed) });
    return out;
  };
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
  // Two halves from one stream equal one call: draw i belongs to element i, whatever the split.
  const stream = createStream(1);
  const halves = new Uint8Array(src.length);
  encodeMinifloat(format, src.subarray(0, 1000), halves.subarray(0, 1000), { mode: 'stochastic', stream });
  encodeMinifloat(format, src.subarray(1000), halves.subarray(1000), { mode: 'stochastic', stream });
  assert.deepEqual(halves, run(1));
});

test('CFloat16 SHP: all 65,536 codes round-trip for biases 0, 15 and 63; UHP (bias 31) too, negatives clamp to 0', () => {
  for (const bias of [0, 15, 63]) {
    const format = minifloatFormat(CFLOAT_LAYOUTS.cfloat16_shp, bias);
    const codes = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const out = new Uint16Array(65536);
    encodeMinifloat(format, decodeMinifloat(format, codes, new Float32Array(65536)), out, NEAREST_EVEN);
    assert.deepEqual(out, codes);
    assert.equal(format.values[format.maxPositiveCode], (2 - 2 ** -10) * 2 ** (31 - bias));
  }
  const uhp = minifloatFormat(CFLOAT_LAYOUTS.cfloat16_uhp);
  const codes = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const out = new Uint16Array(65536);
  encodeMinifloat(uhp, decodeMinifloat(uhp, codes, new Float32Array(65536)), out, NEAREST_EVEN);
  assert.deepEqual(out, codes);
  assert.equal(uhp.values[0xffff], (2 - 2 ** -10) * 2 ** (63 - 31));
  const neg = new Uint16Array(1);
  assert.equal(encodeMinifloat(uhp, Float32Array.from([-1]), neg, NEAREST_EVEN).invalid, 1);
  assert.equal(neg[0], 0);
});

test('a bias outside the 6-bit field is an input error naming the key and the allowed range', () => {
  assert.throws(
    () => minifloatFormat(CFLOAT_LAYOUTS.cfloat8_1_4_3, 64),
    (e: unknown) => e instanceof InputError && e.issues[0]!.path === 'bias' && /0\.\.63/.test(e.issues[0]!.message),
  );
  assert.throws(() => minifloatFormat(CFLOAT_LAYOUTS.cfloat16_uhp, 30), InputError);
});
