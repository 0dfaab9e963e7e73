// The pricing cache is per tenant (issue 13, second round): a hit is observable (fast, and no
// engine time charged to the rate limit), so tenant B must never be answered from an entry that
// tenant A's request put there. Reference: the count of engine calls, one per (tenant, request).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobPricer, inProcessEngine, type EngineRequest } from '../../src/service/api/job-pricer.js';
import { JobSpecSchema } from '../../src/service/api/job-spec.js';
import { LedgerView } from '../../src/service/api/ledger-view.js';
import { placementFor } from '../../src/service/api/placement.js';
import { defaultPools } from '../../src/service/api/pools.js';
import { defaultRateCard } from '../../src/service/billing/rate-card.js';
import type { Store } from '../../src/service/store/store.js';

function counting() {
  const calls: (string | undefined)[] = [];
  const engine = (req: EngineRequest) => {
    calls.push(req.tenantId);
    return inProcessEngine(req);
  };
  // The ledger view only prices predictions here; it never reads the store.
  const pricer = new JobPricer(engine, new LedgerView({} as Store, defaultRateCard()), 2);
  return { calls, pricer };
}

const spec = (steps: number) => JobSpecSchema.parse({ model: 'gpt3-1.7b', training: { steps }, resources: { tiles: 1 } });

describe('JobPricer cache scope', () => {
  it('answers a tenant’s repeated request from its own cache, never from another tenant’s', async () => {
    const { calls, pricer } = counting();
    const s = spec(100);
    const placement = placementFor(defaultPools(), s.resources);
    const a1 = await pricer.price(s, placement, 'tenant-a');
    await pricer.price(s, placement, 'tenant-a');
    assert.deepEqual(calls, ['tenant-a'], 'a repeat by the same tenant is a hit');
    const b = await pricer.price(s, placement, 'tenant-b');
    assert.deepEqual(calls, ['tenant-a', 'tenant-b'], 'the same request by another tenant is evaluated for it');
    assert.equal(b.predictedMicros, a1.predictedMicros, 'and priced the same');
  });

  it('bounds each tenant’s cache on its own: one tenant’s requests do not evict another’s', async () => {
    const { calls, pricer } = counting();
    const placement = placementFor(defaultPools(), spec(100).resources);
    await pricer.price(spec(100), placement, 'tenant-a');
    for (const steps of [200, 300, 400]) await pricer.price(spec(steps), placement, 'tenant-b'); // over b's bound of 2
    await pricer.price(spec(100), placement, 'tenant-a');
    assert.equal(calls.filter((t) => t === 'tenant-a').length, 1, 'a’s entry survived b’s requests');
    await pricer.price(spec(200), placement, 'tenant-b');
    assert.equal(calls.filter((t) => t === 'tenant-b').length, 4, 'b’s oldest entry was evicted by its own requests');
  });
});
