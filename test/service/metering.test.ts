// Metering against its references: a closed form for the pure piece-cutting, and, for the run
// host, the stored accounting itself. The regression reproduces without the soak what the soak
// found (issue 13): a host killed mid-segment wrote accounting the next host carried on, but no
// usage for it, so the ledger ended below the job's usage (1,420,414 against 234,428,376
// milli-device-seconds in the soak). Here the kill is `abandonAll()` after the writes landed —
// exactly what a kill -9 leaves — and the restart is a fresh host with the stored accounting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meterSince, type MeteredSegment } from '../../src/service/billing/metering.js';
import { carriedFrom } from '../../src/service/api/restorer.js';
import { RunHost, type RunAssignment } from '../../src/service/api/run-host.js';
import { silentLogger } from '../../src/service/api/logger.js';
import { ManualClock } from '../../src/service/execution/clock.js';
import { migrate } from '../../src/service/store/migrations.js';
import { Store, type StoredProfile } from '../../src/service/store/store.js';
import { openPglite } from '../../src/server/db/pglite.js';

const ctx = { tenantId: 't', jobId: 'j', attempt: 1, resource: 'dojo-tile', powerW: 1000 };

describe('meterSince', () => {
  it('cuts segments into pieces that telescope to each segment’s device-milliseconds (closed form)', () => {
    const segs: MeteredSegment[] = [{ devices: 2, start: 1.0004, end: 3.5 }, { devices: 3, start: 10 }];
    let cursor = { index: 0, untilMs: null as number | null };
    let deviceMs = 0;
    let energyJ = 0;
    for (const now of [2.2, 3.5, 11.25, 11.25, 12.0006]) {
      const r = meterSince(segs, cursor, now, ctx);
      cursor = r.cursor;
      for (const u of r.usage) {
        deviceMs += u.devices * (u.endMs - u.startMs);
        energyJ += u.energyJoules ?? 0;
      }
    }
    // Closed form: 2 × (3500 − 1000) + 3 × (12001 − 10000) device-ms, boundaries rounded to ms.
    assert.equal(deviceMs, 2 * 2500 + 3 * 2001);
    // 1 kW over (2.5 + 2.001) s of holding, each piece rounded to the joule (5 pieces at most).
    assert.ok(Math.abs(energyJ - 1000 * 4.501) <= 3, `energy ${energyJ}`);
    assert.deepEqual(cursor, { index: 1, untilMs: 12001 });
  });

  it('gives each piece its own idempotency key and nothing for an empty interval', () => {
    const segs: MeteredSegment[] = [{ devices: 1, start: 0 }];
    const a = meterSince(segs, { index: 0, untilMs: null }, 1, ctx);
    const b = meterSince(segs, a.cursor, 1, ctx);
    const c = meterSince(segs, b.cursor, 2, ctx);
    assert.equal(b.usage.length, 0);
    assert.notEqual(a.usage[0]!.idempotencyKey, c.usage[0]!.idempotencyKey);
    assert.equal(c.usage[0]!.startMs, a.usage[0]!.endMs);
  });
});

const profile: StoredProfile = { devices: 4, stepTimeSeconds: 2, totalSteps: 1000, energyPerStepJ: 3000, costPerStepUsd: 0.01, checkpointIntervalSteps: 100, checkpointBytes: 1e9, checkpointWriteSeconds: 5, restartSeconds: 30 };

async function setup() {
  const sql = await openPglite('memory://');
  await migrate(sql);
  const store = new Store(sql);
  await store.createTenant({ id: 'ten', name: 'ten', maxTiles: null, maxGpus: null, budgetMicros: null, weight: 1 });
  await store.insertJob({ id: 'job', tenantId: 'ten', name: null, spec: {}, profile, pool: 'dojo', resource: 'dojo-tile', devices: 4, slots: 4, priority: 0, predictedSeconds: 2000, predictedMicros: 0n, submittedAt: 0, idempotencyKey: null }, { at: 0, kind: 'state', data: {} });
  await store.updateJob('job', { state: 'running', attempt: 1 }, []);
  return { sql, store };
}

/** Device-milliseconds and joules in the job's usage ops. */
async function billed(store: Store): Promise<{ deviceMs: number; energyJ: number; ops: number }> {
  const ops = await store.ledgerOpsAfter(0);
  let deviceMs = 0;
  let energyJ = 0;
  for (const op of ops) {
    const p = op.payload as { devices: number; startMs: number; endMs: number; energyJoules?: number };
    deviceMs += p.devices * (p.endMs - p.startMs);
    energyJ += p.energyJoules ?? 0;
  }
  return { deviceMs, energyJ, ops: ops.length };
}

describe('run host metering across a kill -9 (regression, issue 13)', () => {
  it('bills every device-second the stored accounting counts, after a host dies mid-segment', async () => {
    const { sql, store } = await setup();
    const log = silentLogger;
    const clock = new ManualClock(0);
    const first = new RunHost(store, clock, log);
    const a1: RunAssignment = { jobId: 'job', tenantId: 'ten', attempt: 1, resource: 'dojo-tile', profile, resumeFromStep: 0 };
    first.start(a1);
    clock.runUntil(700); // 350 steps: three checkpoints written, progress every 20 s
    await first.flush();
    first.abandonAll(); // kill -9: the open segment is never closed
    const killed = (await store.job(null, 'job'))!;
    assert.ok(killed.durableStep === 300 && Number(killed.accounting!.deviceSeconds) > 0);

    // The restart: a fresh host, the next attempt from the durable step, the stored accounting carried.
    await store.updateJob('job', { attempt: 2 }, []);
    const second = new RunHost(store, clock, log);
    second.start({ ...a1, attempt: 2, resumeFromStep: killed.durableStep, lostSteps: killed.step - killed.durableStep, carried: carriedFrom(killed) });
    clock.runUntil(1200);
    // Then a preemption and a restart on the same host, as the controller does it (the stored
    // accounting as `carried`): that host must still count the time before the kill.
    second.signal('job', 2, 'preempt');
    clock.runUntil(1300);
    await second.flush();
    const preempted = (await store.job(null, 'job'))!;
    await store.updateJob('job', { attempt: 3 }, []);
    second.start({ ...a1, attempt: 3, resumeFromStep: preempted.durableStep, carried: carriedFrom(preempted) });
    clock.runUntil(5000);
    await second.flush();
    const done = (await store.job(null, 'job'))!;
    assert.equal(done.finishedAt !== null, true, 'the job finished');
    const used = done.accounting as { deviceSeconds: number; energyJ: number };
    const b = await billed(store);
    // Reference: the stored accounting. Each op rounds its two boundaries to the ms, which
    // telescope within a segment: at most 1 ms × 4 devices per segment (3 segments).
    assert.ok(Math.abs(b.deviceMs - used.deviceSeconds * 1000) <= 12, `billed ${b.deviceMs} device-ms, used ${used.deviceSeconds * 1000}`);
    assert.ok(Math.abs(b.energyJ - used.energyJ) <= b.ops, `billed ${b.energyJ} J, used ${used.energyJ}`);
    // Every host's time is in it: the first host's 700 s, and the second's two runs
    // (two restores, the 650 steps left after the kill, checkpoints).
    assert.ok(used.deviceSeconds > 4 * 700 + 4 * 1300, `used ${used.deviceSeconds} device-seconds`);
    await sql.close();
  });

  it('bills a cancelled run exactly the device time it held (closed form)', async () => {
    const { sql, store } = await setup();
    const clock = new ManualClock(0);
    const host = new RunHost(store, clock, silentLogger);
    host.start({ jobId: 'job', tenantId: 'ten', attempt: 1, resource: 'dojo-tile', profile, resumeFromStep: 0 });
    clock.runUntil(333);
    host.signal('job', 1, 'cancel');
    await host.flush();
    const used = (await store.job(null, 'job'))!.accounting as { deviceSeconds: number };
    const b = await billed(store);
    assert.equal(b.deviceMs, 4 * 333_000);
    assert.ok(Math.abs(used.deviceSeconds * 1000 - b.deviceMs) <= 4);
    await sql.close();
  });
});
