// Submissions that arrive while the control plane is busy share one admission batch and one
// scheduling pass per pool (Controller.admitSoon), and every job still ends up stored exactly as
// its scheduler holds it: the same state and pending reason a one-pass-per-submission control
// plane would have written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TileScheduler } from '../../src/service/scheduler/scheduler.js';
import { createTenant, smallJob, testService, type TestService } from './helpers.js';

describe('submission batching', () => {
  let t: TestService;
  before(async () => {
    // Housekeeping far apart, so every pass in the burst below comes from the submissions.
    t = await testService({ tickMs: 600_000, speedup: 1 });
  });
  after(async () => t.close());

  it('shares passes among concurrent submissions and stores every job as its scheduler holds it', async () => {
    const tenant = await createTenant(t.url, t.admin, 'batch');
    const spec = smallJob(1000, { resources: { tiles: 12 }, plan: { tp: 1, pp: 1, microBatch: 1, globalBatch: 12 } });
    // Price once first, so the burst does not also wait for the engine.
    await t.svc.controller.submit(tenant.id, spec, null);
    let passes = 0;
    const schedule = TileScheduler.prototype.schedule;
    TileScheduler.prototype.schedule = function (this: TileScheduler, ...a: Parameters<TileScheduler['schedule']>) {
      passes++;
      return schedule.apply(this, a);
    };
    const n = 20;
    let results;
    try {
      results = await Promise.all(Array.from({ length: n }, () => t.svc.controller.submit(tenant.id, spec, null)));
    } finally {
      TileScheduler.prototype.schedule = schedule;
    }
    assert.ok(results.every((r) => r.created));
    // One pass each would be 20; the PGlite queue makes later submissions wait behind the first
    // batch's writes, so they share the second. Half is a loose bound that still fails without batching.
    assert.ok(passes <= n / 2, `${passes} scheduling passes for ${n} concurrent submissions`);
    const s = t.svc.controller.scheduler('exapod')!;
    const states = new Map<string, number>();
    for (const r of results) {
      const rec = s.job(r.job.id);
      assert.ok(rec, `${r.job.id} is in the scheduler`);
      const row = (await t.svc.opened.store.job(tenant.id, r.job.id))!;
      assert.equal(row.state, rec.state, `${r.job.id}: stored state`);
      // The reply is the stored row after the job's pass, not the row as first inserted.
      assert.equal(r.job.state, row.state, `${r.job.id}: state in the reply`);
      if (rec.state !== 'running') assert.notEqual(row.pendingReason, null, `${r.job.id}: a waiting job says why`);
      states.set(rec.state, (states.get(rec.state) ?? 0) + 1);
    }
    // 120 tiles, 12 per job, one job submitted before the burst: 9 more run, the other 11 wait.
    assert.equal(states.get('running'), 9, JSON.stringify([...states]));
  });
});
