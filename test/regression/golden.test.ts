// No behaviour regresses: every example scenario and calibration row, on both tiers, gives the
// figures recorded in golden.json to a relative 1e-9 (float re-association noise only; any real
// model change moves figures by far more). Strings (plans, notes) and booleans must match exactly.
// An intended change regenerates the file with write-golden.ts and says so in the commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { computeGolden, goldenPath } from './cases.js';
import { ensureBuiltins } from '../../src/engine/builtins.js';

const REL_TOL = 1e-9;

/** Every difference between two JSON values, as "path: expected vs actual". */
export function differences(expected: unknown, actual: unknown, path = ''): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const scale = Math.max(Math.abs(expected), Math.abs(actual));
    return Math.abs(expected - actual) <= REL_TOL * scale ? [] : [`${path}: ${expected} vs ${actual}`];
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => differences((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [`${path}: ${JSON.stringify(expected)} vs ${JSON.stringify(actual)}`];
}

ensureBuiltins();
const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as ReturnType<typeof computeGolden>;
const current = JSON.parse(JSON.stringify(computeGolden())) as ReturnType<typeof computeGolden>;

test('the comparison itself catches a changed figure, a changed note and a missing key', () => {
  assert.deepEqual(differences({ a: 1, b: ['x'] }, { a: 1 + 1e-12, b: ['x'] }), []);
  assert.equal(differences({ a: 1 }, { a: 1 + 1e-6 }).length, 1);
  assert.equal(differences({ b: ['x'] }, { b: ['y'] }).length, 1);
  assert.equal(differences({ a: 1, c: 2 }, { a: 1 }).length, 1);
});

test('golden covers every example scenario and every expressible calibration row', () => {
  assert.deepEqual(Object.keys(current.examples).sort(), Object.keys(golden.examples).sort());
  assert.deepEqual(Object.keys(current.calibration.rows).sort(), Object.keys(golden.calibration.rows).sort());
  assert.ok(Object.keys(golden.examples).length >= 10 && Object.keys(golden.calibration.rows).length >= 18);
});

for (const name of Object.keys(golden.examples)) {
  test(`example ${name}: both tiers unchanged`, () => {
    const diff = differences(golden.examples[name], current.examples[name]);
    assert.deepEqual(diff, [], diff.slice(0, 10).join('\n'));
  });
}

test('calibration rows (both tiers) and the validate summary unchanged', () => {
  const diff = differences(golden.calibration, current.calibration);
  assert.deepEqual(diff, [], diff.slice(0, 10).join('\n'));
});
