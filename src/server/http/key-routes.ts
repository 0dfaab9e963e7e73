// API key lifecycle: list, revoke and rotate. The admin may act on any key, a tenant on its own
// keys only (another tenant's key id answers 404, exactly like an unknown one). A revocation
// takes effect at once on this replica and within the verification cache time on the others.
import { z } from 'zod';
import { issue } from '../../common/errors.js';
import { parseOrThrow } from '../../common/zod-issues.js';
import type { ApiKeyInfo } from '../../service/store/store.js';
import { CACHE_MS, newKey, type Principal } from './auth.js';
import { HttpProblem, sendJson } from './problem.js';
import type { Route } from './types.js';

const scopeOf = (p: Principal | null) => (p?.role === 'admin' ? null : p!.tenantId!);
const noSuchKey = () => new HttpProblem(404, 'Not Found', 'no such key');

export const keyView = (k: ApiKeyInfo) => ({ id: k.id, tenant: k.tenantId, role: k.role, label: k.label, createdAt: k.createdAt, revokedAt: k.revokedAt });

export const KeysQuerySchema = z.object({ tenant: z.string().min(1).max(64).optional().describe('Admin only: whose keys') }).strict();


export const KEY_ROUTES: Route[] = [
  {
    method: 'GET', path: '/v1/keys', summary: 'API keys (never their secrets): a tenant’s own, or for the admin all of them or one tenant’s', tag: 'tenants', auth: 'any', query: KeysQuerySchema,
    responses: { '200': 'Keys, oldest first' },
    handle: async ({ res, query, principal }, d) => {
      const q = parseOrThrow(KeysQuerySchema, Object.fromEntries(query), 'query');
      const scope = scopeOf(principal) ?? q.tenant ?? null;
      sendJson(res, 200, { keys: (await d.store.listApiKeys(scope)).map(keyView) });
    },
  },
  {
    method: 'POST', path: '/v1/keys/{id}/revoke', summary: `Revoke a key (idempotent); it stops working at once on this replica, within ${CACHE_MS / 1000} s on others`, tag: 'tenants', auth: 'any',
    responses: { '200': 'The key, revoked', '404': 'No such key for this tenant', '409': 'The last admin key' },
    handle: async ({ res, params, principal }, d) => {
      const scope = scopeOf(principal);
      if (scope === null) {
        const row = await d.store.apiKey(params.id!);
        if (row?.role === 'admin' && !row.revoked && (await d.store.countAdminKeys()) <= 1) throw new HttpProblem(409, 'Conflict', 'this is the last admin key: create another (opendojo admin create-key) first', [issue('id', 'is the last admin key')]);
      }
      const key = await d.store.revokeApiKey(scope, params.id!);
      if (!key) throw noSuchKey();
      d.keys.forget(key.id);
      sendJson(res, 200, { key: keyView(key) });
    },
  },
  {
    method: 'POST', path: '/v1/keys/{id}/rotate', summary: 'Replace a key: a new key (printed once) with the same tenant, role and label, and the old one revoked, in one transaction', tag: 'tenants', auth: 'any',
    responses: { '201': 'The new key and the revoked one', '404': 'No such key for this tenant', '409': 'The key is already revoked' },
    handle: async ({ res, params, principal }, d) => {
      const fresh = newKey();
      const r = await d.store.rotateApiKey(scopeOf(principal), params.id!, { id: fresh.id, secretSha256: fresh.sha256 });
      if (r === undefined) throw noSuchKey();
      if (r === 'revoked') throw new HttpProblem(409, 'Conflict', 'the key is already revoked; rotate a live key', [issue('id', 'is revoked')]);
      d.keys.forget(r.old.id);
      sendJson(res, 201, { apiKey: fresh.token, key: keyView(r.next), revoked: keyView(r.old) });
    },
  },
];
