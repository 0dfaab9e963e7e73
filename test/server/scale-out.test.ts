// Scale-out on real servers: scripts/services.sh installs (from Debian's packages, if missing)
// and starts PostgreSQL and Redis on loopback; the service runs on PostgreSQL with runs on a
// Redis queue; two `opendojo worker` processes execute them; one is killed with SIGKILL mid-run.
// Every job must complete exactly once: one finished mark, one `succeeded` transition, and the
// killed worker's runs resumed from their checkpoints by the other worker.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { silentLogger } from '../../src/service/api/logger.js';
import { MIGRATIONS } from '../../src/service/store/migrations.js';
import { newKey } from '../../src/server/http/auth.js';
import { startService, type RunningService } from '../../src/server/service.js';
import { call, createTenant, smallJob, waitFor } from './helpers.js';

const root = process.cwd();
const svcDir = join(root, 'tmp', 'scale-out-services');

function startWorker(database: string, redis: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'bin', 'opendojo.js'), 'worker', '--database', database, '--redis', redis, '--lock-ms', '2000', '--name', name, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('worker ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker ${name} exited ${code}: ${err}`)));
  });
}

describe('scale-out: PostgreSQL, Redis and two workers', () => {
  let database = '';
  let redis = '';
  let svc: RunningService;
  const workers: ChildProcess[] = [];

  before(async () => {
    const r = spawnSync('bash', [join(root, 'scripts', 'services.sh'), 'start', svcDir], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(r.status, 0, `scripts/services.sh start failed:\n${r.stderr}`);
    database = /^DATABASE_URL=(.+)$/m.exec(r.stdout)![1]!;
    redis = /^REDIS_URL=(.+)$/m.exec(r.stdout)![1]!;
    // A clean slate: this test owns the database and the Redis instance it started.
    const c = new pg.Client({ connectionString: database });
    await c.connect();
    await c.query('drop schema public cascade; create schema public;');
    await c.end();
    const rc = new Redis(redis);
    await rc.flushall();
    rc.disconnect();
    svc = await startService({ port: 0, database, redis, speedup: 3600, tickMs: 100, log: silentLogger });
  });

  after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
    await svc?.close();
    spawnSync('bash', [join(root, 'scripts', 'services.sh'), 'stop', svcDir], { encoding: 'utf8' });
  });

  it('serves on PostgreSQL with the same migrations', async () => {
    const h = await call(svc.url, 'GET', '/health', null);
    assert.equal(h.status, 200);
    assert.equal(h.body.leader, true);
    const c = new pg.Client({ connectionString: database });
    await c.connect();
    const v = await c.query('select version from schema_migrations order by version');
    await c.end();
    assert.deepEqual(v.rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
  });

  it('kills one worker mid-run; every job completes exactly once', async () => {
    const key = newKey();
    await svc.opened.store.createApiKey({ id: key.id, tenantId: null, role: 'admin', secretSha256: key.sha256, label: 'test' });
    const tenant = await createTenant(svc.url, key.token, 'scale');
    workers.push(await startWorker(database, redis, 'w1'), await startWorker(database, redis, 'w2'));
    // 8 jobs of ~5.6 wall s each at 3600× (15,000 steps × 1.35 s), checkpoint every 1,000 steps.
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await call(svc.url, 'POST', '/v1/jobs', tenant.key, smallJob(15_000, { name: `scale-${i}`, checkpointInterval: { steps: 1000 } }));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.id);
    }
    // Wait until both workers hold runs and some checkpoints exist, then kill w1.
    await waitFor('checkpoints on running jobs', async () => {
      const jobs = await Promise.all(ids.map(async (id) => (await call(svc.url, 'GET', `/v1/jobs/${id}`, tenant.key)).body));
      return jobs.filter((j) => j.progress.durableStep >= 2000).length >= 4;
    }, 60_000, 100);
    workers[0]!.kill('SIGKILL');
    const done = await waitFor('all jobs succeed', async () => {
      const jobs = await Promise.all(ids.map(async (id) => (await call(svc.url, 'GET', `/v1/jobs/${id}`, tenant.key)).body));
      return jobs.every((j) => j.state === 'succeeded') && jobs;
    }, 90_000, 200);
    let resumed = 0;
    for (const j of done) {
      const events = (await call(svc.url, 'GET', `/v1/jobs/${j.id}/events`, tenant.key)).body.events as { kind: string; state?: string; reason?: string }[];
      assert.equal(events.filter((e) => e.kind === 'state' && e.state === 'succeeded').length, 1, `${j.id}: one succeeded transition`);
      assert.equal(events.filter((e) => e.kind === 'succeeded').length, 1, `${j.id}: one finished run`);
      assert.equal(j.progress.step, 15_000);
      if (events.some((e) => e.kind === 'restarted' && e.reason === 'worker-lost')) {
        resumed++;
        assert.ok(j.accounting.lostStepSeconds >= 0);
      }
    }
    assert.ok(resumed >= 1, 'the killed worker’s runs were resumed by the other worker');
    // Usage is recorded once per run segment: no duplicate idempotency keys, one job id each.
    const c = new pg.Client({ connectionString: database });
    await c.connect();
    const dup = await c.query("select count(*)::int as n from (select payload->>'jobId' as j, payload->>'startMs' as s from ledger_ops where kind = 'usage' group by 1, 2 having count(*) > 1) d");
    await c.end();
    assert.equal(dup.rows[0].n, 0);
  });
});
