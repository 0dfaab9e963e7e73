// A client that hangs up while its submission is priced frees the engine worker (issue 13.2):
// the route passes the request's abort signal through the controller and the pricer to the
// engine pool, which drops or terminates the evaluation. The reference is the same evaluation
// run to the end: the worker must be free in a small fraction of that time, nothing may be
// stored, and the cancellation must not be cached (the next identical submission is priced).
// A pricing shared by two clients keeps running while one of them still waits.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, createTenant, testService, type TestService } from '../helpers.js';

// An allowed submission whose pricing (plan: auto on 256 GPUs) takes the engine a while.
const SPEC = { model: 'llama3-70b', training: { steps: 100 }, resources: { pool: 'h100', gpus: 256 } };

/** Starts POST /v1/jobs on a raw socket; `hangUp` closes it before the reply, `reply` waits for it. */
function rawSubmit(url: string, key: string, body: unknown): { hangUp: () => void; reply: Promise<number> } {
  const text = JSON.stringify(body);
  let hangUp = () => {};
  const reply = new Promise<number>((resolve, reject) => {
    const req = request(`${url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    hangUp = () => req.destroy();
    req.end(text);
  });
  reply.catch(() => undefined); // a hung-up request rejects (socket hang up): expected
  return { hangUp: () => hangUp(), reply };
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - t0;
}

describe('a client that disconnects mid-pricing frees the engine worker', () => {
  let t: TestService;
  let a: { id: string; key: string };
  before(async () => {
    t = await testService({ engine: { workers: 1 } });
    a = await createTenant(t.url, t.admin, 'leaver');
  });
  after(async () => t.close());

  const idle = () => {
    const l = t.svc.engine.load();
    return l.queued === 0 && l.active === 0;
  };

  it('frees the worker at once, stores nothing, and does not cache the cancellation', async (ctx) => {
    const first = rawSubmit(t.url, a.key, SPEC);
    await until('the pricing reaches a worker', () => t.svc.engine.load().active === 1, 10_000);
    first.hangUp();
    const freedMs = await until('the pool is idle after the hang-up', idle, 5_000);
    assert.equal((await call(t.url, 'GET', '/v1/jobs', a.key)).body.jobs.length, 0, 'nothing stored');

    // The reference: the same pricing to the end (a cached cancellation would answer 422 at once).
    const t0 = performance.now();
    const full = await call(t.url, 'POST', '/v1/jobs', a.key, SPEC);
    const fullMs = performance.now() - t0;
    assert.equal(full.status, 201, JSON.stringify(full.body));
    // Tolerance: freeing is a worker termination (a few ms); the evaluation takes hundreds of ms
    // or more, so a quarter of it leaves room for a loaded machine and still fails if the worker
    // ran the evaluation out.
    ctx.diagnostic(`worker freed ${freedMs.toFixed(0)} ms after the hang-up; the full evaluation took ${fullMs.toFixed(0)} ms`);
    assert.ok(freedMs < fullMs / 4, `freed in ${freedMs.toFixed(0)} ms; the evaluation takes ${fullMs.toFixed(0)} ms`);
  });

  it('a pricing shared by two clients runs on while one of them waits', async () => {
    const spec = { ...SPEC, training: { steps: 200 } }; // not in the pricer's cache yet
    const leaver = rawSubmit(t.url, a.key, spec);
    await until('the pricing reaches a worker', () => t.svc.engine.load().active === 1, 10_000);
    const stayer = rawSubmit(t.url, a.key, spec);
    await new Promise((r) => setTimeout(r, 50)); // the second request joins the call in flight
    leaver.hangUp();
    assert.equal(await stayer.reply, 201);
    assert.ok(idle());
  });
});
