// Execution in virtual time: the clocks (event order, cancel, real-time scaling with a fake
// timer), run profiles against the engine facade, and the executor's checkpoint / failure /
// preemption accounting in closed form, including the worked example in docs/execution.md and a
// property over random fault times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ManualClock, ScaledClock, type RealTimer } from '../../src/service/execution/clock.js';
import { RunProfileCache, runProfile, type RunProfile } from '../../src/service/execution/job-runtime.js';
import { JobExecutor, type ExecutionEvent } from '../../src/service/execution/executor.js';
import { parseScenario } from '../../src/engine/scenario.js';
import { evaluateScenario } from '../../src/engine/evaluate.js';
import { InputError } from '../../src/common/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const close = (a: number, b: number, what: string, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** A hand-written profile: the numbers of the worked example in docs/execution.md. */
const DOC_PROFILE: RunProfile = {
  devices: 8,
  stepTimeSeconds: 2,
  totalSteps: 1000,
  energyPerStepJ: 10_000,
  costPerStepUsd: 0.01,
  checkpointIntervalSteps: 100,
  checkpointBytes: 3e12,
  checkpointWriteSeconds: 30,
  restartSeconds: 120,
};

function harness(profile: RunProfile = DOC_PROFILE) {
  const clock = new ManualClock();
  const events: ExecutionEvent[] = [];
  const ex = new JobExecutor(clock, { onEvent: (e) => events.push(e) });
  ex.start({ id: 'j', profile }, 0);
  return { clock, events, ex, kinds: () => events.map((e) => e.kind) };
}

/** Uninterrupted run time: compute plus every checkpoint before the last step. */
const cleanRuntime = (p: RunProfile) => p.totalSteps * p.stepTimeSeconds + (Math.ceil(p.totalSteps / p.checkpointIntervalSteps) - 1) * p.checkpointWriteSeconds;

// ---- clocks ---------------------------------------------------------------------------------

test('ManualClock: callbacks run by time, then by insertion; cancel removes one; past times run now', () => {
  const c = new ManualClock();
  const log: string[] = [];
  c.schedule(5, () => log.push('b5'));
  c.schedule(2, (at) => {
    log.push(`a${at}`);
    c.schedule(2, () => log.push('a2-child')); // same time, scheduled later: runs after c2
  });
  c.schedule(2, () => log.push('c2'));
  const h = c.schedule(3, () => log.push('never'));
  c.schedule(5, () => log.push('d5'));
  assert.equal(c.cancel(h), true);
  assert.equal(c.cancel(h), false);
  assert.equal(c.runUntil(4), 3);
  assert.equal(c.now(), 4);
  c.schedule(1, (at) => log.push(`late@${at}`)); // in the past: runs at the current time
  assert.equal(c.runAll(), 3);
  assert.deepEqual(log, ['a2', 'c2', 'a2-child', 'late@4', 'b5', 'd5']);
  assert.equal(c.now(), 5);
  assert.equal(c.pending, 0);
  assert.throws(() => c.runUntil(1), RangeError);
});

/** A fake real timer: time moves only when the test advances it. */
class FakeTimer implements RealTimer {
  ms = 1_000;
  private seq = 0;
  readonly timers = new Map<number, { due: number; fn: () => void }>();
  now() {
    return this.ms;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.seq++;
    this.timers.set(id, { due: this.ms + ms, fn });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers.delete(h as number);
  }
  advance(ms: number) {
    this.ms += ms;
    for (const [id, t] of [...this.timers].sort((a, b) => a[1].due - b[1].due)) {
      if (t.due <= this.ms) {
        this.timers.delete(id);
        t.fn();
      }
    }
  }
}

test('ScaledClock: virtual time runs at the speedup over the injected real timer', () => {
  const real = new FakeTimer();
  const c = new ScaledClock(3600, real, 100); // one virtual hour per real second, starting at t = 100 s
  assert.equal(c.now(), 100);
  real.advance(500);
  assert.equal(c.now(), 100 + 1800);
  const fired: number[] = [];
  c.schedule(100 + 3600, (at) => fired.push(at)); // half a real second from now
  const dropped = c.schedule(100 + 7200, (at) => fired.push(at));
  assert.equal([...real.timers.values()][0]!.due - real.ms, 500);
  assert.equal(c.cancel(dropped), true);
  real.advance(499);
  assert.deepEqual(fired, []);
  real.advance(1);
  assert.deepEqual(fired, [3700]);
  real.advance(10_000);
  assert.deepEqual(fired, [3700]);

  const rt = new ScaledClock(1, new FakeTimer()); // real time: 1 virtual second per 1000 ms
  assert.equal(rt.realDelayMs(2.5), 2500);
  assert.throws(() => new ScaledClock(0, real), RangeError);
  assert.throws(() => new ScaledClock(Infinity, real), RangeError);
});

// ---- run profiles from the engine -----------------------------------------------------------

const GPT_1B = { kind: 'transformer', layers: 24, hidden: 2048, heads: 16, seqLen: 2048, vocab: 51200 } as const;
const A100_DOC = { model: GPT_1B, system: { preset: 'dgx-a100-80gb', gpus: 64 }, plan: { tp: 1, pp: 1, microBatch: 4, globalBatch: 256 } };
const TRAY_DOC = { model: { ...GPT_1B, seqLen: 512 }, system: { preset: 'dojo-tray' }, plan: { tp: 1, pp: 1, microBatch: 1, globalBatch: 6, memoryMode: 'hbm-streaming' } };

for (const [name, doc, devices] of [['GPT 1.3B on 8× dgx-a100-80gb', A100_DOC, 8], ['GPT 1.3B on a dojo-tray', TRAY_DOC, 6]] as const) {
  test(`job duration = steps × the engine's step time: ${name}`, () => {
    const steps = 250;
    const profile = runProfile({ scenario: doc, devices, training: { steps }, checkpointInterval: { steps: 100 }, storageGBps: Infinity });
    const direct = evaluateScenario(parseScenario({ ...doc, system: { preset: doc.system.preset, devices }, training: { steps } }, 'direct'));
    assert.equal(profile.devices, devices);
    assert.equal(profile.totalSteps, steps);
    assert.equal(profile.stepTimeSeconds, direct.stepTimeSeconds);
    assert.equal(profile.energyPerStepJ, direct.power.energyPerStepJ);
    assert.equal(profile.costPerStepUsd, direct.cost.costPerStepUsd);
    assert.equal(profile.checkpointWriteSeconds, 0);
    assert.equal(profile.checkpointBytes, (direct.memory.weightsBytes + direct.memory.optimizerBytes) * devices);

    const { clock, ex, events } = harness(profile);
    clock.runAll();
    const done = events.find((e) => e.kind === 'succeeded')!;
    close(done.at, steps * direct.stepTimeSeconds, 'duration');
    const acc = ex.accounting('j');
    assert.equal(acc.goodput, 1);
    close(acc.energyJ, steps * direct.power.energyPerStepJ, 'energy');
    close(acc.costUsd, steps * direct.cost.costPerStepUsd, 'cost');
    assert.deepEqual(events.filter((e) => e.kind === 'checkpointed').map((e) => e.step), [100, 200]);
  });
}

test('run profiles: the placed count replaces the scenario\'s, tokens become steps, a time interval rounds down; cached per (scenario, devices)', () => {
  const cache = new RunProfileCache();
  const tokens = { tokens: 256 * 2048 * 40 }; // 40 steps of 256 × 2048 tokens
  const p = cache.profile({ scenario: A100_DOC, devices: 8, training: tokens, checkpointInterval: { seconds: 10.5 * 1 } });
  assert.equal(p.totalSteps, 40);
  assert.equal(p.checkpointIntervalSteps, Math.max(1, Math.floor(10.5 / p.stepTimeSeconds)));
  assert.ok(p.checkpointWriteSeconds > 0 && p.restartSeconds > p.checkpointWriteSeconds);
  cache.profile({ scenario: { ...A100_DOC }, devices: 8, training: tokens, checkpointInterval: { steps: 5 } });
  assert.deepEqual([cache.hits, cache.misses], [1, 1]);
  const p16 = cache.profile({ scenario: A100_DOC, devices: 16, training: tokens, checkpointInterval: { steps: 5 } });
  assert.equal(cache.misses, 2);
  assert.equal(p16.devices, 16);
  assert.ok(p16.stepTimeSeconds < p.stepTimeSeconds);
  assert.throws(() => runProfile({ scenario: A100_DOC, devices: 8, checkpointInterval: { steps: 5 } }), (e: unknown) => e instanceof InputError && e.issues[0]!.path === 'training');
  assert.throws(() => runProfile({ scenario: TRAY_DOC, devices: 7, training: { steps: 1 }, checkpointInterval: { steps: 1 } }), InputError); // a tray has 6 tiles
});

test('run profiles: plan auto is searched on the placed devices', () => {
  const p = runProfile({ scenario: { ...TRAY_DOC, plan: { auto: true, globalBatch: 6 } }, devices: 6, training: { steps: 10 }, checkpointInterval: { steps: 5 } });
  assert.ok(p.plan && p.stepTimeSeconds > 0);
  assert.equal(p.plan.tp * p.plan.pp * p.plan.dp * (p.plan.cp ?? 1), 6);
});

// ---- checkpoints, failures, preemption ------------------------------------------------------

test('checkpoints land every interval; the last step needs none', () => {
  const { clock, events, ex } = harness();
  clock.runAll();
  const cps = events.filter((e) => e.kind === 'checkpointed');
  assert.deepEqual(cps.map((e) => e.step), [100, 200, 300, 400, 500, 600, 700, 800, 900]);
  assert.deepEqual(cps.map((e) => e.at), cps.map((_, i) => (i + 1) * (200 + 30)));
  assert.equal(events.at(-1)!.at, cleanRuntime(DOC_PROFILE));
  assert.equal(ex.accounting('j').checkpointSeconds, 9 * 30);
});

test('the worked example in docs/execution.md: a failure loses the work since the last checkpoint', () => {
  const { clock, events, ex, kinds } = harness();
  clock.runUntil(1000);
  const mid = ex.progress('j');
  assert.deepEqual([mid.step, mid.durableStep, mid.accounting.atRiskStepSeconds], [440, 400, 80]);
  assert.equal(mid.eta, 2270);
  assert.equal(ex.fail('j', 1000), 80);
  assert.equal(ex.state('j'), 'stopped');
  assert.equal(ex.progress('j').eta, undefined);
  ex.start({ id: 'j', profile: DOC_PROFILE }, 1000); // the scheduler placed it again at once
  assert.equal(ex.progress('j', 1000).eta, 2470);
  clock.runAll();
  assert.deepEqual(kinds().slice(5, 9), ['failed', 'restarted', 'checkpointed', 'checkpointed']);
  const end = events.at(-1)!;
  assert.equal(end.kind, 'succeeded');
  const a = ex.accounting('j');
  const row = { runtime: end.at, useful: a.usefulStepSeconds, lost: a.lostStepSeconds, checkpoint: a.checkpointSeconds, restart: a.restartSeconds, goodput: Number(a.goodput.toFixed(4)), deviceSeconds: a.deviceSeconds, energyJ: a.energyJ };
  assert.deepEqual(row, { runtime: 2470, useful: 2000, lost: 80, checkpoint: 270, restart: 120, goodput: 0.8097, deviceSeconds: 19_760, energyJ: 12_350_000 });
  assert.deepEqual(a.segments, [{ devices: 8, start: 0, end: 1000 }, { devices: 8, start: 1000, end: 2470 }]);
  // The doc quotes the same figures.
  const doc = readFileSync(`${root}docs/execution.md`, 'utf8');
  for (const figure of ['2,270 s', '80 step-seconds', '2,470 s', '0.8097', '19,760 device-seconds', '12.35 MJ']) assert.ok(doc.includes(figure), `docs/execution.md quotes ${figure}`);
});

test('a failure during a checkpoint write loses the whole interval; the partial write counts as checkpoint time', () => {
  const { clock, ex } = harness();
  clock.runUntil(210); // writing the first checkpoint since t = 200
  assert.equal(ex.fail('j', 210), 200);
  ex.start({ id: 'j', profile: DOC_PROFILE }, 210);
  clock.runAll();
  const a = ex.accounting('j');
  assert.equal(a.segments.at(-1)!.end, cleanRuntime(DOC_PROFILE) + 200 + 10 + 120);
  assert.equal(a.checkpointSeconds, 270 + 10);
});

test('preemption finishes the step in flight, checkpoints and stops: no work lost', () => {
  const { clock, events, ex } = harness();
  clock.runUntil(1001); // computing step 441 (started at 1000)
  const stopsAt = ex.preempt('j', 1001);
  assert.equal(stopsAt, 1002 + 30);
  assert.equal(ex.state('j'), 'stopping');
  clock.runUntil(stopsAt);
  assert.equal(ex.state('j'), 'stopped');
  assert.deepEqual(events.slice(-2).map((e) => [e.kind, e.at, e.durableStep]), [['checkpointed', 1032, 441], ['preempted', 1032, 441]]);
  ex.start({ id: 'j', profile: DOC_PROFILE }, 5000); // placed again much later
  clock.runAll();
  const a = ex.accounting('j');
  assert.equal(a.lostStepSeconds, 0);
  assert.equal(a.usefulStepSeconds, 2000);
  // Runtime grows by exactly the extra write and the restart: the next checkpoints are at 541, 641, …
  const busy = a.segments.reduce((s, g) => s + g.end! - g.start, 0);
  assert.equal(busy, cleanRuntime(DOC_PROFILE) + 30 + 120);
  assert.equal(events.filter((e) => e.kind === 'checkpointed').at(-1)!.step, 941);
  // Preempting with nothing new since the checkpoint stops at once.
  const h = harness();
  h.clock.runUntil(230);
  assert.equal(h.ex.preempt('j', 230), 230);
  assert.equal(h.ex.state('j'), 'stopped');
});

test('goodput is 1 with no faults and free checkpoints; progress events and ETA', () => {
  const clock = new ManualClock();
  const seen: ExecutionEvent[] = [];
  const ex = new JobExecutor(clock, { onEvent: (e) => seen.push(e), progressIntervalSeconds: 500 });
  const profile = { ...DOC_PROFILE, checkpointWriteSeconds: 0 };
  ex.start({ id: 'j', profile }, 0);
  clock.runUntil(700);
  const p = ex.progress('j');
  assert.deepEqual([p.state, p.step, p.fraction, p.eta], ['running', 350, 0.35, 2000]);
  clock.runAll();
  assert.equal(ex.accounting('j').goodput, 1);
  assert.deepEqual(seen.filter((e) => e.kind === 'progress').map((e) => [e.at, e.step]), [[500, 250], [1000, 500], [1500, 750], [2000, 1000]]);
  assert.equal(ex.progress('j').fraction, 1);
  assert.throws(() => ex.fail('j'), /succeeded/);
});

test('property: random fault times — useful work = the job, lost ≥ 0, goodput in (0, 1], accounting adds up', () => {
  fc.assert(
    fc.property(
      fc.record({
        steps: fc.integer({ min: 1, max: 400 }),
        interval: fc.integer({ min: 1, max: 120 }),
        stepTime: fc.double({ min: 0.1, max: 5, noNaN: true }),
        write: fc.double({ min: 0, max: 20, noNaN: true }),
        restart: fc.double({ min: 0, max: 50, noNaN: true }),
        faults: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        devices: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 7, maxLength: 7 }),
      }),
      ({ steps, interval, stepTime, write, restart, faults, devices }) => {
        const base: RunProfile = { devices: devices[0]!, stepTimeSeconds: stepTime, totalSteps: steps, energyPerStepJ: 5 * stepTime, costPerStepUsd: stepTime, checkpointIntervalSteps: interval, checkpointBytes: 0, checkpointWriteSeconds: write, restartSeconds: restart };
        const clean = cleanRuntime(base);
        const clock = new ManualClock();
        const ex = new JobExecutor(clock);
        ex.start({ id: 'j', profile: base }, 0);
        let lostSum = 0;
        let restarts = 0;
        for (const f of [...faults].sort((a, b) => a - b).map((x) => x * clean * 2)) {
          clock.runUntil(Math.max(f, clock.now()));
          if (ex.state('j') !== 'running') break;
          const lost = ex.fail('j', clock.now());
          assert.ok(lost >= 0);
          lostSum += lost;
          restarts++;
          // Restarts on another placement: a different device count (same step count).
          ex.start({ id: 'j', profile: { ...base, devices: devices[restarts]! } }, clock.now());
        }
        clock.runAll();
        assert.equal(ex.state('j'), 'succeeded');
        const a = ex.accounting('j');
        close(a.usefulStepSeconds, steps * stepTime, 'useful', 1e-9);
        close(a.lostStepSeconds, lostSum, 'lost', 1e-9);
        assert.ok(a.goodput > 0 && a.goodput <= 1 + 1e-12, `goodput ${a.goodput}`);
        const wall = a.segments.reduce((s, g) => s + (g.end! - g.start), 0);
        close(wall, a.usefulStepSeconds + a.lostStepSeconds + a.checkpointSeconds + a.restartSeconds, 'time adds up', 1e-9);
        close(a.deviceSeconds, a.segments.reduce((s, g) => s + g.devices * (g.end! - g.start), 0), 'device-seconds', 1e-9);
        close(a.energyJ, 5 * wall, 'energy', 1e-9);
        assert.equal(a.segments.length, restarts + 1);
        assert.ok(a.restartSeconds <= restarts * restart * (1 + 1e-9));
      },
    ),
    { numRuns: 300, seed: 20240517 },
  );
});
