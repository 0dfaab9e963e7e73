// Dojo-specific mechanisms deciding results (issue 3): DIP HBM streaming and the host feed as
// bottlenecks, SRAM residency winning where the model fits and impossible where it does not, and
// collectives choosing between the 2D mesh and the Z-plane by message size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../../src/engine/scenario.js';
import { evaluateScenario } from '../../src/engine/evaluate.js';
import { searchPlans } from '../../src/engine/search.js';
import { buildDojoSystem } from '../../src/specs/dojo/dojo-system.js';
import { defaultDojoHierarchy, withDojoAssumptions } from '../../src/specs/dojo/dojo-hierarchy.js';
import { getSystemPreset } from '../../src/specs/registry.js';
import { collectiveRoute } from '../../src/simulators/analytical/collectives.js';
import { ensureBuiltins } from '../../src/engine/builtins.js';

const small = { kind: 'transformer', layers: 24, hidden: 2048, heads: 16, seqLen: 512, vocab: 51200 };
const run = (doc: Record<string, unknown>) => evaluateScenario(parseScenario(doc, 'dojo test'));

test('DIP HBM is the bottleneck when weights stream for short micro-batches, and more DIPs relieve it', () => {
  const plan = { tp: 1, pp: 1, microBatch: 1, globalBatch: 6, memoryMode: 'hbm-streaming' };
  const r = run({ model: small, system: { preset: 'dojo-tray' }, plan });
  assert.ok(r.breakdown.streamStallSeconds > 0.3 * r.breakdown.computeSeconds, `stall ${r.breakdown.streamStallSeconds} vs compute ${r.breakdown.computeSeconds}`);
  assert.ok(r.notes.some((n) => /offchip-memory stalls compute/.test(n)), r.notes.join('\n'));
  // Twice the DIPs per tray doubles the HBM bandwidth per tile: the stall must shrink.
  const moreDips = buildDojoSystem('tray', withDojoAssumptions(defaultDojoHierarchy(), { dipsPerTray: 40 }));
  const r2 = run({ model: small, system: { ...moreDips, tiles: 6 }, plan });
  assert.ok(r2.stepTimeSeconds < r.stepTimeSeconds * 0.85, `${r2.stepTimeSeconds} vs ${r.stepTimeSeconds}`);
});

test('SRAM residency wins where the model fits on chip: no streamed weights, same compute', () => {
  const plan = { tp: 1, pp: 1, microBatch: 1, globalBatch: 6, zeroStage: 3 };
  const sram = run({ model: small, system: { preset: 'dojo-tray' }, plan: { ...plan, memoryMode: 'sram-resident' } });
  const hbm = run({ model: small, system: { preset: 'dojo-tray' }, plan: { ...plan, memoryMode: 'hbm-streaming' } });
  assert.ok(sram.fits, sram.notes.join('\n'));
  assert.equal(sram.breakdown.streamStallSeconds, 0);
  assert.ok(sram.stepTimeSeconds < hbm.stepTimeSeconds, `${sram.stepTimeSeconds} vs ${hbm.stepTimeSeconds}`);
  const best = searchPlans(parseScenario({ model: small, system: { preset: 'dojo-tray' }, plan: { auto: true, globalBatch: 6, microBatch: 1 } }, 'search'));
  assert.equal(best.best[0]!.plan.memoryMode, 'sram-resident', JSON.stringify(best.best[0]!.plan));
});

test('a model too big for SRAM cannot be SRAM-resident; the planner falls back to HBM streaming and says why', () => {
  const gpt3 = { preset: 'gpt3-175b' };
  const sram = run({ model: gpt3, system: { preset: 'dojo-tray' }, plan: { tp: 2, pp: 1, globalBatch: 6, zeroStage: 3, memoryMode: 'sram-resident' } });
  assert.equal(sram.fits, false);
  assert.ok(sram.notes.some((n) => /does not fit/.test(n)));
  const best = searchPlans(parseScenario({ model: gpt3, system: { preset: 'dojo-exapod' }, plan: { auto: true, globalBatch: 1920 } }, 'search'));
  assert.equal(best.best[0]!.plan.memoryMode, 'hbm-streaming');
  assert.ok(best.best[0]!.notes.some((n) => /memory mode hbm-streaming/.test(n)));
});

test('the host feed limits a small CNN on a Dojo tile (decoded images over 100 Gb/s DNICs)', () => {
  const r = run({ model: { kind: 'resnet50' }, system: { preset: 'dojo-tile' }, plan: { microBatch: 256, globalBatch: 256, memoryMode: 'sram-resident' } });
  assert.ok(r.breakdown.streamStallSeconds > 0, JSON.stringify(r.breakdown));
  assert.ok(r.notes.some((n) => /host-feed stalls compute/.test(n)), r.notes.join('\n'));
  // Samples/s is bounded by the feed: host GB/s / bytes per image.
  const spec = getSystemPreset('dojo-tile');
  const feedBound = (spec.device.hostFeedGBps! * 1e9) / (3 * 224 * 224);
  assert.ok(r.samplesPerSecond <= feedBound * 1.001, `${r.samplesPerSecond} vs feed bound ${feedBound}`);
});

test('mesh or Z-plane: the answer hinges on the unpublished mesh hop latency', () => {
  ensureBuiltins();
  const group = { size: 120, stride: 1 };
  // Default assumption (1 ns per node hop): even a 64 KiB all-reduce is cheaper over the mesh.
  const pod = getSystemPreset('dojo-exapod');
  assert.equal(collectiveRoute(pod, 'all-reduce', 64 * 1024, group).via, 'hierarchy');
  // At 50 ns per hop (flow control, software synchronisation), small buffers take the Z-plane's
  // few switch hops; large gradients still take the mesh's bandwidth.
  const slowHops = parseScenario({ model: small, system: { ...buildDojoSystem('exapod', withDojoAssumptions(defaultDojoHierarchy(), { meshHopLatencyNs: 50 })), tiles: 120 }, plan: { globalBatch: 120 } }, 'x').system.spec;
  const tiny = collectiveRoute(slowHops, 'all-reduce', 64 * 1024, group);
  assert.equal(tiny.via, 'z-plane', JSON.stringify(tiny));
  assert.ok(tiny.seconds < tiny.hierarchySeconds);
  assert.equal(collectiveRoute(slowHops, 'all-reduce', 4e9, group).via, 'hierarchy');
});

test('both tiers see the host feed bound the video network on a Dojo tray, and agree within 5%', async () => {
  const { evaluate } = await import('../../src/engine/evaluate.js');
  const doc = {
    model: { preset: 'tesla-video-net', timeSteps: 2 },
    system: { preset: 'dojo-tray' },
    plan: { tp: 1, pp: 1, microBatch: 1, globalBatch: 6, recompute: 'full', zeroStage: 3, memoryMode: 'hbm-streaming' },
  };
  const analytical = run(doc);
  assert.ok(analytical.notes.some((n) => /host-feed stalls compute/.test(n)), analytical.notes.join('\n'));
  const events = evaluate(parseScenario(doc, 'video on a tray'), { tier: 'event' }).result;
  const ratio = events.report.stepTimeSeconds / analytical.stepTimeSeconds;
  assert.ok(Math.abs(ratio - 1) <= 0.05, `event/analytical = ${ratio}`);
  // Resources are named per representative device: "stage 0 / host-feed".
  const busiest = events.utilization.reduce((a, b) => (b.utilization > a.utilization ? b : a));
  assert.equal(busiest.resource, 'stage 0 / host-feed', JSON.stringify(events.utilization));
  const compute = events.utilization.find((u) => u.resource === 'stage 0 / compute')!;
  assert.ok(busiest.utilization > compute.utilization, 'the feed is busier than the tiles compute');
});
