// The analytical tier against closed forms: ring collective cost, FLOP conservation under every
// sharding, Megatron's pipeline bubble (p−1)/(v·m), and HFU = 4/3·MFU under full recompute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { collectiveSeconds } from '../../src/simulators/analytical/collectives.js';
import { blockTimes, planGroups } from '../../src/simulators/analytical/block-times.js';
import { deviceRates } from '../../src/simulators/analytical/compute.js';
import { DEFAULT_EFFICIENCY } from '../../src/simulators/analytical/efficiency.js';
import { evaluateScenario, resolveScenarioPlan } from '../../src/engine/evaluate.js';
import { parseSystemSpec } from '../../src/specs/registry.js';
import { matmulFlops } from '../../src/workloads/graph.js';
import { GPT3, scenario, within } from '../helpers.js';

const flatSystem = (bwGBps: number, inner?: number) =>
  parseSystemSpec(
    {
      name: 'test',
      device: { name: 'd', peakTflops: { bf16: 100 }, matmulEfficiencyMax: { bf16: 1 }, memoryGB: 80, memoryBandwidthGBps: 1000, memoryEfficiency: 1, tdpW: 100, idlePowerW: 10 },
      devicesPerNode: inner ?? 8,
      defaultDevices: 64,
      tiers: [
        ...(inner ? [{ name: 'inner', domainDevices: inner, bandwidthGBpsPerDirection: 10 * bwGBps, latencyUs: 0, efficiencyCurve: [[1, 1]] }] : []),
        { name: 'outer', bandwidthGBpsPerDirection: bwGBps, latencyUs: 0, efficiencyCurve: [[1, 1]] },
      ],
      nodeOtherPowerW: 0,
    },
    'test system',
  );

test('ring all-reduce on one tier costs 2(n−1)/n · S / B; all-gather (n−1)/n · S / B', () => {
  const spec = flatSystem(100);
  const S = 1e9;
  for (const n of [2, 4, 8, 64]) {
    within(collectiveSeconds(spec, 'all-reduce', S, { size: n, stride: 1 }), ((2 * (n - 1)) / n) * (S / 100e9), 1e-12, `all-reduce n=${n}`);
    within(collectiveSeconds(spec, 'all-gather', S, { size: n, stride: 1 }), ((n - 1) / n) * (S / 100e9), 1e-12, `all-gather n=${n}`);
  }
});

test('all-reduce switches from ring to tree when latency dominates (many members, small buffer)', () => {
  const spec = parseSystemSpec({ ...JSON.parse(JSON.stringify(flatSystem(25))), tiers: [{ name: 'outer', bandwidthGBpsPerDirection: 25, latencyUs: 5, efficiencyCurve: [[1, 1]] }] }, 'test');
  const n = 1024;
  const small = 1e6;
  const ring = ((2 * (n - 1)) / n) * (small / 25e9) + 2 * (n - 1) * 5e-6;
  const tree = 2 * (small / 25e9) + 2 * Math.log2(n) * 5e-6;
  within(collectiveSeconds(spec, 'all-reduce', small, { size: n, stride: 1 }), Math.min(ring, tree), 1e-12, 'small buffer → tree');
  assert.ok(tree < ring);
  const big = 1e10;
  within(collectiveSeconds(spec, 'all-reduce', big, { size: 8, stride: 1 }), ((2 * 7) / 8) * (big / 25e9) + 14 * 5e-6, 1e-12, 'big buffer, few ranks → ring');
});

test('a rail-aligned group (one member per node) runs entirely on the outer tier', () => {
  const spec = flatSystem(25, 8);
  const S = 4e9;
  within(collectiveSeconds(spec, 'all-reduce', S, { size: 16, stride: 8 }), ((2 * 15) / 16) * (S / 25e9), 1e-12, 'dp over nodes');
});

test('hierarchical all-reduce: reduce-scatter inside the node, all-reduce of 1/8 across nodes, all-gather back', () => {
  const spec = flatSystem(25, 8);
  const S = 4e9;
  const expected = ((2 * 7) / 8) * (S / 250e9) + ((2 * 3) / 4) * (S / 8 / 25e9);
  within(collectiveSeconds(spec, 'all-reduce', S, { size: 32, stride: 1 }), expected, 1e-12, 'hierarchical');
});

test('property: sharding conserves matmul work (per-device FLOPs × tp × cp = the model\'s FLOPs)', () => {
  const s0 = scenario({ plan: { tp: 1, pp: 1, globalBatch: 64 } });
  const layer = s0.workload.blocks.find((b) => b.placement === 'repeated')!;
  const full = layer.ops.reduce((a, o) => a + (o.matmul ? matmulFlops(o.matmul) * (o.fusedKernel?.flopsFraction ?? 1) : 0), 0);
  fc.assert(
    fc.property(fc.constantFrom(1, 2, 4, 8), fc.constantFrom(1, 2, 4), fc.constantFrom(1, 2, 4), (tp, cp, mb) => {
      const s = scenario({ plan: { tp, cp, pp: 1, microBatch: mb, globalBatch: 64 * mb } });
      const plan = resolveScenarioPlan(s);
      const t = blockTimes(layer, plan, deviceRates(s.system.spec.device, 'bf16', DEFAULT_EFFICIENCY), s.system.spec, planGroups(plan));
      within(t.matmulFlopsForward * tp * cp, full * mb, 1e-9, `tp ${tp} cp ${cp} mb ${mb}`);
    }),
    { numRuns: 30 },
  );
});

test('interleaved 1F1B bubble ≈ (p−1)/(v·m) of the steady-state time (Narayanan et al. 2021)', () => {
  for (const [pp, v, gb] of [
    [8, 1, 64],
    [8, 3, 64],
    [4, 2, 32],
    [2, 1, 16],
  ] as const) {
    const r = evaluateScenario(scenario({ plan: { tp: 8, pp, virtualStages: v, globalBatch: gb } }));
    const m = gb / (64 / (8 * pp));
    const b = r.breakdown;
    const steady = b.computeSeconds + b.recomputeSeconds + b.tensorParallelCommSeconds + b.contextParallelCommSeconds + b.pipelineCommSeconds;
    // Stages are not identical (the last one also computes the logits), so allow 5%.
    within(b.bubbleSeconds / steady, (pp - 1) / (v * m), 0.05, `bubble fraction pp ${pp} v ${v} m ${m}`);
  }
});

test('full recompute: HFU ≈ 4/3 · MFU (one extra forward), logits not recomputed', () => {
  const r = evaluateScenario(scenario({ model: { ...GPT3, attention: 'materialized' }, plan: { tp: 8, pp: 8, globalBatch: 64, recompute: 'full' } }));
  within(r.hfu / r.mfu, 4 / 3, 0.01, 'HFU/MFU');
  const none = evaluateScenario(scenario({ plan: { tp: 8, pp: 8, globalBatch: 64, recompute: 'none' } }));
  within(none.hfu, none.mfu, 1e-12, 'no recompute: HFU = MFU');
});

test('tokens/s = global batch · sequence / step time; energy = facility power · step time', () => {
  const r = evaluateScenario(scenario({ plan: { tp: 8, pp: 8, globalBatch: 64 }, training: { tokens: 1e9 } }));
  within(r.tokensPerSecond!, (64 * 2048) / r.stepTimeSeconds, 1e-12, 'tokens/s');
  within(r.power.energyPerStepJ, r.power.facilityPowerW * r.stepTimeSeconds, 1e-12, 'energy');
  assert.equal(r.run!.steps, Math.ceil(1e9 / (64 * 2048)));
  within(r.run!.costUsd, r.run!.steps * r.cost.costPerStepUsd, 1e-12, 'run cost');
});
