// Caps on open Server-Sent Events streams: each polls the store five times a second, so 1,500 on
// one key kept /health waiting up to 13.2 s. A tenant gets `perTenant` streams at once and the
// replica `total`; past either the request is refused (429) before any work, and the slot is
// given back when the stream closes, however it closes.
import { HttpProblem } from './problem.js';

export interface StreamLimits {
  /** Most open streams per tenant (the admin counts as one tenant). */
  maxStreamsPerTenant?: number;
  /** Most open streams on this replica. */
  maxStreams?: number;
}

/** Seconds a refused client is asked to wait: streams usually live as long as a job's run. */
const RETRY_AFTER_S = 5;

export class StreamGate {
  private readonly open = new Map<string, number>();
  private total = 0;
  readonly perTenant: number;
  readonly max: number;
  constructor(limits: StreamLimits = {}) {
    this.perTenant = limits.maxStreamsPerTenant ?? 16;
    this.max = limits.maxStreams ?? 256;
  }

  /** Takes a slot for `owner` and returns its release (idempotent), or throws a 429 problem. */
  acquire(owner: string): () => void {
    const mine = this.open.get(owner) ?? 0;
    const refuse = (detail: string) => new HttpProblem(429, 'Too Many Requests', detail, [], { 'retry-after': String(RETRY_AFTER_S) });
    if (mine >= this.perTenant) throw refuse(`${mine} event streams are open for this tenant; the limit is ${this.perTenant} (close one, or read events as JSON with ?after=N)`);
    if (this.total >= this.max) throw refuse(`${this.total} event streams are open on this server; the limit is ${this.max}`);
    this.open.set(owner, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.open.get(owner) ?? 1) - 1;
      if (left > 0) this.open.set(owner, left);
      else this.open.delete(owner);
    };
  }

  get openStreams(): number {
    return this.total;
  }
}
