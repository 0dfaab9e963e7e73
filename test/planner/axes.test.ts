// The axis list drives the plan: its degree fields, their validation and the search space come
// from src/planner/axes.ts, so these tests iterate AXES (a new axis is covered without edits) and
// check the search's outer choices against degree sets worked out by hand from the model shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';
import { AXES, axisDegreeProduct } from '../../src/planner/axes.js';
import { PlanInputSchema } from '../../src/planner/plan.js';
import { enumeratePlans } from '../../src/planner/space.js';
import { resolveScenarioPlan } from '../../src/engine/evaluate.js';
import { isAutoPlan } from '../../src/engine/scenario.js';
import { scenario } from '../helpers.js';

test('every axis has a plan degree field defaulting to 1', () => {
  const plan = PlanInputSchema.parse({ globalBatch: 8 });
  for (const a of AXES) assert.equal(plan[a.planKey], 1, a.planKey);
});

for (const a of AXES) {
  test(`plan error: ResNet-50 supports no ${a.label} (${a.planKey} > 1 is refused at plan.${a.planKey})`, () => {
    const s = scenario({ model: { preset: 'resnet50' }, system: { preset: 'dgx-a100-80gb', gpus: 8 }, plan: { [a.planKey]: 2, globalBatch: 64 } });
    assert.throws(
      () => resolveScenarioPlan(s),
      (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === `plan.${a.planKey}` && i.message.includes(`supports no ${a.label}; allowed: 1`)),
    );
  });
}

/** The distinct (axis degrees, pp) choices among enumerated plans, as `tp·cp·pp` strings. */
function outerChoices(s: ReturnType<typeof scenario>, space = {}): Set<string> {
  assert.ok(isAutoPlan(s.plan) && s.plan.fixed.globalBatch !== undefined, 'an auto plan with a global batch');
  const { plans } = enumeratePlans(s.workload, s.system, { ...s.plan.fixed, globalBatch: s.plan.fixed.globalBatch }, space);
  for (const p of plans) assert.equal(axisDegreeProduct(p) * p.pp * p.dp, s.system.devices, 'the degrees multiply to the device count');
  return new Set(plans.map((p) => `${p.tp}·${p.cp}·${p.pp}`));
}

/** Every (tp, cp, pp) from the given lists whose product divides the device count (dp takes the rest). */
const cross = (devices: number, tps: number[], cps: number[], pps: number[]) =>
  new Set(tps.flatMap((tp) => cps.flatMap((cp) => pps.filter((pp) => devices % (tp * cp * pp) === 0).map((pp) => `${tp}·${cp}·${pp}`))));

test('search space: GPT-3 175B (2k tokens) on 64 A100s tries tp ≤ 8 within the NVSwitch node, no cp, pp dividing 96 layers', () => {
  // tp: divisors of 64 up to the 8-GPU node, all dividing 96 heads; cp: 2,048 tokens is below the
  // 8k threshold; pp: divisors of 64 that divide 96 layers (64 does not).
  assert.deepEqual(outerChoices(scenario({ plan: { auto: true, globalBatch: 1536 } })), cross(64, [1, 2, 4, 8], [1], [1, 2, 4, 8, 16, 32]));
});

test('search space: Llama 3 8B (8k tokens) on 16 A100s adds cp up to 8; caps and fixed degrees narrow it', () => {
  const s = scenario({ model: { preset: 'llama3-8b' }, system: { preset: 'dgx-a100-80gb', gpus: 16 }, plan: { auto: true, globalBatch: 64 } });
  // 2·cp divides 8,192 for every cp ≤ 8; 8 KV heads allow tp ≤ 8; pp divides 32 layers.
  assert.deepEqual(outerChoices(s), cross(16, [1, 2, 4, 8], [1, 2, 4, 8], [1, 2, 4, 8, 16]));
  assert.deepEqual(outerChoices(s, { maxTp: 2, maxCp: 2 }), cross(16, [1, 2], [1, 2], [1, 2, 4, 8, 16]));
  const fixedCp = scenario({ model: { preset: 'llama3-8b' }, system: { preset: 'dgx-a100-80gb', gpus: 16 }, plan: { auto: true, cp: 4, tp: 2, globalBatch: 64 } });
  assert.deepEqual(outerChoices(fixedCp), cross(16, [2], [4], [1, 2]));
});
