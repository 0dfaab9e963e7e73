// Sensitivity sweeps and the claims table: sweeping an assumption moves the result the way the
// mechanism says it must; hardware claims are rebuilt from the parts; every workload claim carries
// a verdict, the assumptions it hinges on and the variants it was re-run with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sweep, withOverride } from '../../src/engine/sweep.js';
import { evaluateClaims } from '../../src/engine/claims.js';
import { InputError } from '../../src/common/errors.js';
import { within } from '../helpers.js';

const trayDoc = {
  model: { kind: 'transformer', layers: 24, hidden: 2048, heads: 16, seqLen: 512, vocab: 51200 },
  system: { preset: 'dojo-tray' },
  plan: { tp: 1, pp: 1, microBatch: 1, globalBatch: 6, memoryMode: 'hbm-streaming' },
};

test('sweeping DIPs per tray on a stream-bound model scales throughput with HBM bandwidth', () => {
  const calls: [number, number, string][] = [];
  const r = sweep(trayDoc, 'tray', 'dojo.dipsPerTray', [10, 40], { onProgress: (done, total, label) => calls.push([done, total, label]) });
  assert.deepEqual(calls, [[1, 3, 'scenario as written'], [2, 3, 'dojo.dipsPerTray = 10'], [3, 3, 'dojo.dipsPerTray = 40']], 'progress after the baseline and each value');
  // 20 DIPs is the default: half as many halves the stream bandwidth, twice as many nearly doubles it.
  within(r.points[0]!.relativeThroughput!, 0.5, 0.05, 'dipsPerTray 10');
  assert.ok(r.points[1]!.relativeThroughput! > 1.8, `dipsPerTray 40: ${r.points[1]!.relativeThroughput}`);
});

test('sweeping an efficiency or a price re-evaluates; an unknown path names what is allowed', () => {
  const r = sweep(trayDoc, 'tray', 'prices.systems.dojo-tile.capexUsdPerNode', [300000]);
  within(r.points[0]!.report!.cost.costPerStepUsd / r.baseline!.cost.costPerStepUsd, 300000 / 150000, 0.2, 'capex doubles cost (energy aside)');
  assert.throws(() => withOverride(trayDoc, 'plan.tp', 2), (e: unknown) => e instanceof InputError && /not sweepable; allowed: dojo\.dipsPerTray/.test(e.message));
  assert.throws(() => withOverride({ ...trayDoc, system: { preset: 'dgx-h200', gpus: 8 } }, 'dojo.dipsPerTray', 2), (e: unknown) => e instanceof InputError && /Dojo preset/.test(e.message));
});

test('claims: hardware figures rebuilt from the parts hold; workload claims carry verdicts and variants', () => {
  const calls: [number, number, string][] = [];
  const rows = evaluateClaims({ workloads: [{ name: 'gpt3-175b', model: { preset: 'gpt3-175b' }, globalBatch: 1920 }], onProgress: (done, total, label) => calls.push([done, total, label]) });
  // One run each: the ExaPod, 4 assumptions × low/high, 2 GPU baselines, one tile, six servers.
  assert.deepEqual(calls.map(([done, total]) => [done, total]), Array.from({ length: 13 }, (_, i) => [i + 1, 13]), 'progress counts every search once, to the total');
  assert.equal(calls[0]![2], 'gpt3-175b on dojo-exapod');
  for (const id of ['tile-peak', 'tile-sram', 'exapod-peak', 'exapod-sram', 'exapod-hbm']) {
    const r = rows.find((x) => x.id === id);
    assert.ok(r, id);
    assert.equal(r.verdict, 'holds', `${id}: ${r.computed} vs ${r.claimed}`);
  }
  for (const kind of ['perf-per-cost', 'perf-per-watt', 'footprint']) {
    for (const base of ['dgx-a100-80gb', 'dgx-h100-80gb']) {
      const r = rows.find((x) => x.id === `${kind}/gpt3-175b/${base}`);
      assert.ok(r, `${kind} vs ${base}`);
      assert.ok(r.computed > 0 && Number.isFinite(r.computed));
      assert.ok(r.hingesOn.length > 0 && r.variants.length > 0, `${r.id} names and tries its assumptions`);
      assert.ok(['holds', 'holds only if', 'does not hold'].includes(r.verdict));
      if (r.verdict === 'holds only if') assert.ok(r.condition && r.condition.length > 0);
    }
  }
  // H100 is a stronger baseline than A100: every ratio must be lower against it.
  for (const kind of ['perf-per-cost', 'perf-per-watt', 'footprint']) {
    const a = rows.find((x) => x.id === `${kind}/gpt3-175b/dgx-a100-80gb`)!;
    const h = rows.find((x) => x.id === `${kind}/gpt3-175b/dgx-h100-80gb`)!;
    assert.ok(h.computed < a.computed, `${kind}: vs H100 ${h.computed} should be below vs A100 ${a.computed}`);
  }
  // A cheaper tile can only help performance per cost.
  const pc = rows.find((x) => x.id === 'perf-per-cost/gpt3-175b/dgx-a100-80gb')!;
  const cheap = pc.variants.find((v) => v.value === 75000)!;
  within(cheap.computed / pc.computed, 2, 0.001, 'half the tile price doubles perf per dollar');
  // The tile-vs-servers claim is a row even when the model cannot run on one tile, and then it is
  // not evaluable (no verdict), never "does not hold".
  const tile = rows.find((x) => x.id === 'tile-vs-six-servers/gpt3-175b');
  assert.ok(tile);
  assert.equal(tile.verdict, 'not evaluable', tile.detail);
  assert.match(tile.detail, /does not fit one tile/);
});

test('claims: the variants table in docs/claims.md is the data in claim-variants.json', async () => {
  const { readFileSync } = await import('node:fs');
  const { repoRoot } = await import('../regression/cases.js');
  const data = JSON.parse(readFileSync(`${repoRoot}src/engine/claim-variants.json`, 'utf8')) as { variants: { assumption: string; low: number; high: number }[] };
  const doc = readFileSync(`${repoRoot}docs/claims.md`, 'utf8');
  const rows = [...doc.matchAll(/^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => ({ assumption: m[1]!, low: m[2]!.trim(), high: m[3]!.trim() }));
  const num = (t: string) => Number(t.replace(/[$W\s]/g, '').replace(/k$/, '000'));
  assert.deepEqual(rows.map((r) => ({ assumption: r.assumption, low: num(r.low), high: num(r.high) })), data.variants.map(({ assumption, low, high }) => ({ assumption, low, high })));
});
