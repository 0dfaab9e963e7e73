// Event retention (issue 13 scope 4) in the store, against a closed form: after P progress events
// and L other events, exactly the newest ROUTINE_EVENTS_KEPT_PER_JOB progress events and all L
// others remain, and the pruned-through mark is the id of the newest progress event deleted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROUTINE_EVENTS_KEPT_PER_JOB } from '../../src/service/execution/event-retention.js';
import { migrate } from '../../src/service/store/migrations.js';
import { Store } from '../../src/service/store/store.js';
import { openPglite } from '../../src/server/db/pglite.js';

describe('event retention in the store', () => {
  it('keeps the newest progress events and every other event; records the highest pruned id', async () => {
    const sql = await openPglite('memory://');
    await migrate(sql);
    const store = new Store(sql);
    await store.createTenant({ id: 'ten', name: 'ten', maxTiles: null, maxGpus: null, budgetMicros: null, weight: 1 });
    const profile = { devices: 1, stepTimeSeconds: 1, totalSteps: 10_000, energyPerStepJ: 1, costPerStepUsd: 0, checkpointIntervalSteps: 10, checkpointBytes: 0, checkpointWriteSeconds: 0, restartSeconds: 0 };
    await store.insertJob({ id: 'job', tenantId: 'ten', name: null, spec: {}, profile, pool: 'dojo', resource: 'dojo-tile', devices: 1, slots: 1, priority: 0, predictedSeconds: 1, predictedMicros: 0n, submittedAt: 0, idempotencyKey: null }, { at: 0, kind: 'state', data: { state: 'queued' } });
    await store.updateJob('job', { attempt: 1 }, []);
    assert.deepEqual(await store.eventRetention(null, 'job'), { prunedThrough: 0, oldestKeptId: 1, keptPerJob: ROUTINE_EVENTS_KEPT_PER_JOB });
    const write = (step: number, kind: string) => store.recordProgress('job', 1, { step, durableStep: step, at: step, accounting: {} }, { event: { jobId: 'job', tenantId: 'ten', at: step, kind, data: { step } } });
    await write(0, 'started');
    const extra = 30;
    for (let step = 1; step <= ROUTINE_EVENTS_KEPT_PER_JOB + extra; step++) await write(step, step % 10 === 0 ? 'checkpointed' : 'progress');
    const events = await store.events(null, 'job', 0, 10_000);
    const progress = events.filter((e) => e.kind === 'progress');
    const totalProgress = ROUTINE_EVENTS_KEPT_PER_JOB + extra - Math.floor((ROUTINE_EVENTS_KEPT_PER_JOB + extra) / 10);
    assert.equal(progress.length, ROUTINE_EVENTS_KEPT_PER_JOB);
    assert.equal(events.filter((e) => e.kind === 'checkpointed').length, (ROUTINE_EVENTS_KEPT_PER_JOB + extra) / 10, 'every checkpoint kept');
    assert.deepEqual(events.slice(0, 2).map((e) => e.kind), ['state', 'started'], 'life-cycle events kept');
    // Ids are dense here (one writer), so the newest pruned progress event is the one just
    // below the oldest kept progress event that is not a checkpoint.
    const all = Array.from({ length: ROUTINE_EVENTS_KEPT_PER_JOB + extra }, (_, i) => ({ id: i + 3, kind: (i + 1) % 10 === 0 ? 'checkpointed' : 'progress' }));
    const pruned = all.filter((e) => e.kind === 'progress').slice(0, totalProgress - ROUTINE_EVENTS_KEPT_PER_JOB);
    assert.deepEqual(await store.eventRetention('ten', 'job'), { prunedThrough: pruned[pruned.length - 1]!.id, oldestKeptId: 1, keptPerJob: ROUTINE_EVENTS_KEPT_PER_JOB });
    assert.ok(!events.some((e) => pruned.some((p) => p.id === e.id)));
    assert.equal(await store.eventRetention('other-tenant', 'job'), undefined, 'another tenant cannot see it');
    await sql.close();
  });
});
