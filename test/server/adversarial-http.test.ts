// Issue 13's reproductions against the HTTP front (scopes 3, 4, 7, 8 and 10's matching cases of
// scope 9): each test replays what the probe did and asserts what the service must do instead.
// Every reply checked here must be problem+json naming what was refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, createTenant, smallJob, testService, waitFor, type Reply, type TestService } from './helpers.js';

function assertProblem(r: Reply, status: number, mention: RegExp, what: string): void {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`);
  assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/, what);
  assert.match(JSON.stringify(r.body), mention, `${what} names the limit`);
}

/** Opens an SSE stream and resolves with its status and headers once they arrive; `text` then collects the body. */
function openStream(url: string, path: string, key: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; text: Promise<string>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      const text = new Promise<string>((r) => {
        res.on('end', () => r(body));
        res.on('close', () => r(body));
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Wall-clock latency of GET /health, in ms. */
async function healthMs(url: string): Promise<number> {
  const t = performance.now();
  const r = await fetch(`${url}/health`);
  await r.text();
  return performance.now() - t;
}

describe('issue 13: the HTTP front against hostile tenants', () => {
  let t: TestService;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  before(async () => {
    t = await testService();
    a = await createTenant(t.url, t.admin, 'tenant-a', { maxTiles: 120 });
    b = await createTenant(t.url, t.admin, 'tenant-b', { maxTiles: 120 });
  });
  after(async () => t.close());

  it('13.4: a YAML scenario with 33,306 keys is refused by the parsing limits without blocking the loop', async () => {
    // One flow mapping of 33,306 keys (null values), under the schema's 200,000-character limit.
    const keys = ['model: {preset: gpt3-1.7b}', 'training: {steps: 10}'];
    for (let i = 0; keys.length < 33_306; i++) keys.push(`k${i.toString(36)}`);
    const scenario = `{${keys.join(',')}}`;
    assert.ok(scenario.length < 200_000, 'under the size limits of today');
    const submitted = call(t.url, 'POST', '/v1/jobs', a.key, { scenario, resources: { tiles: 6 } });
    await new Promise((r) => setTimeout(r, 20));
    const health = await healthMs(t.url);
    const r = await submitted;
    assert.equal(r.status, 422, JSON.stringify(r.body).slice(0, 300));
    assert.match(JSON.stringify(r.body), /scenario/);
    assert.ok(health < 500, `/health answered in ${health.toFixed(0)} ms while the scenario was refused (limit 500 ms)`);
  });

  it('13.10: 50,000 nested arrays in `model` give a 4xx problem, not a stack overflow', async () => {
    const text = `{"model":{"layers":${'['.repeat(50_000)}${']'.repeat(50_000)}},"resources":{"tiles":6}}`;
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, text);
    assert.ok(r.status >= 400 && r.status < 500, `got ${r.status}`);
    assertProblem(r, r.status, /deep|depth|nest/i, 'nesting');
  });

  it('13.10: malformed percent-encoding and NUL in a path, query or body are 400 problems', async () => {
    const r = await call(t.url, 'GET', '/v1/jobs/%E0%A4%A', a.key);
    assertProblem(r, 400, /percent|encoding/i, '/v1/jobs/%E0%A4%A');
    // Found by the fuzz property: NUL cannot be stored in PostgreSQL text, so it is refused up front.
    assertProblem(await call(t.url, 'GET', '/v1/jobs/%00', a.key), 400, /NUL/, '/v1/jobs/%00');
    assertProblem(await call(t.url, 'GET', '/v1/jobs?state=%00', a.key), 400, /NUL/, '?state=%00');
    assertProblem(await call(t.url, 'POST', '/v1/jobs', a.key, '{"model":"gpt3\\u0000","resources":{"tiles":6}}'), 400, /NUL/, 'NUL in a body string');
  });

  it('13.10 and scope 4: a malformed Last-Event-ID is a 400; a valid stream ends with `event: end`', async () => {
    const job = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(20));
    assert.equal(job.status, 201);
    for (const bad of ['1.5', '9223372036854775808', '-1', 'abc', '']) {
      const s = await openStream(t.url, `/v1/jobs/${job.body.id}/events`, a.key, { 'last-event-id': bad });
      const text = await s.text;
      assert.equal(s.status, 400, `Last-Event-ID ${JSON.stringify(bad)}: ${text.slice(0, 200)}`);
      assert.match(text, /Last-Event-ID/);
    }
    const ok = await openStream(t.url, `/v1/jobs/${job.body.id}/events`, a.key, { 'last-event-id': '0' });
    assert.equal(ok.status, 200);
    const text = await ok.text;
    assert.match(text, /event: state/);
    assert.ok(text.trimEnd().endsWith('event: end\ndata: {}'), `ends with event: end: …${text.slice(-80)}`);
  });

  it('13.5: open streams are capped per tenant with 429 and Retry-After, and /health stays quick', async () => {
    const job = await call(t.url, 'POST', '/v1/jobs', a.key, smallJob(1_000_000, { resources: { tiles: 1 } }));
    assert.equal(job.status, 201);
    const streams = [];
    for (let i = 0; i < 60; i++) streams.push(await openStream(t.url, `/v1/jobs/${job.body.id}/events`, a.key));
    try {
      const refused = streams.filter((s) => s.status === 429);
      assert.ok(refused.length > 0, 'some of 60 streams on one tenant are refused');
      assert.ok(Number(refused[0]!.headers['retry-after']) >= 1, 'Retry-After is given');
      assert.match(await refused[0]!.text, /streams/);
      // Another tenant is not shut out by A's streams.
      const jobB = await call(t.url, 'POST', '/v1/jobs', b.key, smallJob(20));
      const other = await openStream(t.url, `/v1/jobs/${jobB.body.id}/events`, b.key);
      assert.equal(other.status, 200);
      other.close();
      assert.ok((await healthMs(t.url)) < 500);
    } finally {
      for (const s of streams) s.close();
    }
    // Closed streams give their slots back.
    await waitFor('a slot after the streams closed', async () => {
      const s = await openStream(t.url, `/v1/jobs/${job.body.id}/events`, a.key);
      s.close();
      return s.status === 200;
    }, 5_000, 100);
    await call(t.url, 'POST', `/v1/jobs/${job.body.id}/cancel`, a.key);
  });

  it('13.11: a foreign tenant query parameter is a 404 on every route that takes one', async () => {
    for (const path of [`/v1/invoices?tenant=${b.id}`, `/v1/usage?tenant=${b.id}`, `/v1/jobs?tenant=${b.id}`, `/v1/keys?tenant=${b.id}`]) {
      const r = await call(t.url, 'GET', path, a.key);
      assertProblem(r, 404, /tenant/, path);
    }
    const own = await call(t.url, 'GET', `/v1/invoices?tenant=${a.id}`, a.key);
    assert.equal(own.status, 200);
  });

  it('13.11: keys are listed, revoked and rotated; a tenant acts only on its own keys', async () => {
    const extra = await call(t.url, 'POST', `/v1/tenants/${a.id}/keys`, t.admin);
    const extraKey = extra.body.apiKey as string;
    const extraId = extraKey.split('_')[1]!;
    const listed = await call(t.url, 'GET', '/v1/keys', a.key);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.keys.map((k: { tenant: string }) => k.tenant), [a.id, a.id]);
    assert.ok(!JSON.stringify(listed.body).includes('sha256'), 'no hashes listed');
    // B cannot see, revoke or rotate A's key: 404 as for an unknown id.
    for (const op of ['revoke', 'rotate']) assertProblem(await call(t.url, 'POST', `/v1/keys/${extraId}/${op}`, b.key), 404, /no such key/, `B ${op}s A's key`);
    assert.equal((await call(t.url, 'GET', '/v1/me', extraKey)).status, 200, 'still live');
    // Rotation: the new key works, the old one stops at once.
    const rotated = await call(t.url, 'POST', `/v1/keys/${extraId}/rotate`, a.key);
    assert.equal(rotated.status, 201);
    assert.equal(rotated.body.revoked.id, extraId);
    assert.ok(rotated.body.revoked.revokedAt);
    assert.equal((await call(t.url, 'GET', '/v1/me', extraKey)).status, 401, 'the rotated-out key is refused');
    const fresh = rotated.body.apiKey as string;
    assert.equal((await call(t.url, 'GET', '/v1/me', fresh)).body.tenant.id, a.id);
    assertProblem(await call(t.url, 'POST', `/v1/keys/${extraId}/rotate`, a.key), 409, /already revoked/, 'rotating a revoked key');
    // The admin revokes the new key; revoking again is idempotent.
    const freshId = fresh.split('_')[1]!;
    const revoked = await call(t.url, 'POST', `/v1/keys/${freshId}/revoke`, t.admin);
    assert.equal(revoked.status, 200);
    assert.equal((await call(t.url, 'POST', `/v1/keys/${freshId}/revoke`, t.admin)).body.key.revokedAt, revoked.body.key.revokedAt);
    assert.equal((await call(t.url, 'GET', '/v1/me', fresh)).status, 401);
    assert.equal((await call(t.url, 'GET', '/v1/me', a.key)).status, 200, 'the other key is untouched');
    // The last admin key cannot be revoked.
    const adminId = t.admin.split('_')[1]!;
    assertProblem(await call(t.url, 'POST', `/v1/keys/${adminId}/revoke`, t.admin), 409, /last admin key/, 'last admin key');
  });
});

// Its own service: the burst of bad keys blocks this address's uncached lookups for a while.
describe('issue 13.9: authentication failures', () => {
  let t: TestService;
  before(async () => {
    t = await testService();
  });
  after(async () => t.close());

  it('13.9: requests with invalid keys are rate-limited per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) {
      const fake = `odk_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;
      const r = await call(t.url, 'GET', '/v1/me', fake);
      statuses.push(r.status);
      if (r.status === 429) {
        assertProblem(r, 429, /invalid|missing|key/i, 'auth failures');
        assert.ok(Number(r.headers.get('retry-after')) >= 1);
      }
    }
    assert.ok(statuses.every((s) => s === 401 || s === 429), `only 401 and 429: ${[...new Set(statuses)]}`);
    assert.ok(statuses.filter((s) => s === 429).length > 50, `most of 120 bad keys in a burst are refused before lookup (got ${statuses.filter((s) => s === 429).length})`);
  });
});
