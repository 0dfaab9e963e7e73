// The Dojo hierarchy against Tesla's published figures (dojo-facts.md §2, §3, §5): every aggregate
// here is computed from the parts, so these tests fail if a part, a count or a formula is wrong.
// Tolerances are stated per figure: Tesla rounds (9 PF for 9.06, "1 EF" or 1.1 EF for 1.087).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';
import { parseSystemSpec } from '../../src/specs/registry.js';
import {
  DOJO_ASSUMPTION_KEYS,
  computeDojoAggregates,
  defaultDojoHierarchy,
  withDojoAssumptions,
} from '../../src/specs/dojo/dojo-hierarchy.js';
import { buildDojoSystem, dojoSystemPresets } from '../../src/specs/dojo/dojo-system.js';

const within = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance * 100}%)`);

const h = defaultDojoHierarchy();
const agg = computeDojoAggregates(h);
const { tile, tray, cabinet, exapod } = agg.levels;

test('D1: 362 TF BF16/CFP8 (S3 [T]), 22.6 TF FP32 (S6 [T]), 440 MB SRAM (S3 [T])', () => {
  within(agg.d1.peakTflopsBf16, 362, 0.005, 'D1 bf16');
  within(agg.d1.peakTflopsFp32, 22.6, 0.005, 'D1 fp32');
  within(agg.d1.sramMB, 440, 0.01, 'D1 SRAM');
});

test('tile: 9 PF, 11 GB SRAM, 36 TB/s off-tile (S1 [T])', () => {
  within(tile.peakTflopsBf16 / 1000, 9, 0.01, 'tile PF');
  within(tile.sramGB, 11, 0.01, 'tile SRAM GB');
  assert.equal(agg.tile.offTileBandwidthGBps, 36_000);
});

test('tray: 54 PF (S16 [T via P]); power computed from parts matches "100+ kW" within 10%', () => {
  within(tray.peakTflopsBf16 / 1000, 54, 0.01, 'tray PF');
  within(tray.powerW, h.tray.powerW, 0.1, 'tray power');
});

test('cabinet: "about 100 PF" (S19 [T], rounded; 108.7 derived)', () => {
  within(cabinet.peakTflopsBf16 / 1000, 100, 0.1, 'cabinet PF');
});

test('ExaPod: 1.1 EF (±2%; HC34 says "1 EF"), 1.3 TB SRAM (±3%), 13 TB HBM (±5%) (S1/S16 [T])', () => {
  within(exapod.peakTflopsBf16 / 1e6, 1.1, 0.02, 'ExaPod EF');
  within(exapod.sramGB / 1000, 1.3, 0.03, 'ExaPod SRAM TB');
  within(exapod.hbmGB / 1000, 13, 0.05, 'ExaPod HBM TB');
});

test('counts: 6 / 12 / 120 tiles; ExaPod 3,000 D1 and 1,062,000 nodes exactly (S14/S19 [T])', () => {
  assert.deepEqual([tile.tiles, tray.tiles, cabinet.tiles, exapod.tiles], [1, 6, 12, 120]);
  assert.equal(cabinet.d1s, 300);
  assert.equal(cabinet.nodes, 106_200);
  assert.equal(exapod.d1s, 3000);
  assert.equal(exapod.nodes, 1_062_000);
});

test('every preset validates as a SystemSpec, one tile per device, sized per level', () => {
  const presets = dojoSystemPresets();
  assert.deepEqual(presets.map((p) => p.name), ['dojo-tile', 'dojo-tray', 'dojo-cabinet', 'dojo-exapod']);
  const specs = presets.map((p) => parseSystemSpec(p, `preset ${p.name}`));
  assert.deepEqual(specs.map((s) => s.defaultDevices), [1, 6, 12, 120]);
  const pod = specs[3]!;
  assert.equal(pod.maxDevices, 120);
  assert.equal(pod.family, 'dojo');
  assert.equal(pod.priceKey, 'dojo-tile');
  assert.equal(pod.devicesPerNode, 1);
  assert.deepEqual(pod.tiers.map((t) => t.name), ['tray-mesh', 'pod-mesh', 'z-plane']);
  assert.equal(pod.tiers[0]!.domainDevices, 6);
  assert.equal(pod.tiers[1]!.domainDevices, undefined);
  assert.deepEqual(pod.tiers[0]!.topology, { kind: 'mesh2d', rows: 2, cols: 3 });
  assert.deepEqual(pod.tiers[1]!.topology, { kind: 'mesh2d', rows: 10, cols: 12 });
  // The Z-plane is a flat bypass network: 3.33 DIPs × 50 GB/s TTPoE per tile.
  assert.equal(pod.tiers[2]!.bypass, true);
  within(pod.tiers[2]!.bandwidthGBpsPerDirection, (20 / 6) * 50, 1e-9, 'z-plane GB/s per tile');
  assert.deepEqual(pod.device.memoryModes, ['hbm-streaming', 'sram-resident']);
  within(pod.device.onChipBandwidthGBps!, 25 * 354 * 400, 1e-9, 'tile SRAM load bandwidth');
});

test('tile device: one BF16/CFP8 rate (fp8 not doubled), HBM and bandwidth from the DIPs', () => {
  const d = parseSystemSpec(buildDojoSystem('tile'), 'dojo-tile').device;
  assert.equal(d.peakTflops.fp8, d.peakTflops.bf16);
  assert.equal(d.peakTflops.fp16, d.peakTflops.bf16);
  within(d.peakTflops.fp32!, 25 * 22.6, 0.005, 'tile fp32');
  assert.equal(d.memoryGB, agg.tile.dipsPerTile * h.dip.hbmGB);
  assert.equal(d.memoryBandwidthGBps, agg.tile.dipsPerTile * 800);
  within(d.onChipMemoryMB, 11_000, 0.01, 'tile SRAM MB');
  assert.equal(d.tdpW, 15_000);
});

test('every numeric figure of every preset carries a source', () => {
  for (const p of dojoSystemPresets()) {
    const s = parseSystemSpec(p, p.name);
    const missing = (obj: object, sources: Record<string, string> | undefined, skip: string[] = []) =>
      Object.entries(obj)
        .filter(([k, v]) => typeof v === 'number' && !skip.includes(k) && !(sources && k in sources))
        .map(([k]) => k);
    assert.deepEqual(missing(s.device, s.device.sources), [], `${s.name} device`);
    for (const t of s.tiers) assert.deepEqual(missing(t, t.sources), [], `${s.name} tier ${t.name}`);
    assert.deepEqual(missing(s, s.sources), [], `${s.name} system`);
  }
});

test('an assumption override changes the derived figures and records itself as the source', () => {
  const more = withDojoAssumptions(h, { dipsPerTray: 30 });
  assert.equal(computeDojoAggregates(more).levels.exapod.hbmGB, 20 * 30 * 32);
  assert.equal(exapod.hbmGB, 12_800, 'the default hierarchy is not mutated');
  assert.match(more.assumptions.sources.dipsPerTray!, /^override:/);

  const perDirection = withDojoAssumptions(h, { tileEdgeBandwidthIsBidirectional: false });
  const mesh = parseSystemSpec(buildDojoSystem('tray', perDirection), 'dojo-tray').tiers[0]!;
  assert.equal(mesh.bandwidthGBpsPerDirection, 2 * parseSystemSpec(buildDojoSystem('tray'), 'dojo-tray').tiers[0]!.bandwidthGBpsPerDirection);
});

test('an unknown override key throws an InputError naming the key and the allowed keys', () => {
  assert.throws(
    () => withDojoAssumptions(h, { dipsPerTile: 5 }),
    (e: unknown) => e instanceof InputError && e.message.includes('assumptions.dipsPerTile') && DOJO_ASSUMPTION_KEYS.every((k) => e.message.includes(k)),
  );
});

test('a bad override value throws an InputError naming the key', () => {
  assert.throws(() => withDojoAssumptions(h, { interTrayEdgeFraction: 2 }), (e: unknown) => e instanceof InputError && e.message.includes('assumptions.interTrayEdgeFraction'));
  assert.throws(() => withDojoAssumptions(h, { exapodTileGrid: [10, 11] }), (e: unknown) => e instanceof InputError && e.message.includes('assumptions.exapodTileGrid'));
});
