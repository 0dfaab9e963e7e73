// Event retention seen through SSE (issue 13 scope 4; docs/execution.md "Event retention"): a
// replay from a pruned id starts at the oldest kept event after it, announced by an
// `event: pruned` frame without an id. Reference: the store's own retention mark and events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROUTINE_EVENTS_KEPT_PER_JOB } from '../../src/service/execution/event-retention.js';
import { call, createTenant, smallJob, testService, waitFor, type TestService } from './helpers.js';

describe('SSE replay from a pruned event id', () => {
  let t: TestService;
  let a: { id: string; key: string };
  before(async () => {
    t = await testService();
    a = await createTenant(t.url, t.admin, 'replayer');
  });
  after(async () => t.close());

  it('says where the kept history starts, then replays only kept events', async () => {
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(5_000_000, { resources: { tiles: 1 } }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const store = t.svc.opened.store;
    const row = await waitFor('running', async () => {
      const j = await store.job(null, r.body.id);
      return j?.state === 'running' && j.attempt > 0 && j;
    });
    // More progress than is kept, written as the run host writes it.
    for (let i = 0; i < ROUTINE_EVENTS_KEPT_PER_JOB + 20; i++) {
      await store.recordProgress(row.id, row.attempt, { step: 0, durableStep: 0, at: row.runStartedAt ?? 0, accounting: {} }, { event: { jobId: row.id, tenantId: a.id, at: row.runStartedAt ?? 0, kind: 'progress', data: { step: 0 } } });
    }
    const kept = (await store.eventRetention(a.id, row.id))!;
    assert.ok(kept.prunedThrough > 1, `pruned through ${kept.prunedThrough}`);

    const ac = new AbortController();
    const res = await fetch(`${t.url}/v1/jobs/${row.id}/events`, { headers: { authorization: `Bearer ${a.key}`, accept: 'text/event-stream', 'last-event-id': '1' }, signal: ac.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    while (text.split('\n\n').filter((f) => f.includes('id: ')).length < 3) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    const frames = text.split('\n\n').filter((f) => !f.startsWith(':') && f.trim());
    assert.match(frames[0]!, /^event: pruned\ndata: /);
    assert.ok(!/^id: /m.test(frames[0]!), 'the notice has no id');
    const notice = JSON.parse(frames[0]!.split('data: ')[1]!);
    assert.deepEqual(notice, { lastEventId: 1, prunedThrough: kept.prunedThrough, oldestKeptId: kept.oldestKeptId, prunedKinds: ['progress'], keptPerJob: ROUTINE_EVENTS_KEPT_PER_JOB });
    // What follows is the kept history after id 1, in order: exactly the store's events.
    const ids = frames.slice(1).map((f) => Number(/^id: (\d+)/m.exec(f)![1]));
    const expected = (await store.events(a.id, row.id, 1, 3)).map((e) => e.id);
    assert.deepEqual(ids.slice(0, 3), expected);
    for (const f of frames.slice(1)) if (/^event: progress/m.test(f)) assert.ok(Number(/^id: (\d+)/m.exec(f)![1]) > kept.prunedThrough, 'no pruned progress event is replayed');
    await call(t.url, 'POST', `/v1/jobs/${row.id}/cancel`, a.key);
  });
});
