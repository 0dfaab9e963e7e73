// Issue 13.5/13.7: a tenant cannot lower its bill by sending physics. The same 2,000 steps of
// gpt3-18b on 24 tiles, submitted plainly, with `efficiency` overrides, and with Dojo power and
// efficiency assumptions in `system.dojo`, get the same predicted bill and — after running — the
// same billed usage, to the micro-dollar (reference: the plain submission). The tenant's own
// physics show up only as `prediction.whatIf`, which must differ (or the test would not test).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createTenant, testService, waitFor, type TestService } from './helpers.js';

const micros = (usd: string) => Math.round(Number(usd.replace('$', '')) * 1e6);

describe('honest bills (issue 13.5)', () => {
  let t: TestService;
  let a: { id: string; key: string };
  before(async () => {
    t = await testService({ engine: { deadlineMs: 180_000, tenantBurstMs: 1_000_000 } });
    a = await createTenant(t.url, t.admin, 'thrifty');
  });
  after(async () => t.close());

  it('overrides change the what-if prediction, never the predicted or billed amount', async () => {
    const base = { training: { steps: 2000 }, resources: { tiles: 24 } };
    const efficiency = { matmulFrameworkFactor: 1, elementwiseFactor: 1, kernelOverheadUs: 0 };
    const bodies = {
      plain: { ...base, model: 'gpt3-18b' },
      efficiency: { ...base, scenario: { model: { preset: 'gpt3-18b' }, system: { preset: 'dojo-exapod' }, plan: 'auto', efficiency } },
      dojo: { ...base, scenario: { model: { preset: 'gpt3-18b' }, system: { preset: 'dojo-exapod', dojo: { dipPowerW: 100, hostPowerW: 100, tileIdlePowerW: 500, matmulEfficiencyMax: 1, memoryEfficiency: 1 } }, plan: 'auto', efficiency } },
    };
    const jobs: Record<string, { id: string; prediction: { billUsd: string; whatIf?: { billUsd: string } } }> = {};
    for (const [name, body] of Object.entries(bodies)) {
      const r = await call(t.url, 'POST', '/v1/jobs', a.key, body);
      assert.equal(r.status, 201, `${name}: ${JSON.stringify(r.body)}`);
      jobs[name] = r.body;
    }
    const reference = jobs.plain!.prediction.billUsd;
    assert.equal(jobs.plain!.prediction.whatIf, undefined, 'no what-if without overrides');
    for (const name of ['efficiency', 'dojo']) {
      assert.equal(jobs[name]!.prediction.billUsd, reference, `${name}: predicted bill`);
      assert.ok(jobs[name]!.prediction.whatIf, `${name}: a what-if prediction`);
      assert.ok(micros(jobs[name]!.prediction.whatIf!.billUsd) < micros(reference), `${name}: the tenant's physics predict a lower bill (${jobs[name]!.prediction.whatIf!.billUsd} vs ${reference})`);
    }
    for (const j of Object.values(jobs)) await waitFor(`${j.id} succeeds`, async () => (await call(t.url, 'GET', `/v1/jobs/${j.id}`, a.key)).body.state === 'succeeded', 60_000);
    // Usage is metered with every accounting write (a kill -9 loses nothing from the ledger), so a
    // job's bill is a sum of pieces cut at wall-clock write times, each priced and rounded to the
    // micro-dollar on its own. The device time billed must be identical; the amounts may differ by
    // that rounding alone: at most 1 micro-dollar per ledger entry of the two jobs compared.
    const billed = await waitFor('usage of all three', async () => {
      const u = await call(t.url, 'GET', '/v1/usage', a.key);
      const per = new Map<string, { micros: number; entries: number; quantity: Map<string, bigint> }>();
      for (const e of u.body.entries as { jobId?: string; amountUsd: string; unit: string; quantity: string }[]) {
        if (!e.jobId) continue;
        const b = per.get(e.jobId) ?? { micros: 0, entries: 0, quantity: new Map<string, bigint>() };
        b.micros += micros(e.amountUsd);
        b.entries++;
        b.quantity.set(e.unit, (b.quantity.get(e.unit) ?? 0n) + BigInt(e.quantity));
        per.set(e.jobId, b);
      }
      return Object.values(jobs).every((j) => per.has(j.id)) && per;
    });
    const plain = billed.get(jobs.plain!.id)!;
    assert.ok(plain.micros > 0);
    for (const name of ['efficiency', 'dojo']) {
      const other = billed.get(jobs[name]!.id)!;
      assert.ok((plain.quantity.get('milli-device-seconds') ?? 0n) > 0n, 'device time is billed');
      assert.equal(other.quantity.get('milli-device-seconds'), plain.quantity.get('milli-device-seconds'), `${name}: billed device time`);
      const bound = plain.entries + other.entries;
      assert.ok(Math.abs(other.micros - plain.micros) <= bound, `${name}: billed ${other.micros} µ$ vs ${plain.micros} µ$ (rounding bound ${bound} µ$)`);
    }
  });
});
