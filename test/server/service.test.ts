// The training service end to end over HTTP on the embedded database: two tenants submit,
// follow, cancel and are billed; isolation (a tenant cannot read, list, cancel or infer another's
// jobs); roles; quotas; a failed tile restarts a job from its checkpoint; idempotent submits;
// rate and body limits; the OpenAPI document. Virtual time runs at 36,000× so jobs take
// fractions of a wall second.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createTenant, smallJob, testService, waitFor, type TestService } from './helpers.js';

describe('training service over HTTP (embedded database)', () => {
  let t: TestService;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  before(async () => {
    t = await testService();
    a = await createTenant(t.url, t.admin, 'acme', { maxTiles: 60 });
    b = await createTenant(t.url, t.admin, 'globex');
  });
  after(async () => t.close());

  it('health and the OpenAPI document generated from the request schemas', async () => {
    assert.equal((await call(t.url, 'GET', '/health', null)).status, 200);
    const doc = (await call(t.url, 'GET', '/docs/openapi.json', null)).body;
    assert.equal(doc.openapi, '3.1.0');
    const submit = doc.paths['/v1/jobs'].post;
    const schema = submit.requestBody.content['application/json'].schema;
    assert.ok(schema.properties.resources && schema.properties.training && schema.properties.checkpointInterval, 'job spec fields come from JobSpecSchema');
    assert.ok(submit.responses['422'] && submit.responses['401'] && submit.responses['413']);
  });

  it('a tenant submits a job that is placed on the ExaPod, runs in virtual time, succeeds and is billed', async () => {
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob());
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.resources.pool, 'exapod');
    assert.equal(r.body.resources.devices, 6);
    assert.ok(r.body.prediction.stepTimeSeconds > 0 && r.body.prediction.totalSteps === 2000);
    const id = r.body.id;
    const done = await waitFor('success', async () => {
      const j = await call(t.url, 'GET', `/v1/jobs/${id}`, a.key);
      return j.body.state === 'succeeded' && j.body;
    });
    assert.equal(done.progress.step, 2000);
    assert.equal(done.accounting.goodput > 0.99, true);
    const events = (await call(t.url, 'GET', `/v1/jobs/${id}/events`, a.key)).body.events as { kind: string; state?: string; reason?: string }[];
    const states = events.filter((e) => e.kind === 'state').map((e) => e.state);
    assert.deepEqual(states, ['queued', 'admitted', 'placing', 'running', 'succeeded']);
    assert.ok(events.some((e) => e.kind === 'succeeded'));
    // Billing: the usage entries add up to the totals, at the rate card's tile-hour price.
    const usage = await waitFor('usage', async () => {
      const u = await call(t.url, 'GET', '/v1/usage', a.key);
      return u.body.entries.length > 0 && u.body;
    });
    const sum = usage.entries.reduce((s: number, e: { amountUsd: string }) => s + Math.round(Number(e.amountUsd.replace('$', '')) * 1e6), 0);
    assert.equal(sum, Math.round(Number(usage.totals.amountUsd.replace('$', '')) * 1e6));
    const compute = usage.entries.find((e: { kind: string; jobId: string }) => e.kind === 'compute' && e.jobId === id);
    assert.ok(compute, 'a compute entry for the job');
  });

  it('follows a job over Server-Sent Events to its end', async () => {
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(3000));
    const res = await fetch(`${t.url}/v1/jobs/${r.body.id}/events`, { headers: { authorization: `Bearer ${a.key}`, accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    const text = await res.text(); // the server ends the stream after the terminal state
    const kinds = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    assert.ok(kinds.includes('progress'), 'progress events stream while it runs');
    assert.equal(kinds[kinds.length - 1], 'end');
    assert.match(text, /"state":"succeeded"/);
    assert.match(text, /^id: \d+$/m);
  });

  it('isolation: another tenant cannot read, list, cancel, follow or infer the job', async () => {
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(200_000));
    const id = r.body.id;
    const unknown = await call(t.url, 'GET', '/v1/jobs/job_0000000000000000', b.key);
    const foreign = await call(t.url, 'GET', `/v1/jobs/${id}`, b.key);
    assert.equal(foreign.status, 404);
    assert.deepEqual({ ...foreign.body, instance: undefined }, { ...unknown.body, instance: undefined, detail: foreign.body.detail }, 'a foreign id looks exactly like an unknown one');
    assert.equal((await call(t.url, 'POST', `/v1/jobs/${id}/cancel`, b.key)).status, 404);
    assert.equal((await call(t.url, 'GET', `/v1/jobs/${id}/events`, b.key)).status, 404);
    const list = await call(t.url, 'GET', '/v1/jobs', b.key);
    assert.equal(list.body.jobs.length, 0);
    assert.deepEqual(list.body.counts, {}, 'counts are per tenant');
    const usage = await call(t.url, 'GET', `/v1/usage?tenant=${a.id}`, b.key);
    assert.equal(usage.status, 404);
    const pools = await call(t.url, 'GET', '/v1/pools', b.key);
    assert.ok(!JSON.stringify(pools.body).includes(id), 'the pool grid shows others’ tiles as busy, not their ids');
    // Still running for its owner; the owner cancels, twice (idempotent).
    const c1 = await call(t.url, 'POST', `/v1/jobs/${id}/cancel`, a.key);
    assert.equal(c1.status, 200);
    assert.equal(c1.body.state, 'cancelled');
    const c2 = await call(t.url, 'POST', `/v1/jobs/${id}/cancel`, a.key);
    assert.equal(c2.body.state, 'cancelled');
  });

  it('roles: no key 401, a tenant key on admin routes 403, an admin cannot submit', async () => {
    assert.equal((await call(t.url, 'GET', '/v1/jobs', null)).status, 401);
    assert.equal((await call(t.url, 'GET', '/v1/jobs', 'odk_000000000000_' + 'x'.repeat(43))).status, 401);
    const forbidden = await call(t.url, 'GET', '/v1/tenants', a.key);
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.headers.get('content-type')!, /application\/problem\+json/);
    assert.equal((await call(t.url, 'POST', '/v1/jobs', t.admin, smallJob())).status, 403);
    const me = await call(t.url, 'GET', '/v1/me', a.key);
    assert.equal(me.body.tenant.name, 'acme');
  });

  it('quotas: over the tenant’s tile quota is refused at submit; jobs beyond it wait with reason quota', async () => {
    const q = await createTenant(t.url, t.admin, 'small-co', { maxTiles: 6 });
    const big = await call(t.url, 'POST', '/v1/jobs', q.key, { ...smallJob(), resources: { tiles: 12 } });
    assert.equal(big.status, 422);
    assert.equal(big.body.errors[0].field, 'resources');
    const first = await call(t.url, 'POST', '/v1/jobs', q.key, smallJob(500_000));
    const second = await call(t.url, 'POST', '/v1/jobs', q.key, smallJob(2000));
    assert.equal(first.body.state, 'running');
    const waiting = await waitFor('quota pending', async () => {
      const j = await call(t.url, 'GET', `/v1/jobs/${second.body.id}`, q.key);
      return j.body.pendingReason === 'quota' && j.body;
    });
    assert.equal(waiting.state, 'queued', 'a job over quota is not admitted');
    await call(t.url, 'POST', `/v1/jobs/${first.body.id}/cancel`, q.key);
    // 2,000 steps take ~0.1 s of wall time at this speed-up: it may have finished between polls.
    await waitFor('second runs', async () => ['running', 'succeeded'].includes((await call(t.url, 'GET', `/v1/jobs/${second.body.id}`, q.key)).body.state));
  });

  it('a failed tile evicts its job, which restarts from its checkpoint elsewhere and accounts the lost work', async () => {
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(40_000, { checkpointInterval: { steps: 1000 } }));
    const id = r.body.id;
    const running = await waitFor('a checkpoint', async () => {
      const j = await call(t.url, 'GET', `/v1/jobs/${id}`, a.key);
      return j.body.progress.durableStep >= 2000 && j.body.state === 'running' && j.body;
    });
    const { row, col } = running.resources.rect;
    const fail = await call(t.url, 'POST', `/v1/pools/exapod/tiles/${row}/${col}/health`, t.admin, { healthy: false });
    assert.deepEqual(fail.body, { evicted: id });
    const done = await waitFor('success after restart', async () => {
      const j = await call(t.url, 'GET', `/v1/jobs/${id}`, a.key);
      return j.body.state === 'succeeded' && j.body;
    }, 30_000);
    assert.equal(done.progress.restarts, 1);
    assert.ok(done.accounting.failures === 1 && done.accounting.lostStepSeconds > 0, JSON.stringify(done.accounting));
    assert.ok(done.accounting.goodput < 1);
    const states = (await call(t.url, 'GET', `/v1/jobs/${id}/events`, a.key)).body.events.filter((e: { kind: string }) => e.kind === 'state').map((e: { state: string; reason: string }) => `${e.state}:${e.reason}`);
    assert.ok(states.includes('preempted:tile-unhealthy') && states.includes('recovering:restart-from-checkpoint'), states.join(' '));
    await call(t.url, 'POST', `/v1/pools/exapod/tiles/${row}/${col}/health`, t.admin, { healthy: true });
  });

  it('an Idempotency-Key makes a retried submit return the first job', async () => {
    const h = { 'idempotency-key': 'retry-1' };
    const one = await call(t.url, 'POST', '/v1/jobs', b.key, smallJob(), h);
    const two = await call(t.url, 'POST', '/v1/jobs', b.key, smallJob(), h);
    assert.equal(one.status, 201);
    assert.equal(two.status, 200);
    assert.equal(two.body.id, one.body.id);
  });

  it('a job over its budget is refused naming maxBudgetUsd; invalid specs name the field', async () => {
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(2000, { maxBudgetUsd: 0.01 }));
    assert.equal(r.status, 422);
    assert.equal(r.body.errors[0].field, 'maxBudgetUsd');
    const bad = await call(t.url, 'POST', '/v1/jobs', a.key, { ...smallJob(), resources: { shape: '2by3' } });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.errors.some((e: { field: string }) => e.field.startsWith('resources')), JSON.stringify(bad.body));
  });

  it('invoices: issuing the current, still open period is refused naming the period', async () => {
    const usage = (await call(t.url, 'GET', '/v1/usage', a.key)).body;
    const open = await call(t.url, 'POST', '/v1/invoices', t.admin, { tenant: a.id, period: usage.currentPeriod });
    assert.equal(open.status, 422, 'the current period is not closed');
    assert.equal(open.body.errors[0].field, 'period');
  });
});

describe('limits', () => {
  let t: TestService;
  before(async () => {
    t = await testService({ ratePerSecond: 5, rateBurst: 5, maxBodyBytes: 4096 });
  });
  after(async () => t.close());

  it('rate limits a key with 429 and Retry-After', async () => {
    const c = await createTenant(t.url, t.admin, 'chatty');
    const replies = await Promise.all(Array.from({ length: 12 }, () => call(t.url, 'GET', '/v1/jobs', c.key)));
    const limited = replies.filter((r) => r.status === 429);
    assert.ok(limited.length >= 5, `${limited.length} of 12 limited`);
    assert.ok(Number(limited[0]!.headers.get('retry-after')) >= 1);
  });

  it('refuses a body over the limit with 413 problem+json', async () => {
    const r = await call(t.url, 'POST', '/v1/tenants', t.admin, { name: 'x'.repeat(10_000) });
    assert.equal(r.status, 413);
    assert.equal(r.body.status, 413);
  });
});
