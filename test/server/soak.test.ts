// Seeded soak (issue 13 scope 9): three tenants submit, cancel, stream and misbehave while the
// server, a real child process, is killed with -9 at random moments. After every restart: the
// server starts, every acknowledged job is present with its name, no refused submission was
// stored, every ledger entry belongs to one of the tenant's jobs, and each finished job's ledger
// entries equal its usage (compute in milli-device-seconds to the rounding of each entry,
// energy to 1e-6; reported by its own test). OPENDOJO_SOAK_SECONDS lengthens it
// (default 75 s), OPENDOJO_SOAK_SEED replays a run; the figures are printed at the end.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { mulberry32 } from '../../src/service/scheduler/trace-sim.js';
import { call, smallJob, spawnServer } from './helpers.js';

const bin = join(process.cwd(), 'bin', 'opendojo.js');
const SECONDS = Number(process.env.OPENDOJO_SOAK_SECONDS ?? 75);
const SEED = Number(process.env.OPENDOJO_SOAK_SEED ?? 20261204);

const serve = (dir: string) => spawnServer(dir, ['--auth-failure-rate', '1000', '--log-level', 'error']);

const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));

/** Submissions the service must refuse without storing anything (4xx at submit). */
const REFUSED_SPECS: Record<string, unknown>[] = [
  { resources: { tiles: 0 } },
  { resources: { tiles: 12 } }, // over the tenant's 8-tile quota
  { maxBudgetUsd: 0.000001 },
  { training: { steps: -5 } },
  { model: 'no-such-model' },
  { scenario: `{${Array.from({ length: 3000 }, (_, i) => `k${i}`).join(',')}}`, model: undefined },
  // Issue 13.1: answered 422 yet stored, after which the server could not start.
  { resources: { pool: 'h100', gpus: 2048 } },
  { resources: { pool: 'h100', gpus: 100000 } },
  { training: { tokens: 5e-324 } },
];

interface Tenant {
  id: string;
  key: string;
  acked: Map<string, string>;
  refusedNames: Set<string>;
}

describe('soak: tenants misbehave while the server is killed -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opendojo-soak-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`survives random kill -9 for ${SECONDS} s with every invariant holding (seed ${SEED})`, { timeout: (SECONDS + 120) * 1000 }, async () => {
    const random = mulberry32(SEED); // seeded, so a failing run replays with its seed
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const admin = spawnSync(process.execPath, [bin, 'admin', 'create-key', '--data-dir', dir], { encoding: 'utf8' });
    assert.equal(admin.status, 0, admin.stderr);
    const adminKey = admin.stdout.trim();
    let { child, url } = await serve(dir);
    const tenants: Tenant[] = [];
    for (const name of ['soak-a', 'soak-b', 'soak-c']) {
      const r = await call(url, 'POST', '/v1/tenants', adminKey, { name, maxTiles: 8 });
      assert.equal(r.status, 201);
      tenants.push({ id: r.body.tenant.id, key: r.body.apiKey, acked: new Map(), refusedNames: new Set() });
    }
    const end = Date.now() + SECONDS * 1000;
    let restarts = 0;
    let refusedTotal = 0;
    let checks = 0;
    let counter = 0;

    while (Date.now() < end) {
      let alive = true;
      const actor = async (t: Tenant) => {
        while (alive) {
          const n = counter++;
          const roll = random();
          try {
            if (roll < 0.45) {
              const name = `ok-${n}`;
              const r = await call(url, 'POST', '/v1/jobs', t.key, smallJob(Math.floor(200 + random() * 20_000), { name, resources: { tiles: 1 + Math.floor(random() * 2) } }));
              if (r.status === 201) t.acked.set(r.body.id, name);
            } else if (roll < 0.65) {
              const name = `bad-${n}`;
              const spec: Record<string, unknown> = { ...smallJob(100, { name }), ...pick(REFUSED_SPECS) };
              if (spec.model === undefined) delete spec.model;
              const r = await call(url, 'POST', '/v1/jobs', t.key, spec);
              assert.ok(r.status >= 400 && r.status < 500, `refused spec answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
              t.refusedNames.add(name);
              refusedTotal++;
            } else if (roll < 0.8 && t.acked.size) {
              await call(url, 'POST', `/v1/jobs/${pick([...t.acked.keys()])}/cancel`, t.key);
            } else if (roll < 0.9 && t.acked.size) {
              const ac = new AbortController();
              setTimeout(() => ac.abort(), 50 + random() * 300);
              // A reader that hangs up early, often before the headers arrive.
              const res = await fetch(`${url}/v1/jobs/${pick([...t.acked.keys()])}/events`, { headers: { authorization: `Bearer ${t.key}`, accept: 'text/event-stream' }, signal: ac.signal }).catch((e: Error) => {
                if (e.name !== 'AbortError') throw e;
              });
              if (res) assert.ok([200, 429].includes(res.status), `stream answered ${res.status}`);
              await res?.text().catch(() => undefined);
            } else {
              const fake = `odk_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;
              const r = await call(url, 'GET', `/v1/usage?tenant=${pick(tenants).id}`, pick([fake, t.key]));
              assert.ok([200, 401, 404, 429].includes(r.status), `usage answered ${r.status}`);
            }
          } catch (e) {
            if (alive) throw e;
            return; // the server was killed mid-request
          }
        }
      };
      const actors = tenants.map(actor);
      await new Promise((r) => setTimeout(r, 500 + random() * 3000));
      child.kill('SIGKILL');
      alive = false;
      await Promise.all(actors);
      await exited(child);
      ({ child, url } = await serve(dir));
      restarts++;
      for (const t of tenants) checks += await checkInvariants(url, adminKey, t);
    }
    child.kill('SIGTERM');
    await exited(child);
    const acked = tenants.reduce((s, t) => s + t.acked.size, 0);
    console.log(`soak: seed ${SEED}, ${SECONDS} s, ${restarts} kill -9 restarts survived, ${acked} jobs acknowledged, ${refusedTotal} refusals, ${checks} invariant checks, ${ledgerChecked.size} finished jobs' bills compared`);
    assert.ok(restarts >= 2 && acked > 0 && refusedTotal > 0, 'the soak exercised restarts, acknowledgements and refusals');
  });

  // Kept apart so a run names every mismatching job, not only the first. With seed 20261204
  // (75 s) this failed before usage was metered with each accounting write: a host killed
  // mid-segment left its device time in the accounting the next host carried, but never in the
  // ledger (1,420,414 milli-device-seconds billed against 234,428,376 used); reproduced without
  // the soak in test/service/metering.test.ts. On a loaded machine it then failed the other way
  // (483,930,520 billed against 30,653,994 used): under event-loop lag the scaled clock ran a
  // past-due segment end after a later progress time had been metered; event times and segment
  // ends are now monotonic per job (executor.ts, test/service/execution.test.ts).
  it('after the soak, every finished job’s ledger entries equal its usage', () => {
    assert.ok(ledgerChecked.size > 0, 'the soak finished jobs whose bills it could check');
    assert.deepEqual([...ledgerMismatches], []);
  });
});

/** Finished jobs whose ledger entries differ from their usage (asserted by the second test). */
const ledgerMismatches = new Set<string>();
/** Finished jobs whose ledger entries were compared with their usage. */
const ledgerChecked = new Set<string>();

/** Checks one tenant after a restart; returns the number of checks made. */
async function checkInvariants(url: string, adminKey: string, t: Tenant): Promise<number> {
  let checks = 0;
  const listed = new Map<string, { name: string; state: string; accounting?: { deviceSeconds?: number; energyJ?: number } }>();
  for (let before: number | null | undefined; before !== null; ) {
    const page = await call(url, 'GET', `/v1/jobs?limit=500${before !== undefined ? `&before=${before}` : ''}`, t.key);
    assert.equal(page.status, 200);
    for (const j of page.body.jobs) listed.set(j.id, j);
    before = page.body.next;
  }
  for (const [id, name] of t.acked) {
    assert.equal(listed.get(id)?.name, name, `acknowledged job ${id} (${name}) is present`);
    checks++;
  }
  for (const j of listed.values()) {
    assert.ok(!t.refusedNames.has(j.name), `refused submission ${j.name} was stored as ${j.state}`);
    checks++;
  }
  // Every billing period so far (a period is 72 wall seconds at this speedup).
  const current = await call(url, 'GET', `/v1/usage?tenant=${t.id}`, adminKey);
  assert.equal(current.status, 200);
  const entries: { jobId: string; kind: string; quantity: string }[] = [];
  for (let p = 0; p <= current.body.currentPeriod; p++) entries.push(...(await call(url, 'GET', `/v1/usage?tenant=${t.id}&period=${p}`, adminKey)).body.entries);
  const byJob = new Map<string, { compute: number; computeEntries: number; energy: number }>();
  for (const e of entries) {
    assert.ok(listed.has(e.jobId), `ledger entry for ${e.jobId}, which is not one of the tenant's jobs`);
    const b = byJob.get(e.jobId) ?? { compute: 0, computeEntries: 0, energy: 0 };
    if (e.kind === 'compute') {
      b.compute += Number(e.quantity);
      b.computeEntries++;
    } else if (e.kind === 'energy') b.energy += Number(e.quantity);
    byJob.set(e.jobId, b);
    checks++;
  }
  for (const [id, j] of listed) {
    if (!['succeeded', 'cancelled', 'failed'].includes(j.state) || !j.accounting?.deviceSeconds) continue;
    const billed = byJob.get(id) ?? { compute: 0, computeEntries: 0, energy: 0 };
    ledgerChecked.add(id);
    const used = j.accounting.deviceSeconds * 1000;
    if (Math.abs(billed.compute - used) > billed.computeEntries + 1) ledgerMismatches.add(`job ${id} (${j.state}): billed ${billed.compute} milli-device-seconds, used ${used.toFixed(0)}`);
    else if (Math.abs(billed.energy - (j.accounting.energyJ ?? 0)) > 1e-6 * (j.accounting.energyJ ?? 0) + billed.computeEntries + 1) ledgerMismatches.add(`job ${id} (${j.state}): billed ${billed.energy} J, used ${j.accounting.energyJ}`);
    checks++;
  }
  return checks;
}
