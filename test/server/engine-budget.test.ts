// Issue 13.2/13.3: engine work is bounded and off the event loop. A 1e6-layer transformer is
// refused by the schema's size limit at once; an evaluation over the work budget is a 422 that
// names the budget; an expensive allowed request runs in the worker pool while /health answers
// (latency measured during it); 30 refused llama3-70b budget submissions neither store anything
// nor block the loop, and the tenant's engine-ms bucket turns the rest into 429s.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { limitsMarkdown, MODEL_LIMITS } from '../../src/service/api/request-limits.js';
import { EnginePool } from '../../src/server/engine-pool.js';
import { call, createTenant, testService, type TestService } from './helpers.js';

/** Polls /health every 20 ms until `work` settles; returns the work's result and the latencies. */
async function healthDuring<T>(url: string, work: Promise<T>): Promise<{ result: T; healthMs: number[] }> {
  const healthMs: number[] = [];
  let done = false;
  const result = work.finally(() => (done = true));
  while (!done) {
    const t0 = performance.now();
    const r = await fetch(`${url}/health`);
    await r.text();
    healthMs.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { result: await result, healthMs };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

describe('bounded engine work (issue 13.2, 13.3)', () => {
  let t: TestService;
  let a: { id: string; key: string };
  before(async () => {
    t = await testService({ engine: { deadlineMs: 20_000 } });
    a = await createTenant(t.url, t.admin, 'heavy');
  });
  after(async () => t.close());

  it('a 1e6-layer transformer on 1,024 GPUs is refused by the schema limit within 1 s, naming model.layers', async () => {
    const t0 = performance.now();
    const r = await call(t.url, 'POST', '/v1/jobs', a.key, { model: { preset: 'gpt3-1.7b', layers: 1_000_000 }, training: { steps: 10 }, resources: { pool: 'h100', gpus: 1024 } });
    const ms = performance.now() - t0;
    assert.equal(r.status, 422);
    const layers = MODEL_LIMITS.find((l) => l.key === 'layers')!;
    assert.deepEqual(r.body.errors.map((e: { field: string }) => e.field), ['model.layers']);
    assert.match(r.body.errors[0].message, new RegExp(`at most ${layers.max.toLocaleString('en-US')}`));
    assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
    // The same limit holds inside a YAML scenario.
    const y = await call(t.url, 'POST', '/v1/jobs', a.key, { scenario: 'model:\n  preset: gpt3-1.7b\n  layers: 1000000\ntraining:\n  steps: 10\n', resources: { pool: 'h100', gpus: 8 } });
    assert.equal(y.status, 422);
    assert.equal(y.body.errors[0].field, 'scenario.model.layers');
  });

  it('an expensive allowed request runs off the loop: /health never waits for the evaluation', async () => {
    // Before the worker pool, /health waited for the whole evaluation (its worst latency equalled
    // the submit's). The tolerance leaves room for a loaded CI machine: the worst probe must be
    // under a quarter of the evaluation and the median under 100 ms.
    const t0 = performance.now();
    const submit = call(t.url, 'POST', '/v1/jobs', a.key, { model: 'llama3-70b', training: { steps: 100 }, resources: { pool: 'h100', gpus: 960 } });
    const { result, healthMs } = await healthDuring(t.url, submit);
    const submitMs = performance.now() - t0;
    assert.equal(result.status, 201, JSON.stringify(result.body));
    assert.ok(healthMs.length >= 5, `the evaluation took long enough to measure (${healthMs.length} probes in ${submitMs.toFixed(0)} ms)`);
    const worst = Math.max(...healthMs);
    assert.ok(worst < submitMs / 4, `/health worst ${worst.toFixed(0)} ms during a ${submitMs.toFixed(0)} ms evaluation`);
    assert.ok(quantile(healthMs, 0.5) < 100, `/health p50 ${quantile(healthMs, 0.5).toFixed(1)} ms`);
  });

  it('30 refused llama3-70b budget submissions, 4 at a time: nothing stored, 422 or 429, /health p50 under 100 ms', async () => {
    const b = await createTenant(t.url, t.admin, 'probe');
    const before = (await call(t.url, 'GET', '/v1/jobs', t.admin)).body.jobs.length;
    const statuses: number[] = [];
    const work = (async () => {
      for (let i = 0; i < 30; i += 4) {
        const batch = Array.from({ length: Math.min(4, 30 - i) }, (_v, k) => call(t.url, 'POST', '/v1/jobs', b.key, { model: 'llama3-70b', training: { steps: 1000 + i + k }, resources: { pool: 'h100', gpus: 960 }, maxBudgetUsd: 0.01 }));
        for (const r of await Promise.all(batch)) {
          statuses.push(r.status);
          if (r.status === 429) assert.ok(Number(r.headers.get('retry-after')) >= 1, 'a 429 says when to retry');
        }
      }
    })();
    const { healthMs } = await healthDuring(t.url, work);
    assert.equal(statuses.length, 30);
    assert.ok(statuses.every((s) => s === 422 || s === 429), statuses.join(','));
    assert.equal((await call(t.url, 'GET', '/v1/jobs', t.admin)).body.jobs.length, before, 'nothing refused is stored');
    const p50 = quantile(healthMs, 0.5);
    assert.ok(p50 < 100, `/health p50 ${p50.toFixed(1)} ms`);
  });

  it('docs/api.md carries the limits table generated from the schema limits', () => {
    assert.ok(readFileSync('docs/api.md', 'utf8').includes(limitsMarkdown()), 'docs/api.md must include limitsMarkdown() verbatim');
  });
});

describe('engine pool budget', () => {
  it('an evaluation over the deadline is a 422 naming the work budget, the worker is replaced, and engine time is charged', async () => {
    const pool = new EnginePool({ deadlineMs: 50, tenantBurstMs: 100, tenantRefillMsPerSecond: 1 });
    try {
      const req = { scenario: { model: { preset: 'llama3-70b' }, system: { preset: 'dgx-h100-80gb' }, plan: 'auto' }, devices: 960, training: { steps: 10 }, tenantId: 't1' };
      await assert.rejects(pool.run(req), (e: Error & { issues?: { message: string }[] }) => /50 s work budget|0.05 s work budget/.test(e.issues?.[0]?.message ?? ''));
      assert.ok(pool.bucket('t1').tokens <= 100 - 50 + 1, 'the deadline was charged');
      // A second over-budget call empties the bucket; the third is refused with 429 before any work.
      await assert.rejects(pool.run(req));
      await assert.rejects(pool.run(req), (e: Error & { status?: number; headers?: Record<string, string> }) => e.status === 429 && Number(e.headers?.['retry-after']) >= 1);
      // The replaced worker still answers a small request (another tenant).
      const ok = await new EnginePool({ deadlineMs: 20_000 }).run({ scenario: { model: { preset: 'gpt3-1.7b' }, system: { preset: 'dojo-exapod' }, plan: 'auto' }, devices: 6, training: { steps: 10 } });
      assert.ok(ok.stepTimeSeconds > 0);
    } finally {
      await pool.close();
    }
  });

  it('a cancelled call terminates its worker and rejects', async () => {
    const pool = new EnginePool({ deadlineMs: 20_000 });
    try {
      const ac = new AbortController();
      const p = pool.run({ scenario: { model: { preset: 'llama3-70b' }, system: { preset: 'dgx-h100-80gb' }, plan: 'auto' }, devices: 960, training: { steps: 10 } }, ac.signal);
      setTimeout(() => ac.abort(), 20);
      const t0 = performance.now();
      await assert.rejects(p, /cancelled/);
      assert.ok(performance.now() - t0 < 1000);
    } finally {
      await pool.close();
    }
  });
});
