// BF16 against references derived independently of the bit tricks in bf16.ts: decoding against the
// closed form (-1)^s 2^(e-127) (1 + m/128) on all 65,536 codes, and rounding against a comparison
// of distances to the two candidate neighbours computed in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBf16, encodeBf16 } from '../../src/emulator/numerics/bf16.js';
import { NEAREST_EVEN } from '../../src/emulator/numerics/rounding.js';
import { createStream } from '../../src/emulator/numerics/counter-rng.js';

function closedForm(code: number): number {
  const s = code >>> 15;
  const e = (code >>> 7) & 0xff;
  const m = code & 0x7f;
  const sign = s ? -1 : 1;
  if (e === 0xff) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** (-126 - 7);
  return sign * (1 + m / 128) * 2 ** (e - 127);
}

const ALL = Uint16Array.from({ length: 65536 }, (_, i) => i);

test('all 65,536 BF16 codes decode to the closed form, and non-NaN codes encode back to themselves', () => {
  const values = decodeBf16(ALL, new Float32Array(65536));
  for (let code = 0; code < 65536; code++) {
    const expected = closedForm(code);
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(values[code]), `code ${code}`);
    else assert.ok(Object.is(values[code], expected), `code ${code}: ${values[code]} vs ${expected}`);
  }
  const back = new Uint16Array(65536);
  encodeBf16(values, back, NEAREST_EVEN);
  for (let code = 0; code < 65536; code++) {
    if (Number.isNaN(closedForm(code))) assert.ok(Number.isNaN(closedForm(back[code]!)), 'NaN stays NaN');
    else assert.equal(back[code], code);
  }
});

test('round to nearest even matches a float64 distance comparison on 200,000 FP32 patterns', () => {
  const src = new Float32Array(200000);
  const bits = new Uint32Array(src.buffer);
  let seed = 12345;
  for (let i = 0; i < bits.length; i++) {
    // Random patterns, with every 4th forced to an exact tie (low 16 bits 0x8000).
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; // LCG, independent of the code under test
    let u = seed;
    if ((u & 0x7f800000) === 0x7f800000) u &= 0xbfffffff; // keep finite
    bits[i] = i % 4 === 0 ? (u & 0xffff0000) | 0x8000 : u;
  }
  const out = new Uint16Array(src.length);
  encodeBf16(src, out, NEAREST_EVEN);
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    const toward0 = bits[i]! >>> 16;
    const away = toward0 + 1;
    const a = closedForm(toward0);
    // IEEE: the value one ulp past the largest finite BF16 is 2^128, which rounds to Inf.
    const b = (away & 0x7fff) === 0x7f80 ? Math.sign(x) * 2 ** 128 : closedForm(away & 0xffff);
    const da = Math.abs(x - a);
    const db = Math.abs(b - x);
    const expected = da < db ? toward0 : db < da ? away : toward0 % 2 === 0 ? toward0 : away;
    assert.equal(out[i], expected & 0xffff, `x=${x}`);
  }
});

test('BF16 stochastic rounding rounds up with probability (dropped bits)/2^16 and is seed-reproducible', () => {
  const draws = 20000;
  for (const low of [0x1000, 0x8000, 0xe000]) {
    const x = new Float32Array(new Uint32Array([0x3f810000 | low]).buffer)[0]!;
    const out = new Uint16Array(draws);
    encodeBf16(new Float32Array(draws).fill(x), out, { mode: 'stochastic', stream: createStream(3) });
    const up = out.filter((c) => c === 0x3f82).length;
    assert.equal(out.filter((c) => c !== 0x3f81 && c !== 0x3f82).length, 0);
    const p = low / 65536;
    assert.ok(Math.abs(up / draws - p) <= 5 * Math.sqrt((p * (1 - p)) / draws), `low=${low}: ${up / draws}`);
    const again = new Uint16Array(draws);
    encodeBf16(new Float32Array(draws).fill(x), again, { mode: 'stochastic', stream: createStream(3) });
    assert.deepEqual(again, out);
  }
});

test('BF16 overflow goes to Inf (IEEE behaviour, unlike the saturating CFloat formats) and is counted', () => {
  const out = new Uint16Array(2);
  const counts = encodeBf16(Float32Array.from([3.4e38, -3.4e38]), out, NEAREST_EVEN);
  assert.deepEqual([...out], [0x7f80, 0xff80]);
  assert.equal(counts.overflow, 2);
});
