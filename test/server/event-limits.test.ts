// Issue 13.4/13.6 (store and run side): a checkpoint interval under the minimum is refused
// naming the key and the minimum; routine events (progress, checkpointed) are capped per job
// per wall second and coalesced, while the job row keeps the exact step and durable step.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MIN_CHECKPOINT_INTERVAL_SECONDS } from '../../src/service/api/job-pricer.js';
import { PROGRESS_EVENTS_PER_JOB_PER_SECOND } from '../../src/service/api/run-host.js';
import { call, createTenant, smallJob, testService, waitFor, type TestService } from './helpers.js';

describe('event limits (issue 13.4, 13.6)', () => {
  let t: TestService;
  let a: { id: string; key: string };
  before(async () => {
    t = await testService();
    a = await createTenant(t.url, t.admin, 'chatty');
  });
  after(async () => t.close());

  it('checkpointInterval {steps: 1} is a 422 naming checkpointInterval.steps and the minimum; nothing stored', async () => {
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(100_000, { checkpointInterval: { steps: 1 } }));
    assert.equal(r.status, 422);
    assert.equal(r.body.errors[0].field, 'checkpointInterval.steps');
    assert.match(r.body.errors[0].message, new RegExp(`minimum is ${MIN_CHECKPOINT_INTERVAL_SECONDS} s`));
    const s = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(100_000, { checkpointInterval: { seconds: 10 } }));
    assert.equal(s.body.errors[0].field, 'checkpointInterval.seconds');
    assert.equal((await call(t.url, 'GET', '/v1/jobs', a.key)).body.jobs.length, 0);
  });

  it('progress events are capped per job per wall second; every checkpoint is still an event', async () => {
    // 60,000 steps of ~1.35 s with a checkpoint every 300 s: ~270 checkpoints in ~2.3 s of wall
    // time at 36,000x, i.e. over 100 routine events per second without the cap.
    const started = performance.now();
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(60_000, { checkpointInterval: { seconds: MIN_CHECKPOINT_INTERVAL_SECONDS } }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const checkpoints = Math.ceil(r.body.prediction.totalSteps / r.body.prediction.checkpointIntervalSteps) - 1;
    const done = await waitFor('success', async () => {
      const j = await call(t.url, 'GET', `/v1/jobs/${r.body.id}`, a.key);
      return j.body.state === 'succeeded' && j.body;
    }, 60_000);
    const wallSeconds = (performance.now() - started) / 1000;
    assert.equal(done.progress.step, 60_000, 'the row has the exact final step');
    const events = (await call(t.url, 'GET', `/v1/jobs/${r.body.id}/events`, a.key)).body.events as { kind: string }[];
    const progress = events.filter((e) => e.kind === 'progress').length;
    assert.equal(events.filter((e) => e.kind === 'checkpointed').length, checkpoints, 'one event per checkpoint');
    assert.ok(progress <= Math.ceil(PROGRESS_EVENTS_PER_JOB_PER_SECOND * wallSeconds) + 1, `${progress} progress events in ${wallSeconds.toFixed(1)} s`);
    assert.ok(events.some((e) => e.kind === 'succeeded'), 'life-cycle events are always written');
  });
});
