// Key verification does the same work for an unknown key id, a revoked key and a wrong secret
// (one digest, one constant-time comparison), so refusals do not reveal which ids exist; and
// the per-address limiter's `wait` peeks without taking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyVerifier, newKey, sha256 } from '../../../src/server/http/auth.js';
import { RateLimiter } from '../../../src/server/http/rate-limit.js';
import type { ApiKeyRow } from '../../../src/service/store/store.js';

describe('key verification', () => {
  it('hashes the presented secret exactly once whether the id is unknown, revoked or right with a wrong secret', async () => {
    const live = newKey();
    const revoked = newKey();
    const rows = new Map<string, ApiKeyRow>([
      [live.id, { id: live.id, tenantId: 't', role: 'tenant', secretSha256: live.sha256, label: null, revoked: false }],
      [revoked.id, { id: revoked.id, tenantId: 't', role: 'tenant', secretSha256: revoked.sha256, label: null, revoked: true }],
    ]);
    let digests = 0;
    const verifier = new KeyVerifier({ apiKey: async (id) => rows.get(id) }, (s) => (digests++, sha256(s)));
    const other = newKey();
    const cases: [string, string, boolean][] = [
      ['unknown id', `odk_${other.id}_${other.secret}`, false],
      ['wrong secret', `odk_${live.id}_${other.secret}`, false],
      ['revoked key', revoked.token, false],
      ['live key', live.token, true],
    ];
    for (const [what, token, ok] of cases) {
      digests = 0;
      const p = await verifier.verify(`Bearer ${token}`);
      assert.equal(p !== null, ok, what);
      assert.equal(digests, 1, `${what}: one digest`);
    }
    assert.deepEqual(verifier.cachedValid(`Bearer ${live.token}`), { keyId: live.id, role: 'tenant', tenantId: 't' });
    verifier.forget(live.id);
    assert.equal(verifier.cachedValid(`Bearer ${live.token}`), undefined, 'a forgotten key is looked up again');
  });

  it('RateLimiter.wait peeks: the closed form (1 − tokens) / rate, and nothing is taken', () => {
    let now = 0;
    const l = new RateLimiter(5, 2, () => now);
    assert.equal(l.wait('a'), 0);
    assert.equal(l.take('a'), 0);
    assert.equal(l.take('a'), 0);
    assert.equal(l.wait('a'), 0.2);
    now = 100; // half a token back
    assert.ok(Math.abs(l.wait('a') - 0.1) < 1e-12);
    assert.ok(Math.abs(l.wait('a') - 0.1) < 1e-12, 'waiting twice takes nothing');
    now = 200;
    assert.equal(l.take('a'), 0);
  });
});
