// One suite for every registered simulator tier (as Hono runs one router suite against every
// router): each tier honours the StepSimulator contract and agrees with the analytical tier on
// uncontended scenarios within the tolerance it declares here. A new tier that is registered but
// has no line in TOLERANCE fails the first test, so it cannot ship without its differential.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { simulatePlan, resolveScenarioPlan } from '../../src/engine/evaluate.js';
import { SIMULATORS, TIER_NAMES, getSimulator, isTierName } from '../../src/simulators/registry.js';
import { loadScenarioFile } from '../../src/cli/read-file.js';
import { repoRoot } from '../regression/cases.js';
import { within } from '../helpers.js';

/** Relative step-time tolerance against the analytical tier, with the reason. */
const TOLERANCE: Record<string, { rel: number; why: string }> = {
  analytical: { rel: 0, why: 'the reference itself' },
  event: { rel: 0.05, why: 'same block times; the event tier schedules them exactly (1F1B order, overlap), the analytical one in closed form' },
};

// Concrete-plan examples without contention effects the analytical tier cannot see.
const SCENARIOS = ['gpt3-175b-a100.yaml', 'llama2-70b-h100.yaml', 'resnet50-a100.yaml'];

test('every registered tier is named after its key and declares a differential tolerance', () => {
  for (const tier of TIER_NAMES) {
    assert.equal(SIMULATORS[tier].name, tier);
    assert.ok(SIMULATORS[tier].description.length > 0 && SIMULATORS[tier].needs.length > 0, `${tier} describes itself`);
    assert.ok(TOLERANCE[tier], `${tier} has a tolerance in TOLERANCE`);
  }
  assert.ok(isTierName('event') && !isTierName('emulator-typo') && !isTierName('toString'));
});

for (const tier of TIER_NAMES) {
  for (const file of SCENARIOS) {
    test(`${tier} tier on ${file}: the shared report contract, and step time within ${(TOLERANCE[tier]!.rel * 100).toFixed(0)}% of analytical`, () => {
      const s = loadScenarioFile(join(repoRoot, 'examples', file)).scenario;
      const plan = resolveScenarioPlan(s);
      const reference = simulatePlan(s, plan, 'analytical').report;
      const r = getSimulator(tier).simulate(s.workload, plan, s.system, { efficiency: s.efficiency, prices: s.prices }).report;
      assert.deepEqual(r.plan, plan);
      assert.deepEqual(Object.keys(r.breakdown).sort(), Object.keys(reference.breakdown).sort(), 'same breakdown fields');
      const total = Object.values(r.breakdown).reduce((a, b) => a + b, 0);
      within(total, r.stepTimeSeconds, 1e-6, `${tier} breakdown adds up to the step`);
      assert.deepEqual(r.memory, reference.memory, 'one memory model');
      assert.equal(r.modelFlopsPerStep, reference.modelFlopsPerStep);
      within(r.samplesPerSecond, plan.globalBatch / r.stepTimeSeconds, 1e-12, 'throughput from step time');
      within(r.stepTimeSeconds, reference.stepTimeSeconds, TOLERANCE[tier]!.rel, `${tier} vs analytical step time`);
    });
  }
}
