// API keys: `odk_<id>_<secret>`. Only the SHA-256 of the secret is stored (the secret is 32
// random bytes, so a fast hash is enough: there is nothing to brute-force); comparison is
// constant-time, and an unknown or revoked key id is compared against a dummy hash so that
// refusing it costs the same as refusing a wrong secret (key-id existence is not observable).
// Verified keys are cached briefly so status reads do not hit the database; a revocation on this
// replica drops the key from the cache at once, on other replicas within CACHE_MS.
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
export const CACHE_MS = 5_000;
/** Stands in for the stored hash of a key that does not exist (matches no secret in practice). */
const DUMMY_SHA256 = sha256(randomBytes(32).toString('base64url'));

export class KeyVerifier {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  /** `hash` is the secret's digest (a parameter so a test can count the work done per refusal). */
  constructor(
    private readonly store: Pick<Store, 'apiKey'>,
    private readonly hash: (secret: string) => string = sha256,
  ) {}

  /** The principal if this header's key was verified within CACHE_MS, else undefined. */
  cachedValid(header: string | undefined): Principal | undefined {
    const token = tokenOf(header);
    const hit = token ? this.cache.get(token) : undefined;
    return hit && hit.until > Date.now() && hit.principal ? hit.principal : undefined;
  }

  /** The principal for an Authorization header, or null for a missing, malformed, unknown or revoked key. */
  async verify(header: string | undefined): Promise<Principal | null> {
    const token = tokenOf(header);
    const m = token ? TOKEN.exec(token) : null;
    if (!m) return null;
    const hit = this.cache.get(token!);
    if (hit && hit.until > Date.now()) return hit.principal;
    const row = await this.store.apiKey(m[1]!);
    // The same hash and comparison whether or not the id exists or is revoked.
    const a = Buffer.from(row && !row.revoked ? row.secretSha256 : DUMMY_SHA256, 'hex');
    const b = Buffer.from(this.hash(m[2]!), 'hex');
    const equal = a.length === b.length && timingSafeEqual(a, b);
    const principal: Principal | null = equal && row && !row.revoked ? { keyId: row.id, role: row.role, tenantId: row.tenantId } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token!, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }

  /** Drops a revoked key from this replica's cache. */
  forget(keyId: string): void {
    for (const [token, hit] of this.cache) if (hit.principal?.keyId === keyId) this.cache.delete(token);
  }
}

function tokenOf(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}
