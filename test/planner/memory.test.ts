// The memory model against Korthikanti et al. 2022 (eq. 5 and Table 2) and as properties:
// sharding and recompute only ever reduce memory; the parts add up to the total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluateScenario } from '../../src/engine/evaluate.js';
import { GPT3, scenario, within } from '../helpers.js';

test('GPT-3 175B activations on the first stage match Korthikanti: 34·s·b·h·L/t with SP + selective recompute', () => {
  // tp 8, pp 8, one micro-batch: the first stage keeps pp micro-batches of L/pp layers = L layers' worth.
  const r = evaluateScenario(scenario({ model: { ...GPT3, attention: 'materialized' }, plan: { tp: 8, pp: 8, globalBatch: 64, recompute: 'selective', sequenceParallel: true } }));
  const { seqLen: s, hidden: h, layers: L, heads: a } = GPT3;
  const steady = (34 * s * h * L) / 8;
  // Beyond Korthikanti's steady state: the dropped attention core of one layer is live again
  // while it is recomputed (5·a·s²/t), and stage 0 keeps its embedding-dropout masks
  // (s·h/t bytes for each of the 8 micro-batches in flight).
  const recomputeWorkingSet = (5 * a * s * s) / 8;
  const embeddingMasks = ((s * h) / 8) * 8;
  within(r.memory.activationsBytes, steady + recomputeWorkingSet + embeddingMasks, 0.002, 'stage-0 activation bytes');
});

test('without SP or recompute the activation term grows to s·b·h·L·(10 + 24/t + 5·a·s/(h·t)) (Korthikanti eq. 4)', () => {
  const r = evaluateScenario(scenario({ model: { ...GPT3, attention: 'materialized' }, plan: { tp: 8, pp: 8, globalBatch: 64, recompute: 'none', sequenceParallel: false } }));
  const { seqLen: s, hidden: h, layers: L, heads: a } = GPT3;
  within(r.memory.activationsBytes, s * h * L * (10 + 24 / 8 + (5 * a * s) / (h * 8)), 0.02, 'stage-0 activation bytes');
});

test('weights, gradients and optimizer state follow 2 + 4 + 12 bytes per parameter over tp·pp (no ZeRO)', () => {
  const r = evaluateScenario(scenario({ plan: { tp: 8, pp: 8, globalBatch: 64, recompute: 'full' } }));
  const paramsPerDevice = r.memory.weightsBytes / 2;
  within(paramsPerDevice, 174.6e9 / 64, 0.08, 'parameters per device (stage 0 carries the embedding)');
  within(r.memory.gradientsBytes, paramsPerDevice * 4, 1e-9, 'fp32 gradients');
  within(r.memory.optimizerBytes, paramsPerDevice * 12, 1e-9, 'Adam state');
});

test('property: ZeRO stages, recompute and TP never increase memory; parts add up', () => {
  const model = { kind: 'transformer', layers: 24, hidden: 2048, heads: 16, seqLen: 2048, vocab: 51200 };
  fc.assert(
    fc.property(fc.constantFrom(1, 2, 4, 8), fc.constantFrom(1, 2, 4), fc.constantFrom(1, 2, 4), (tp, pp, mb) => {
      const dp = 64 / (tp * pp);
      const mem = (plan: Record<string, unknown>) => evaluateScenario(scenario({ model, plan: { tp, pp, dp, microBatch: mb, globalBatch: 256, sequenceParallel: tp > 1, ...plan } })).memory;
      let prev = Infinity;
      for (const zeroStage of [0, 1, 2, 3]) {
        const m = mem({ zeroStage });
        assert.ok(m.totalBytes <= prev + 1, `ZeRO ${zeroStage} increased memory`);
        prev = m.totalBytes;
        const sum = m.weightsBytes + m.gradientsBytes + m.optimizerBytes + m.activationsBytes + m.workspaceBytes;
        assert.ok(Math.abs(sum - m.totalBytes) < 1, 'parts add up');
      }
      const none = mem({ recompute: 'none' }).activationsBytes;
      const sel = mem({ recompute: 'selective' }).activationsBytes;
      const full = mem({ recompute: 'full' }).activationsBytes;
      assert.ok(none >= sel && sel >= full, `recompute none ${none} ≥ selective ${sel} ≥ full ${full}`);
    }),
    { numRuns: 40 },
  );
});

test('a plan that does not fit says by how much and which part dominates', () => {
  const r = evaluateScenario(scenario({ system: { preset: 'dgx-a100-40gb', gpus: 8 }, plan: { tp: 8, pp: 1, globalBatch: 8 } }));
  assert.equal(r.fits, false);
  assert.ok(r.memory.overBytes > 0);
  assert.equal(r.memory.dominant, 'optimizer');
  assert.ok(r.notes.some((n) => /does not fit.*GB over.*optimizer/.test(n)), r.notes.join('\n'));
});
