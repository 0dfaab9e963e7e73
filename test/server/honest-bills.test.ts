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
    const billed = await waitFor('usage of all three', async () => {
      const u = await call(t.url, 'GET', '/v1/usage', a.key);
      const per = new Map<string, number>();
      for (const e of u.body.entries as { jobId?: string; amountUsd: string }[]) if (e.jobId) per.set(e.jobId, (per.get(e.jobId) ?? 0) + micros(e.amountUsd));
      return Object.values(jobs).every((j) => per.has(j.id)) && per;
    });
    const plainBill = billed.get(jobs.plain!.id)!;
    assert.ok(plainBill > 0);
    assert.equal(billed.get(jobs.efficiency!.id), plainBill, 'billed with efficiency overrides');
    assert.equal(billed.get(jobs.dojo!.id), plainBill, 'billed with system.dojo overrides');
  });
});
