// Queue ordering: priority class first (higher first), then weighted fair share between tenants
// (lower usage / weight first), then submit time. Usage is in tile-seconds and decays
// exponentially with a half-life, so a tenant's past bursts count less as time passes.
import { InputError, issue } from '../../common/errors.js';

export type QueueOrder = 'fifo' | 'priority-fair-share';

/** What the ordering needs to know about a waiting job. */
export interface Queued {
  readonly priority: number;
  readonly tenant: string;
  readonly submittedAt: number;
  /** Submission sequence number: breaks ties between equal submit times. */
  readonly seq: number;
}

/** Usage left after `dtSeconds` of exponential decay: halves every `halfLifeSeconds`. */
export function decayUsage(usage: number, dtSeconds: number, halfLifeSeconds: number): number {
  return usage * Math.pow(2, -dtSeconds / halfLifeSeconds);
}

/**
 * Decayed usage after `dtSeconds` during which `tilesInUse` tiles ran throughout: the old usage
 * decays and the new tile-seconds are added with their own decay, ∫₀^dt k·2^(−(dt−s)/h) ds
 * = k·h/ln2·(1 − 2^(−dt/h)). Exact, so accruing in one step or many gives the same answer.
 */
export function accrueUsage(usage: number, tilesInUse: number, dtSeconds: number, halfLifeSeconds: number): number {
  const gone = -Math.expm1((-dtSeconds * Math.LN2) / halfLifeSeconds); // 1 − 2^(−dt/h), exact for small dt
  return usage * (1 - gone) + (tilesInUse * halfLifeSeconds * gone) / Math.LN2;
}

export const bySubmitOrder = (a: Queued, b: Queued): number => a.submittedAt - b.submittedAt || a.seq - b.seq;

/** The total order, spelled out (`orderQueue` computes the same order in linear time). */
export function compareQueued(a: Queued, b: Queued, shareOf: (tenant: string) => number, order: QueueOrder): number {
  if (order === 'priority-fair-share') {
    const byClass = b.priority - a.priority || shareOf(a.tenant) - shareOf(b.tenant);
    if (byClass) return byClass;
  }
  return bySubmitOrder(a, b);
}

/**
 * The waiting jobs in scheduling order. Shares are constant within one pass, so the order is
 * buckets of (priority, share), each in submit order: O(n) for input already in submit order,
 * which is how the scheduler keeps its queue (other input is sorted first). Tenants with equal
 * shares (e.g. all zero at start) interleave by submit time.
 */
export function orderQueue<T extends Queued>(jobs: readonly T[], shareOf: (tenant: string) => number, order: QueueOrder): T[] {
  let sorted = true;
  for (let i = 1; i < jobs.length && sorted; i++) sorted = bySubmitOrder(jobs[i - 1]!, jobs[i]!) <= 0;
  const inSubmitOrder = sorted ? jobs : [...jobs].sort(bySubmitOrder);
  if (order === 'fifo') return [...inSubmitOrder];
  const shares = new Map<string, number>();
  const buckets = new Map<number, Map<number, T[]>>();
  for (const job of inSubmitOrder) {
    let share = shares.get(job.tenant);
    if (share === undefined) shares.set(job.tenant, (share = shareOf(job.tenant)));
    let byShare = buckets.get(job.priority);
    if (!byShare) buckets.set(job.priority, (byShare = new Map()));
    const bucket = byShare.get(share);
    if (bucket) bucket.push(job);
    else byShare.set(share, [job]);
  }
  const out: T[] = [];
  for (const priority of [...buckets.keys()].sort((a, b) => b - a)) {
    const byShare = buckets.get(priority)!;
    for (const share of [...byShare.keys()].sort((a, b) => a - b)) out.push(...byShare.get(share)!);
  }
  return out;
}

/** Per-tenant decayed usage (tile-seconds) and weights; share = usage / weight. */
export class FairShareLedger {
  private readonly usage = new Map<string, number>();
  private readonly inUse = new Map<string, number>();
  private readonly weights = new Map<string, number>();
  private at: number | null = null;

  constructor(
    readonly halfLifeSeconds: number,
    weights: Readonly<Record<string, number>> = {},
  ) {
    const problems = Object.entries(weights)
      .filter(([, w]) => !(Number.isFinite(w) && w > 0))
      .map(([t, w]) => issue(`tenantWeights.${t}`, `must be a positive number; got ${w}`));
    if (!(Number.isFinite(halfLifeSeconds) && halfLifeSeconds > 0)) problems.push(issue('usageHalfLifeSeconds', `must be a positive number; got ${halfLifeSeconds}`));
    if (problems.length) throw new InputError('fair-share ledger', problems);
    for (const [t, w] of Object.entries(weights)) this.weights.set(t, w);
  }

  /** Decays every tenant's usage to `now` and adds the tile-seconds their running jobs used. */
  advance(now: number): void {
    if (this.at !== null && now > this.at) {
      const dt = now - this.at;
      for (const tenant of new Set([...this.usage.keys(), ...this.inUse.keys()])) {
        this.usage.set(tenant, accrueUsage(this.usage.get(tenant) ?? 0, this.inUse.get(tenant) ?? 0, dt, this.halfLifeSeconds));
      }
    }
    this.at = Math.max(this.at ?? now, now);
  }

  /** Tiles a tenant starts (positive) or stops (negative) using at the time of the last `advance`. */
  addInUse(tenant: string, tiles: number): void {
    this.inUse.set(tenant, (this.inUse.get(tenant) ?? 0) + tiles);
  }

  tilesInUse(): ReadonlyMap<string, number> {
    return this.inUse;
  }

  weight(tenant: string): number {
    return this.weights.get(tenant) ?? 1;
  }

  usageOf(tenant: string): number {
    return this.usage.get(tenant) ?? 0;
  }

  share(tenant: string): number {
    return this.usageOf(tenant) / this.weight(tenant);
  }
}
