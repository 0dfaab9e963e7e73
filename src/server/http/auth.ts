// API keys: `odk_<id>_<secret>`. Only the SHA-256 of the secret is stored (the secret is 32
// random bytes, so a fast hash is enough: there is nothing to brute-force); comparison is
// constant-time. Verified keys are cached briefly so status reads do not hit the database.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role, Store } from '../../service/store/store.js';

export interface Principal {
  keyId: string;
  role: Role;
  tenantId: string | null;
}

export function newKey(): { id: string; secret: string; token: string; sha256: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `odk_${id}_${secret}`, sha256: sha256(secret) };
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const TOKEN = /^odk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const CACHE_MS = 5_000;

export class KeyVerifier {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  constructor(private readonly store: Store) {}

  /** The principal for an Authorization header, or null for a missing, malformed, unknown or revoked key. */
  async verify(header: string | undefined): Promise<Principal | null> {
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const m = token ? TOKEN.exec(token) : null;
    if (!m) return null;
    const hit = this.cache.get(token!);
    if (hit && hit.until > Date.now()) return hit.principal;
    const row = await this.store.apiKey(m[1]!);
    let principal: Principal | null = null;
    if (row && !row.revoked) {
      const a = Buffer.from(row.secretSha256, 'hex');
      const b = Buffer.from(sha256(m[2]!), 'hex');
      if (a.length === b.length && timingSafeEqual(a, b)) principal = { keyId: row.id, role: row.role, tenantId: row.tenantId };
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token!, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }
}
