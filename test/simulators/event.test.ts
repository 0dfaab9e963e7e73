// The event-driven tier: the discrete-event core against hand-computed timelines (FIFO streams,
// dependencies, processor sharing), the pipeline schedule's shape, a differential test against
// the analytical tier on uncontended GPU scenarios (the two share per-op physics and differ only
// in scheduling), the Chrome trace format, and a contention case the analytical tier cannot see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { EventSimulation } from '../../src/simulators/event/engine.js';
import { collectivePhases, pipelineOrder } from '../../src/simulators/event/schedule.js';
import { collectiveSeconds } from '../../src/simulators/analytical/collectives.js';
import { parseScenario, type Scenario } from '../../src/engine/scenario.js';
import { evaluate, evaluateScenario } from '../../src/engine/evaluate.js';
import { rowScenario, type CalibrationRow } from '../../src/engine/calibration.js';
import { getSystemPreset, parseSystemSpec } from '../../src/specs/registry.js';
import { ensureBuiltins } from '../../src/engine/builtins.js';
import type { EventStepResult } from '../../src/simulators/event/simulate.js';
import type { StepReport } from '../../src/simulators/report.js';
import { within } from '../helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const loadExample = (file: string) => parseScenario(YAML.parse(readFileSync(`${root}${file}`, 'utf8')), file);
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const breakdownTotal = (r: StepReport) => Object.values(r.breakdown).reduce((a, b) => a + b, 0);

// ---- engine ---------------------------------------------------------------------------------

test('engine: a serial resource runs tasks one at a time in the order they were added', () => {
  const sim = new EventSimulation();
  const stream = sim.serialResource('compute', 'dev');
  const a = sim.task(stream, 1, { name: 'a', category: 'x' });
  const b = sim.task(stream, 2, { name: 'b', category: 'x' });
  const c = sim.task(stream, 0.5, { name: 'c', category: 'x' });
  assert.equal(sim.run(), 3.5);
  assert.deepEqual([a, b, c].map((t) => [t.start, t.end]), [[0, 1], [1, 3], [3, 3.5]]);
  assert.equal(stream.busySeconds, 3.5);
});

test('engine: a serial head waiting for a dependency blocks the tasks behind it (stream order)', () => {
  const sim = new EventSimulation();
  const other = sim.serialResource('other', 'dev');
  const stream = sim.serialResource('compute', 'dev');
  const slow = sim.task(other, 5, { name: 'slow', category: 'x' });
  const head = sim.task(stream, 2, { name: 'head', category: 'x', deps: [slow] });
  const behind = sim.task(stream, 1, { name: 'behind', category: 'x' });
  sim.run();
  assert.deepEqual([head.start, head.end, behind.start], [5, 7, 7]);
  assert.equal(head.waitedOn, slow, 'head records what it waited for');
});

test('engine: a task starts when its last dependency finishes', () => {
  const sim = new EventSimulation();
  const [r1, r2, r3] = [sim.serialResource('r1', 'g'), sim.serialResource('r2', 'g'), sim.serialResource('r3', 'g')];
  const d1 = sim.task(r1, 2, { name: 'd1', category: 'x' });
  const d2 = sim.task(r2, 3, { name: 'd2', category: 'x' });
  const t = sim.task(r3, 1, { name: 't', category: 'x', deps: [d1, d2] });
  assert.equal(sim.run(), 4);
  assert.deepEqual([t.readyAt, t.start, t.end], [3, 3, 4]);
  assert.equal(t.waitedOn, d2);
});

test('engine: processor sharing — one transfer takes bytes/bandwidth, two equal ones each take twice as long', () => {
  const alone = new EventSimulation();
  const link = alone.sharedResource('link', 'g', 100e9);
  const one = alone.task(link, 300e9, { name: 'one', category: 'x' });
  alone.run();
  assert.equal(one.end, 3);

  const shared = new EventSimulation();
  const link2 = shared.sharedResource('link', 'g', 100e9);
  const a = shared.task(link2, 300e9, { name: 'a', category: 'x' });
  const b = shared.task(link2, 300e9, { name: 'b', category: 'x' });
  shared.run();
  close(a.end, 6, 'a');
  close(b.end, 6, 'b');
  close(link2.busySeconds, 6, 'link busy');
});

test('engine: processor sharing re-divides bandwidth as transfers arrive and leave', () => {
  const sim = new EventSimulation();
  const link = sim.sharedResource('link', 'g', 100);
  const delay = sim.task(sim.serialResource('cpu', 'g'), 1, { name: 'delay', category: 'x' });
  const a = sim.task(link, 300, { name: 'a', category: 'x' });
  const b = sim.task(link, 100, { name: 'b', category: 'x', deps: [delay] });
  sim.run();
  // 0–1 s: a alone (200 left); then 50 each: b done at 3 (a has 100 left); a alone until 4.
  close(b.end, 3, 'b');
  close(a.end, 4, 'a');
});

test('engine: a task with an alongside transfer finishes at max(own work, transfer) and holds its stream', () => {
  const sim = new EventSimulation();
  const stream = sim.serialResource('compute', 'g');
  const hbm = sim.sharedResource('hbm', 'g', 10);
  const k = sim.task(stream, 1, { name: 'kernel', category: 'x' });
  const s = sim.alongside(k, hbm, 20, { name: 'weights', category: 'stream' });
  const next = sim.task(stream, 1, { name: 'next', category: 'x' });
  sim.run();
  assert.deepEqual([s.start, s.end, k.end, next.start], [0, 2, 2, 2]);
});

test('engine: a dependency cycle is reported, not looped on', () => {
  const sim = new EventSimulation();
  const r = sim.serialResource('r', 'g');
  const a = sim.task(r, 1, { name: 'a', category: 'x' });
  const b = sim.task(sim.serialResource('q', 'g'), 1, { name: 'b', category: 'x', deps: [a] });
  sim.depend(a, b);
  assert.throws(() => sim.run(), /stalled with 2 unfinished tasks/);
});

// ---- schedule -------------------------------------------------------------------------------

test('pipeline order: every chunk and micro-batch runs forward then backward once; warm-up as Megatron', () => {
  for (const [pp, v, m] of [[4, 1, 8], [4, 1, 2], [4, 2, 8], [4, 3, 4], [8, 3, 64]] as const) {
    for (let s = 0; s < pp; s++) {
      const order = pipelineOrder(pp, v, m, s);
      assert.equal(order.length, 2 * m * v);
      for (let c = 0; c < v; c++) {
        for (let i = 0; i < m; i++) {
          const f = order.findIndex((o) => o.forward && o.chunk === c && o.microBatch === i);
          const b = order.findIndex((o) => !o.forward && o.chunk === c && o.microBatch === i);
          assert.ok(f >= 0 && b > f, `pp${pp} v${v} m${m} stage ${s}: chunk ${c} mb ${i}`);
        }
      }
      const warm = order.findIndex((o) => !o.forward);
      const w = v === 1 ? Math.min(pp - s - 1, m) : m === pp ? m * v : Math.min(m * v, 2 * (pp - s - 1) + (v - 1) * pp);
      const expected = w < m * v ? w + 1 : m * v; // warm-up forwards, then one more forward before the first backward
      assert.equal(warm, expected, `pp${pp} v${v} m${m} stage ${s}: forwards before the first backward`);
    }
  }
});

test('collective phases sum to collectiveSeconds (switched hierarchy, and Dojo mesh with a bypass)', () => {
  ensureBuiltins();
  const dgx = getSystemPreset('dgx-a100-80gb');
  const exapod = getSystemPreset('dojo-exapod');
  // A fast flat network beside a slow hierarchy: collectives take the bypass as one phase.
  const bypass = parseSystemSpec({ ...JSON.parse(JSON.stringify(dgx)), name: 'with-bypass', tiers: [...dgx.tiers, { name: 'bypass', bypass: true, bandwidthGBpsPerDirection: 1000, latencyUs: 1, efficiencyCurve: [[1, 1]] }] }, 'test');
  assert.equal(collectivePhases(bypass, 'all-reduce', 1e9, { size: 64, stride: 8 }).map((p) => bypass.tiers[p.tier]!.name).join(), 'bypass');
  for (const [spec, g, bytes] of [[dgx, { size: 16, stride: 8 }, 4e9], [dgx, { size: 32, stride: 1 }, 1e9], [exapod, { size: 60, stride: 2 }, 2e9], [exapod, { size: 120, stride: 1 }, 1e6], [bypass, { size: 64, stride: 8 }, 1e9]] as const) {
    for (const kind of ['all-reduce', 'reduce-scatter', 'all-gather'] as const) {
      const phases = collectivePhases(spec, kind, bytes, g);
      within(phases.reduce((a, p) => a + p.seconds, 0), collectiveSeconds(spec, kind, bytes, g), 1e-12, `${spec.name} ${kind} ${g.size}/${g.stride}`);
      for (const p of phases) assert.ok(p.tier >= 0 && p.tier < spec.tiers.length);
    }
  }
});

// ---- differential: event vs analytical on uncontended GPU scenarios --------------------------

const calibrationRows = JSON.parse(readFileSync(`${root}data/calibration/calibration.json`, 'utf8')) as CalibrationRow[];
function rowById(id: string): Scenario {
  const row = calibrationRows.find((r) => r.id === id);
  assert.ok(row, `calibration row ${id}`);
  const built = rowScenario(row);
  assert.ok('doc' in built, `row ${id} is expressible`);
  return parseScenario(built.doc, id);
}

const differential: [string, () => Scenario, string][] = [
  ['examples/gpt3-175b-a100.yaml', () => loadExample('examples/gpt3-175b-a100.yaml'), 'pp 8, dp 16, overlapped DP'],
  ['examples/llama2-70b-h100.yaml', () => loadExample('examples/llama2-70b-h100.yaml'), 'interleaved v 5, ZeRO-1'],
  ['examples/resnet50-a100.yaml', () => loadExample('examples/resnet50-a100.yaml'), 'pure DP, pp 1'],
  ['mlm21-t1-1.7B', () => rowById('mlm21-t1-1.7B'), 'pp 1, dp 32, full recompute'],
  ['mlm21-t1-39B', () => rowById('mlm21-t1-39B'), 'pp 2 non-interleaved, dp 32, overlapGradReduce false'],
  ['mlm21-t1-76B', () => rowById('mlm21-t1-76B'), 'interleaved v 3, dp 32, overlapGradReduce false'],
  ['k22-t5-175B-seqpar', () => rowById('k22-t5-175B-seqpar'), 'interleaved v 3, pp 8, dp 1, selective + SP'],
];

const results: { name: string; analytical: StepReport; events: EventStepResult }[] = [];
for (const [name, make, what] of differential) {
  test(`differential: ${name} (${what}) — event step within 5% of analytical`, () => {
    const s = make();
    const analytical = evaluateScenario(s);
    const events = evaluate(s, { tier: 'event' }).result;
    results.push({ name, analytical, events });
    within(events.report.stepTimeSeconds, analytical.stepTimeSeconds, 0.05, `${name} event vs analytical step time`);
    close(breakdownTotal(events.report), events.report.stepTimeSeconds, `${name}: event breakdown adds up to the step`);
    assert.deepEqual(Object.keys(events.report.breakdown).sort(), Object.keys(analytical.breakdown).sort(), 'same breakdown fields');
    assert.equal(events.report.peakMemoryBytesPerDevice, analytical.peakMemoryBytesPerDevice, 'same memory model');
    assert.equal(events.report.modelFlopsPerStep, analytical.modelFlopsPerStep);
  });
}

test('determinism: the same scenario simulates to the same timeline twice', () => {
  const s = rowById('k22-t5-175B-seqpar');
  const [a, b] = [evaluate(s, { tier: 'event' }).result, evaluate(s, { tier: 'event' }).result];
  assert.equal(a.report.stepTimeSeconds, b.report.stepTimeSeconds);
  assert.deepEqual(a.utilization, b.utilization);
});

test('utilization of every resource is within [0, 1], and compute streams are busy', () => {
  assert.ok(results.length > 0, 'differential tests ran first');
  for (const { name, events } of results) {
    for (const u of events.utilization) {
      assert.ok(u.utilization >= 0 && u.utilization <= 1, `${name} ${u.resource}: ${u.utilization}`);
      assert.ok(u.busySeconds >= 0 && u.busySeconds <= events.report.stepTimeSeconds * (1 + 1e-9), `${name} ${u.resource} busy ${u.busySeconds}`);
    }
    const compute = events.utilization.filter((u) => u.resource.endsWith('/ compute'));
    assert.equal(compute.length, events.report.plan.pp, `${name}: one compute stream per stage`);
    assert.ok(compute.every((u) => u.utilization > 0.5), `${name}: compute streams mostly busy`);
  }
});

// ---- trace ----------------------------------------------------------------------------------

test('trace: valid Chrome trace JSON, one labeled track group per stage, complete events with ts, dur ≥ 0', () => {
  const s = loadExample('examples/gpt3-175b-a100.yaml');
  const r = evaluate(s, { tier: 'event', tierOptions: { trace: true, traceMicroBatches: 2 } }).result;
  const trace = JSON.parse(JSON.stringify(r.trace)) as { traceEvents: Record<string, unknown>[]; displayTimeUnit: string; metadata: Record<string, unknown> };
  assert.ok(Array.isArray(trace.traceEvents) && trace.traceEvents.length > 0);
  assert.equal(trace.displayTimeUnit, 'ms');
  const complete = trace.traceEvents.filter((e) => e.ph === 'X');
  assert.ok(complete.length > 0);
  for (const e of complete) {
    assert.ok(typeof e.ts === 'number' && e.ts >= 0 && typeof e.dur === 'number' && e.dur >= 0, JSON.stringify(e));
    assert.ok(typeof e.name === 'string' && typeof e.cat === 'string' && typeof e.pid === 'number' && typeof e.tid === 'number');
  }
  const processes = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => (e.args as { name: string }).name);
  assert.deepEqual(processes, Array.from({ length: 8 }, (_, i) => `stage ${i}`), 'one track group per stage');
  const computeThreads = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && (e.args as { name: string }).name === 'compute');
  assert.equal(computeThreads.length, 8, 'one compute track per stage');
  // The cap keeps micro-batches 0–1 and 94–95 only, plus everything not tied to a micro-batch.
  const mbs = new Set(complete.map((e) => (e.args as { microBatch?: number } | undefined)?.microBatch).filter((x) => x !== undefined));
  assert.deepEqual([...mbs].sort((a, b) => a! - b!), [0, 1, 94, 95]);
  assert.ok((trace.metadata.droppedTasks as number) > 0);
  const end = Math.max(...complete.map((e) => (e.ts as number) + (e.dur as number)));
  within(end / 1e6, r.report.stepTimeSeconds, 1e-6, 'last event ends at the step time');
});

// ---- contention -----------------------------------------------------------------------------

/** 8 single-device nodes; either one network carries everything, or the data-parallel groups
 * (4 neighbours) have their own link of the same bandwidth and pipeline sends another. */
function contentionScenario(sharedLink: boolean): Scenario {
  const link = (name: string, domainDevices?: number) => ({ name, ...(domainDevices ? { domainDevices } : {}), bandwidthGBpsPerDirection: 4.5, latencyUs: 5, efficiencyCurve: [[1, 1]] });
  return parseScenario(
    {
      model: { kind: 'transformer', layers: 16, hidden: 1024, heads: 16, seqLen: 8192, vocab: 256 },
      system: {
        name: sharedLink ? 'one-link' : 'two-links',
        device: { name: 'gpu', peakTflops: { bf16: 312 }, matmulEfficiencyMax: { bf16: 0.87 }, memoryGB: 80, memoryBandwidthGBps: 2000, memoryEfficiency: 0.9, tdpW: 400, idlePowerW: 60 },
        devicesPerNode: sharedLink ? 1 : 4,
        defaultDevices: 8,
        tiers: sharedLink ? [link('ethernet')] : [link('dp-link', 4), link('pp-link')],
        nodeOtherPowerW: 0,
      },
      // FSDP (ZeRO-3) gathers every layer's parameters in every forward and backward, on the
      // same link the pipeline sends its activations and gradients over.
      plan: { tp: 1, pp: 2, dp: 4, microBatch: 1, globalBatch: 512, zeroStage: 3, overlapGradReduce: true },
    },
    'contention scenario',
  );
}

test('contention: ZeRO-3 gathers and pipeline sends on one link — the event tier is slower and shows the saturated link', () => {
  const shared = contentionScenario(true);
  const analytical = evaluateScenario(shared);
  const events = evaluate(shared, { tier: 'event' }).result;
  const split = evaluate(contentionScenario(false), { tier: 'event' }).result;
  const links = events.utilization.filter((u) => /ethernet$/.test(u.resource));
  const busiest = links.reduce((a, b) => (b.utilization > a.utilization ? b : a));
  assert.ok(busiest.utilization >= 0.85, `shared link utilization ${busiest.utilization}`);
  assert.ok(events.report.stepTimeSeconds > analytical.stepTimeSeconds * 1.03, `event ${events.report.stepTimeSeconds} s vs analytical ${analytical.stepTimeSeconds} s`);
  // Same bandwidths on separate links: the difference is the contention alone.
  assert.ok(events.report.stepTimeSeconds > split.report.stepTimeSeconds * 1.03, `shared ${events.report.stepTimeSeconds} s vs separate links ${split.report.stepTimeSeconds} s`);
  assert.ok(events.report.notes.some((n) => n.includes('ethernet')), 'the notes name the busiest link');
});
