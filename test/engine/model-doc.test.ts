// The YAML example in docs/how-the-model-works.md parses and applies its overrides, and the
// calibration table in the doc matches what the engine computes today (so the doc cannot drift).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseScenario } from '../../src/engine/scenario.js';
import { runCalibration } from '../../src/engine/calibration.js';
import { DEFAULT_CALIBRATION } from '../../src/cli/read-file.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(`${root}docs/how-the-model-works.md`, 'utf8');

test('the override example parses and its overrides take effect', () => {
  const block = doc.match(/```yaml\n([\s\S]*?)```/)![1]!;
  const s = parseScenario(YAML.parse(block), 'how-the-model-works.md');
  assert.equal(s.efficiency.matmulFrameworkFactor, 0.9);
  assert.equal(s.efficiency.elementwiseFactor, 0.7);
  assert.equal(s.prices.costBasis, 'cloud');
  assert.equal(s.prices.energyUsdPerKWh, 0.12);
});

test('the calibration table in the doc is what validate computes (±0.1 pt)', () => {
  const summary = runCalibration(JSON.parse(readFileSync(DEFAULT_CALIBRATION, 'utf8')));
  const rows = [...doc.matchAll(/^\| (\S+) \| ([\d.]+) \| ([\d.]+) \| ([+-][\d.]+)% \|$/gm)];
  assert.equal(rows.length, 18);
  for (const [, id, , , err] of rows) {
    const r = summary.rows.find((x) => x.id === id);
    assert.ok(r, id);
    assert.ok(Math.abs(r.error * 100 - Number(err)) <= 0.1, `${id}: doc ${err}% vs ${(r.error * 100).toFixed(2)}%`);
  }
});

test("the README's headline accuracy figure is what validate computes (±0.005 pt, its rounding)", () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const m = /mean step-time error ([\d.]+)% over (\d+) published runs/.exec(readme);
  assert.ok(m, 'README states the mean step-time error');
  const summary = runCalibration(JSON.parse(readFileSync(DEFAULT_CALIBRATION, 'utf8')));
  assert.equal(Number(m[2]), summary.target.count);
  assert.ok(Math.abs(summary.target.meanAbsError * 100 - Number(m[1])) <= 0.005, `README ${m[1]}% vs ${(summary.target.meanAbsError * 100).toFixed(3)}%`);
});
