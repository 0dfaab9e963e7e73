// Issue 13's control-plane reproductions as regression tests: a refused submission is never
// stored (gpus 2048 on the 1,024-GPU pool, gpus 100000, training.tokens 5e-324), a stored row
// that no longer validates is quarantined instead of stopping the server, housekeeping goes on
// past a bad row, and cancelling a queued job always takes effect.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonLogger } from '../../src/service/api/logger.js';
import { newKey } from '../../src/server/http/auth.js';
import { openStore } from '../../src/server/open-store.js';
import { startService, type RunningService } from '../../src/server/service.js';
import { call, createTenant, smallJob, waitFor } from './helpers.js';

/** A service on `dir` whose error log lines are collected. */
async function serve(dir: string, errors: string[]): Promise<RunningService> {
  const log = jsonLogger((line) => {
    if (line.includes('"level":"error"')) errors.push(line);
  });
  return startService({ port: 0, dataDir: dir, speedup: 36_000, tickMs: 50, log });
}

describe('adversarial control plane (issue 13.1)', () => {
  let dir: string;
  let svc: RunningService;
  let admin: string;
  let a: { id: string; key: string };
  const errors: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opendojo-adv-'));
    svc = await serve(dir, errors);
    const key = newKey();
    await svc.opened.store.createApiKey({ id: key.id, tenantId: null, role: 'admin', secretSha256: key.sha256, label: 'test' });
    admin = key.token;
    a = await createTenant(svc.url, admin, 'mallory');
  });
  after(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusals: [string, Record<string, unknown>, string, RegExp][] = [
    ['gpus 2048 on the 1,024-GPU h100 pool', { model: 'gpt3-1.7b', training: { steps: 10 }, resources: { pool: 'h100', gpus: 2048 } }, 'resources.gpus', /the pool has 1024 GPUs/],
    ['gpus 100000', { model: 'gpt3-1.7b', training: { steps: 10 }, resources: { pool: 'h100', gpus: 100_000 } }, 'resources.gpus', /the pool has 1024 GPUs/],
    ['tiles beyond the ExaPod', { model: 'gpt3-1.7b', training: { steps: 10 }, resources: { tiles: 5000 } }, 'resources.tiles', /the pool has 120 tiles/],
    ['training.tokens 5e-324 (zero steps)', { model: 'gpt3-1.7b', training: { tokens: 5e-324 }, resources: { tiles: 6 } }, 'training.tokens', /at least one step/],
  ];
  for (const [what, body, path, message] of refusals) {
    it(`refuses ${what} with 422 naming ${path}, and stores nothing`, async () => {
      const before = (await call(svc.url, 'GET', '/v1/jobs', admin)).body.jobs.length;
      const r = await call(svc.url, 'POST', '/v1/jobs', a.key, body);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      const problem = r.body.errors.find((e: { field: string }) => e.field === path);
      assert.ok(problem, `an error on ${path}: ${JSON.stringify(r.body.errors)}`);
      assert.match(problem.message, message);
      assert.equal((await call(svc.url, 'GET', '/v1/jobs', admin)).body.jobs.length, before, 'no job row was written');
    });
  }

  it('a stored row the scheduler refuses is quarantined at the next pass; other jobs still run', async () => {
    const good = await call(svc.url, 'POST', '/v1/jobs', a.key, smallJob(500));
    assert.equal(good.status, 201);
    // Write the row issue 13 found (256 nodes on a 128-node pool) straight into the store, as
    // an older server or a hand edit could have left it.
    const store = svc.opened.store;
    const row = (await store.job(null, good.body.id))!;
    await store.insertJob({ ...row, id: 'job_poison_live', idempotencyKey: null, spec: { model: 'gpt3-1.7b', training: { steps: 10 }, resources: { pool: 'h100', gpus: 2048 } }, pool: 'h100', resource: 'dgx-h100-80gb', devices: 2048, slots: 256 }, { at: 0, kind: 'state', data: { state: 'queued', reason: 'submitted' } });
    const poisoned = await waitFor('quarantine', async () => {
      const j = await call(svc.url, 'GET', '/v1/jobs/job_poison_live', admin);
      return j.body.state === 'failed' && j.body;
    });
    assert.equal(poisoned.stateReason, 'quarantined');
    const events = (await call(svc.url, 'GET', '/v1/jobs/job_poison_live/events', admin)).body.events as { state?: string; reason?: string; problems?: { path: string }[] }[];
    const last = events[events.length - 1]!;
    assert.equal(last.reason, 'quarantined');
    assert.ok(last.problems?.some((p) => p.path === 'resources.gpus'), JSON.stringify(last));
    await waitFor('the good job succeeds', async () => (await call(svc.url, 'GET', `/v1/jobs/${good.body.id}`, a.key)).body.state === 'succeeded');
    assert.equal(errors.filter((l) => l.includes('housekeeping failed')).length, 0, 'housekeeping never failed as a whole');
  });

  it('cancel of a queued job takes effect, also one waiting behind a full pool', async () => {
    const big = await call(svc.url, 'POST', '/v1/jobs', a.key, { ...smallJob(1_000_000), resources: { tiles: 64 } });
    assert.equal(big.status, 201);
    const waiting = await call(svc.url, 'POST', '/v1/jobs', a.key, { ...smallJob(1_000_000), resources: { tiles: 64 } });
    assert.equal(waiting.status, 201);
    assert.notEqual((await call(svc.url, 'GET', `/v1/jobs/${waiting.body.id}`, a.key)).body.state, 'running', 'two 64-tile jobs cannot share 120 tiles');
    const c = await call(svc.url, 'POST', `/v1/jobs/${waiting.body.id}/cancel`, a.key);
    assert.equal(c.body.state, 'cancelled', JSON.stringify(c.body));
    assert.equal((await call(svc.url, 'POST', `/v1/jobs/${big.body.id}/cancel`, a.key)).body.state, 'cancelled');
  });

  it('after a restart, a stored row that no longer validates is quarantined and the server starts', async () => {
    const any = (await svc.opened.store.listJobs(null, { limit: 1 }))[0]!;
    const bad = [
      { id: 'job_poison_gpus', spec: { model: 'gpt3-1.7b', training: { steps: 10 }, resources: { pool: 'h100', gpus: 100_000 } }, pool: 'h100', devices: 100_000, slots: 12_500 },
      { id: 'job_poison_pool', spec: { model: 'gpt3-1.7b', training: { steps: 10 }, resources: { pool: 'gone', gpus: 8 } }, pool: 'gone', devices: 8, slots: 1 },
      { id: 'job_poison_spec', spec: { model: 'gpt3-1.7b', resources: { tiles: 6 }, extra: true }, pool: 'exapod', devices: 6, slots: 6 },
    ];
    await svc.close();
    // Rows written while no server runs, as an older version or a hand edit could leave them.
    const opened = await openStore({ dataDir: dir });
    for (const b of bad) await opened.store.insertJob({ ...any, ...b, idempotencyKey: null, resource: 'x' }, { at: 0, kind: 'state', data: { state: 'queued', reason: 'submitted' } });
    await opened.store.updateJob('job_poison_spec', { state: 'running', rect: { row: 0, col: 0, rows: 2, cols: 3 }, attempt: 1 }, []);
    await opened.close();
    svc = await serve(dir, errors);
    for (const b of bad) {
      const j = (await svc.opened.store.job(null, b.id))!;
      assert.equal(j.state, 'failed', b.id);
      assert.equal(j.stateReason, 'quarantined', b.id);
    }
    assert.equal((await call(svc.url, 'GET', '/health', null)).status, 200);
    const after = await call(svc.url, 'POST', '/v1/jobs', a.key, smallJob(100));
    assert.equal(after.status, 201, 'the restarted server takes new work');
  });
});
