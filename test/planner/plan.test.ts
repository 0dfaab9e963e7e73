// Plan validation returns issues that name the plan key and what is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';
import { resolveScenarioPlan } from '../../src/engine/evaluate.js';
import { scenario } from '../helpers.js';

function issuesOf(plan: Record<string, unknown>, gpus = 64): { path: string; message: string }[] {
  try {
    resolveScenarioPlan(scenario({ system: { preset: 'dgx-a100-80gb', gpus }, plan }));
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  return [];
}

test('a valid Megatron plan resolves, deriving dp from the device count', () => {
  const plan = resolveScenarioPlan(scenario({ plan: { tp: 8, pp: 8, globalBatch: 64 } }));
  assert.equal(plan.dp, 1);
  assert.equal(plan.gradReduceFp32, true, 'bf16 reduces gradients in fp32 (Megatron)');
});

const cases: [string, Record<string, unknown>, string, RegExp][] = [
  ['tp must divide the heads', { tp: 7, pp: 1, dp: 9, globalBatch: 63 }, 'plan.tp', /divide/],
  ['tp·pp·dp must equal the devices', { tp: 8, pp: 2, dp: 2, globalBatch: 64 }, 'plan.dp', /equal the device count \(64\)/],
  ['layers must split evenly over pp·v', { tp: 8, pp: 8, virtualStages: 5, globalBatch: 64 }, 'plan.pp', /must divide the number of layers \(96\)/],
  ['global batch must be a multiple of dp·microBatch', { tp: 8, pp: 1, microBatch: 3, globalBatch: 64 }, 'plan.globalBatch', /multiple of dp·microBatch = 24/],
  ['interleaving needs a pipeline', { tp: 8, pp: 1, virtualStages: 2, globalBatch: 64 }, 'plan.virtualStages', /pp ≥ 2/],
  ['an A100 has no fp8 rate', { tp: 8, pp: 8, globalBatch: 64, precision: 'fp8' }, 'plan.precision', /allowed: bf16, fp16/],
];
for (const [name, plan, path, message] of cases) {
  test(`plan error: ${name}`, () => {
    const issues = issuesOf(plan);
    const hit = issues.find((i) => i.path === path);
    assert.ok(hit, `expected an issue at ${path}, got ${JSON.stringify(issues)}`);
    assert.match(hit.message, message);
  });
}

test('schema errors name the key and the allowed values', () => {
  assert.throws(
    () => scenario({ plan: { tp: 8, globalBatch: 64, recompute: 'sometimes' } }),
    (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === 'plan.recompute' && /none|selective|full/.test(i.message)),
  );
});
