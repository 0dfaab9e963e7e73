// docs/emulator.md's tables and policy example are executed: the range table against the codecs,
// every encoding example against encodeMinifloat, the JSON policy through parsePrecisionPolicy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CFLOAT_LAYOUTS, type CFloatLayoutName } from '../../src/emulator/numerics/formats.js';
import { encodeMinifloat, minifloatFormat } from '../../src/emulator/numerics/minifloat.js';
import { NEAREST_EVEN } from '../../src/emulator/numerics/rounding.js';
import { parsePrecisionPolicy } from '../../src/emulator/precision/policy.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(`${root}docs/emulator.md`, 'utf8');
const rows = (columns: number) =>
  doc
    .split('\n')
    .filter((l) => /^\| cfloat8_/.test(l))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()))
    .filter((cells) => cells.length === columns);

/** "1.875·2^15" or "2^-17". */
const power = (text: string) => {
  const m = /^(?:([\d.]+)·)?2\^(-?\d+)$/.exec(text);
  assert.ok(m, `cannot read "${text}"`);
  return Number(m[1] ?? 1) * 2 ** Number(m[2]);
};

test('the range table matches the codecs (smallest subnormal, smallest normal, largest)', () => {
  const table = rows(5);
  assert.ok(table.length >= 6);
  for (const [name, bias, sub, normal, largest] of table) {
    const layout = CFLOAT_LAYOUTS[name as CFloatLayoutName];
    const f = minifloatFormat(layout, Number(bias));
    assert.equal(f.values[1], power(sub!), `${name} bias ${bias} subnormal`);
    assert.equal(f.values[1 << layout.mantissaBits], power(normal!), `${name} bias ${bias} normal`);
    assert.equal(f.values[f.maxPositiveCode], power(largest!), `${name} bias ${bias} largest`);
  }
});

test('every encoding example gives the code, value and counters the doc states', () => {
  const table = rows(7);
  assert.ok(table.length >= 6);
  for (const [name, bias, input, rounding, code, value, counts] of table) {
    assert.equal(rounding, 'nearest-even');
    const f = minifloatFormat(CFLOAT_LAYOUTS[name as CFloatLayoutName], Number(bias));
    const out = new Uint8Array(1);
    const c = encodeMinifloat(f, Float32Array.from([Number(input)]), out, NEAREST_EVEN);
    assert.equal(out[0], Number(code), `${name} ${input}`);
    assert.equal(f.values[out[0]!], Number(value));
    const flagged = (['overflow', 'underflow', 'invalid'] as const).filter((k) => c[k] > 0);
    assert.equal(flagged.join(', ') || 'none', counts);
  }
});

test('the JSON policy example parses, roles left out defaulting to FP32', () => {
  const json = /```json\n([\s\S]*?)```/.exec(doc);
  assert.ok(json);
  const policy = parsePrecisionPolicy(JSON.parse(json[1]!), 'docs/emulator.md');
  assert.equal(policy.weights.format, 'cfloat8_1_4_3');
  assert.equal(policy.optimizerState.format, 'cfloat16_shp');
  assert.equal(policy.activations.format, 'fp32');
});
