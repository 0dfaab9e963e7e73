// Hostile input: fast-check generates malformed, mistyped, oversized and nested bodies, headers
// and queries. Every reply must be a 4xx problem+json (never a 5xx), and a 422 must name at
// least one field. Valid variations may succeed (2xx). Seeded, so a failure replays.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'node:http';
import fc from 'fast-check';
import { call, createTenant, smallJob, testService, type Reply, type TestService } from './helpers.js';

const SEED = 20261123;

function checkReply(r: Reply, what: string): void {
  assert.ok(r.status < 500, `${what}: got ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  if (r.status >= 400) {
    assert.match(r.headers.get('content-type') ?? '', /application\/problem\+json/, what);
    assert.equal(r.body.status, r.status, what);
    if (r.status === 422) assert.ok(Array.isArray(r.body.errors) && r.body.errors.length > 0 && r.body.errors.every((e: { field: string; message: string }) => typeof e.field === 'string' && e.message), `${what}: 422 names fields`);
  }
}

/** A valid spec with one field replaced by an arbitrary value, or an arbitrary key added. */
const mutatedSpec = fc.oneof(
  fc.record({ key: fc.constantFrom('name', 'model', 'training', 'resources', 'plan', 'priority', 'checkpointInterval', 'maxBudgetUsd', 'scenario'), value: fc.jsonValue({ maxDepth: 4 }) }).map(({ key, value }) => ({ ...smallJob(), [key]: value })),
  fc.record({ key: fc.string({ maxLength: 20 }), value: fc.jsonValue({ maxDepth: 2 }) }).map(({ key, value }) => ({ ...smallJob(), [key]: value })),
  fc.record({ sub: fc.constantFrom('tiles', 'shape', 'gpus', 'pool'), value: fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double(), fc.string({ maxLength: 30 }), fc.constant(null)) }).map(({ sub, value }) => ({ ...smallJob(), resources: { [sub]: value } })),
  fc.record({ t: fc.constantFrom('steps', 'tokens', 'samples'), v: fc.oneof(fc.double(), fc.integer(), fc.constant(-1), fc.constant(1e300)) }).map(({ t, v }) => ({ ...smallJob(), training: { [t]: v } })),
);

const hostileText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n)),
  fc.integer({ min: 1, max: 3000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.constant('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
  fc.constant('{"model":"gpt3-1.7b","scenario":"a: &a [*a]"}'),
  fc.constant('{"model":"gpt3\\u0000","resources":{"tiles":6}}'),
);

/** A raw request (the path is sent as is, percent signs and all), with its reply parsed. */
function rawRequest(url: string, method: string, path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // SSE or empty
        }
        resolve({ status: res.statusCode ?? 0, body, headers: new Headers(Object.entries(res.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]]))) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Path segments with stray `%`, broken UTF-8 escapes and encoded slashes. */
const hostileSegment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{1,30}$/),
  fc.constantFrom('%E0%A4%A', '%', '%%', '%zz', '%C0%AF', '%ED%A0%80', '%2F..%2F', '%00', 'job_%FF'),
);
/** Header values: any visible ASCII or Latin-1 text (what a client can put on the wire). */
const headerValue = fc.stringMatching(/^[\x20-\x7e\xa0-\xff]{0,80}$/);

describe('hostile input never reaches a 5xx', () => {
  let t: TestService;
  let key: string;
  before(async () => {
    t = await testService({ ratePerSecond: 1e6, rateBurst: 1e6 });
    key = (await createTenant(t.url, t.admin, 'fuzz', { maxTiles: 120 })).key;
  });
  after(async () => t.close());

  it('mutated job specs: 2xx or 4xx naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedSpec, async (spec) => {
        const r = await call(t.url, 'POST', '/v1/jobs', key, spec);
        checkReply(r, `spec ${JSON.stringify(spec).slice(0, 200)}`);
        if (r.status === 201) await call(t.url, 'POST', `/v1/jobs/${r.body.id}/cancel`, key);
      }),
      { numRuns: 120, seed: SEED },
    );
  });

  it('arbitrary body text on every POST route', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, fc.constantFrom('/v1/jobs', '/v1/tenants', '/v1/invoices', '/v1/pools/exapod/tiles/0/0/health', '/v1/jobs/x/cancel'), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (text, path, type) => {
        const r = await call(t.url, 'POST', path, path === '/v1/jobs' || path.endsWith('cancel') ? key : t.admin, undefined, { 'content-type': type });
        checkReply(r, `${path} empty`);
        const res = await fetch(t.url + path, { method: 'POST', headers: { authorization: `Bearer ${path === '/v1/jobs' ? key : t.admin}`, 'content-type': type }, body: text });
        const body = await res.text();
        checkReply({ status: res.status, body: body ? JSON.parse(body) : {}, headers: res.headers }, `${path} ${type} ${text.slice(0, 80)}`);
      }),
      { numRuns: 80, seed: SEED },
    );
    const polluted = ({} as Record<string, unknown>).polluted;
    assert.equal(polluted, undefined, 'no prototype pollution');
  });

  it('raw hostile paths and header values on every GET route', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, headerValue, headerValue, fc.constantFrom('/v1/jobs/{s}', '/v1/jobs/{s}/events', '/v1/keys?tenant={s}', '/v1/usage?tenant={s}', '/{s}', '/v1/jobs?state={s}'), async (seg, h1, h2, shape) => {
        const path = shape.replace('{s}', seg);
        const variants: Record<string, string>[] = [
          { authorization: `Bearer ${key}`, accept: 'text/event-stream', 'last-event-id': h1 },
          { authorization: `Bearer ${key}`, 'idempotency-key': h1, 'content-type': h2 },
          { authorization: h1 },
        ];
        for (const headers of variants) {
          const r = await rawRequest(t.url, 'GET', path, headers);
          if (r.status === 200 && typeof r.body === 'string') continue; // a live stream of a real job id cannot occur here
          checkReply(r, `GET ${path} ${JSON.stringify(headers).slice(0, 160)}`);
        }
      }),
      { numRuns: 80, seed: SEED },
    );
  });

  it('hostile queries, headers and paths', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), async (q, h) => {
        for (const path of [`/v1/jobs?state=${encodeURIComponent(q)}&limit=${encodeURIComponent(h)}`, `/v1/usage?period=${encodeURIComponent(q)}`, `/v1/jobs/${encodeURIComponent(q) || 'x'}`, `/v1/jobs/x/events?after=${encodeURIComponent(h)}`]) {
          checkReply(await call(t.url, 'GET', path, key), path);
        }
        const idem = /^[\x20-\x7e]*$/.test(h) && h.trim() === h ? h : 'x';
        checkReply(await call(t.url, 'POST', '/v1/jobs', key, smallJob(10), { 'idempotency-key': idem || 'y' }), `idempotency ${idem}`);
      }),
      { numRuns: 60, seed: SEED },
    );
  });
});
