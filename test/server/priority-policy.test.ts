// Issue 13.6/13.8: priority classes are granted per tenant by the admin. A tenant asking above
// its grant gets a 422 naming `priority` and the allowed classes, and nothing is stored; a class
// granted by the admin preempts a lower one, and the preemption event names both classes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MAX_PRIORITY } from '../../src/service/store/store.js';
import { call, createTenant, smallJob, testService, waitFor, type TestService } from './helpers.js';

describe('priority classes by policy (issue 13.6)', () => {
  let t: TestService;
  before(async () => {
    t = await testService();
  });
  after(async () => t.close());

  it('a tenant without a grant cannot use class 9: 422 naming the allowed classes, nothing stored', async () => {
    const a = await createTenant(t.url, t.admin, 'plain');
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(100, { priority: 9 }));
    assert.equal(r.status, 422);
    assert.equal(r.body.errors[0].field, 'priority');
    assert.match(r.body.errors[0].message, new RegExp(`allowed classes: 0–${DEFAULT_MAX_PRIORITY}`));
    assert.equal((await call(t.url, 'GET', '/v1/jobs', a.key)).body.jobs.length, 0);
    // The admin's grant can also narrow: class 1 is refused once the grant is 0.
    const patched = await call(t.url, 'PATCH', `/v1/tenants/${a.id}`, t.admin, { maxPriority: 0 });
    assert.equal(patched.body.tenant.maxPriority, 0);
    await waitFor('the grant applies', async () => (await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(100, { priority: 1 }))).status === 422);
  });

  it('a granted class preempts another tenant’s job; the event names both classes', async () => {
    const low = await createTenant(t.url, t.admin, 'batch');
    const vip = await createTenant(t.url, t.admin, 'urgent', { maxPriority: 9 });
    const victim = await call(t.url, 'POST', '/v1/jobs', low.key, { ...smallJob(2_000_000), resources: { tiles: 120 } });
    assert.equal(victim.status, 201);
    await waitFor('victim runs', async () => (await call(t.url, 'GET', `/v1/jobs/${victim.body.id}`, low.key)).body.state === 'running');
    const urgent = await call(t.url, 'POST', '/v1/jobs', vip.key, { ...smallJob(200), resources: { tiles: 120 }, priority: 9 });
    assert.equal(urgent.status, 201, JSON.stringify(urgent.body));
    const event = await waitFor('preemption event', async () => {
      const ev = (await call(t.url, 'GET', `/v1/jobs/${victim.body.id}/events`, low.key)).body.events as { kind: string; state?: string; reason?: string; priorityClass?: number; byPriorityClass?: number }[];
      return ev.find((e) => e.kind === 'state' && e.reason === 'preempted-by-priority');
    });
    assert.equal(event.priorityClass, 0);
    assert.equal(event.byPriorityClass, 9);
    await call(t.url, 'POST', `/v1/jobs/${victim.body.id}/cancel`, low.key);
  });
});
