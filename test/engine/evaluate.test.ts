// The engine's one plan policy: a concrete plan is resolved and simulated as given (even when it
// does not fit, unless the caller requires a fit); `auto` searches for the fastest fitting plan;
// no fitting plan is a NoPlanFitsError naming the plan field. Checked against the search itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, evaluateAsync, evaluateIfFits, NoPlanFitsError } from '../../src/engine/evaluate.js';
import { searchPlans } from '../../src/engine/search.js';
import { InputError } from '../../src/common/errors.js';
import { GPT3, scenario } from '../helpers.js';

const small = { kind: 'transformer', layers: 8, hidden: 1024, heads: 16, seqLen: 1024, vocab: 32000 };

test('a concrete plan is simulated as given, on either tier', () => {
  const s = scenario({ plan: { tp: 8, pp: 8, globalBatch: 64 } });
  const a = evaluate(s);
  assert.equal(a.planSource, 'scenario');
  assert.equal(a.tier, 'analytical');
  assert.equal(a.report.plan.tp, 8);
  const e = evaluate(s, { tier: 'event' });
  assert.deepEqual(e.report.plan, a.report.plan);
  assert.ok('utilization' in e.result, 'the event tier returns its own result');
});

test('auto: the fastest fitting plan, identical to the search; the event tier runs that plan', () => {
  const s = scenario({ model: small, system: { preset: 'dgx-a100-80gb', gpus: 16 }, plan: { auto: true, globalBatch: 64 } });
  const best = searchPlans(s, { top: 1 }).best[0]!;
  const a = evaluate(s);
  assert.equal(a.planSource, 'searched');
  assert.deepEqual(a.report, best);
  assert.equal(a.search?.best[0], a.report);
  const e = evaluate(s, { tier: 'event' });
  assert.deepEqual(e.report.plan, best.plan);
});

test('an injected (asynchronous) search is used instead of the built-in one', async () => {
  const s = scenario({ model: small, system: { preset: 'dgx-a100-80gb', gpus: 16 }, plan: { auto: true, globalBatch: 64 } });
  let calls = 0;
  const r = await evaluateAsync(s, { search: async (x) => (calls++, searchPlans(x, { top: 1 })) });
  assert.equal(calls, 1);
  assert.equal(r.planSource, 'searched');
  const fixed = await evaluateAsync(scenario({ plan: { tp: 8, pp: 8, globalBatch: 64 } }), { search: async () => assert.fail('a concrete plan is not searched') });
  assert.equal(fixed.planSource, 'scenario');
});

test('no fitting plan: NoPlanFitsError on plan (an InputError), undefined from evaluateIfFits', () => {
  const s = scenario({ model: GPT3, system: { preset: 'dgx-a100-40gb', gpus: 8 }, plan: { auto: true, globalBatch: 8 } });
  assert.throws(() => evaluate(s), (e: unknown) => e instanceof NoPlanFitsError && e instanceof InputError && e.issues[0]!.path === 'plan' && /fits in device memory/.test(e.issues[0]!.message));
  assert.equal(evaluateIfFits(s), undefined);
});

test('a concrete plan that does not fit is reported (fits: false) unless a fit is required', () => {
  const s = scenario({ system: { preset: 'dgx-a100-40gb', gpus: 8 }, plan: { tp: 8, pp: 1, globalBatch: 8 } });
  const r = evaluate(s).report;
  assert.equal(r.fits, false);
  assert.match(r.notes[0]!, /^does not fit: /);
  assert.throws(() => evaluate(s, { requireFit: true }), NoPlanFitsError);
});

test('invalid concrete plans stay InputErrors naming the field (not NoPlanFitsError)', () => {
  const s = scenario({ plan: { tp: 3, pp: 1, globalBatch: 64 } });
  assert.throws(() => evaluate(s), (e: unknown) => e instanceof InputError && !(e instanceof NoPlanFitsError) && e.issues.some((i) => i.path.startsWith('plan')));
});

test('a system without a price: the report says so and flags it; ranking by cost is refused', async () => {
  const { loadScenarioFile } = await import('../../src/cli/read-file.js');
  const { repoRoot } = await import('../regression/cases.js');
  const s = loadScenarioFile(`${repoRoot}examples/llama2-7b-my-cluster.yaml`).scenario;
  const r = evaluate(s).report;
  assert.equal(r.cost.systemPriced, false);
  assert.ok(r.notes.includes('no price for system my-a100-4gpu-cluster: cost figures cover energy only (set prices.systems.my-a100-4gpu-cluster.capexUsdPerNode, or cloudUsdPerNodeHour, in the scenario)'), r.notes.join('\n'));
  assert.throws(() => searchPlans(s, { objective: 'cost' }), (e: unknown) => e instanceof InputError && e.issues[0]!.path === 'prices.systems' && /no price for system my-a100-4gpu-cluster/.test(e.issues[0]!.message));
  // With a price in the scenario, the flag clears, the note goes, and cost ranking is allowed.
  const priced = { ...s, prices: { ...s.prices, systems: { ...s.prices.systems, 'my-a100-4gpu-cluster': { capexUsdPerNode: 150000, basis: 'test' } } } };
  const p = evaluate(priced).report;
  assert.equal(p.cost.systemPriced, true);
  assert.ok(!p.notes.some((n) => n.startsWith('no price')));
  assert.ok(p.cost.costPerStepUsd > r.cost.costPerStepUsd, 'capital now counted');
  assert.ok(searchPlans(priced, { objective: 'cost', top: 1 }).best.length === 1);
  // Built-in presets are priced.
  assert.equal(evaluate(scenario({ plan: { tp: 8, pp: 8, globalBatch: 64 } })).report.cost.systemPriced, true);
});
