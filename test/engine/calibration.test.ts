// Keeps the engine inside its accuracy bound on published measurements, so a regression fails CI.
// Bound: mean |error| of step time ≤ 3% over the Megatron-LM 2021 Table 1 and Korthikanti 2022
// Table 5 rows (the target); no single row beyond 8%; collective bus bandwidth within 5%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCalibration } from '../../src/engine/calibration.js';
import { DEFAULT_CALIBRATION as calibrationPath } from '../../src/cli/read-file.js';

const summary = runCalibration(JSON.parse(readFileSync(calibrationPath, 'utf8')));

test('all 18 Megatron-LM 2021 / Korthikanti 2022 step-time rows are expressed and scored', () => {
  assert.equal(summary.target.count, 18, `target rows scored: ${summary.rows.filter((r) => r.target).map((r) => r.id).join(', ')}`);
});

test('mean |error| of step time ≤ 3% with one shared set of efficiencies', () => {
  assert.ok(summary.target.meanAbsError <= 0.03, `mean |error| ${(summary.target.meanAbsError * 100).toFixed(2)}%`);
});

test('no step-time row is off by more than 8%', () => {
  for (const r of summary.rows.filter((x) => x.target)) assert.ok(Math.abs(r.error) <= 0.08, `${r.id}: ${(r.error * 100).toFixed(1)}%`);
});

test('single-node NCCL ring bus bandwidth is reproduced by the tier model within 5%', () => {
  const rows = summary.rows.filter((r) => r.metric === 'busbw_GBps');
  assert.ok(rows.length >= 10);
  for (const r of rows) assert.ok(Math.abs(r.error) <= 0.05, `${r.id}: ${(r.error * 100).toFixed(1)}%`);
});

test('rows that cannot be expressed are skipped with a reason, never silently', () => {
  const ids = new Set([...summary.rows.map((r) => r.id), ...summary.skipped.map((s) => s.id)]);
  const all = JSON.parse(readFileSync(calibrationPath, 'utf8')) as { id: string }[];
  assert.equal(ids.size, all.length);
  for (const s of summary.skipped) assert.ok(s.reason.length > 10, s.id);
});
