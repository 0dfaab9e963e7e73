// The billing ledger as the service sees it: the pure UsageLedger rebuilt by replaying the
// store's append-only ledger operations in order (usage segments, adjustments, invoice issues).
// Every replica replays the same sequence, so all of them compute the same entries and
// invoices; sync() applies only what is new. Spend per tenant is kept as a running sum for the
// scheduler's budget check.
import { UsageLedger, type Invoice, type LedgerEntry, type Period, type UsageSegment } from '../billing/ledger.js';
import { priceOf } from '../billing/money.js';
import { unitPrice, type RateCard } from '../billing/rate-card.js';
import type { Store } from '../store/store.js';

/** Default billing period: 30 virtual days. */
export const DEFAULT_PERIOD_MS = 30 * 86_400_000;

export class LedgerView {
  readonly ledger: UsageLedger;
  private lastSeq = 0;
  private readonly spent = new Map<string, bigint>();
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    readonly card: RateCard,
    periodMs = DEFAULT_PERIOD_MS,
  ) {
    this.ledger = new UsageLedger({ card, periodMs });
  }

  /** Applies ledger operations appended since the last sync (one sync at a time). */
  sync(): Promise<void> {
    this.syncing ??= this.pull().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async pull(): Promise<void> {
    for (;;) {
      const ops = await this.store.ledgerOpsAfter(this.lastSeq);
      if (!ops.length) return;
      for (const op of ops) {
        const p = op.payload;
        if (op.kind === 'usage') this.count(this.ledger.recordUsage(p as unknown as UsageSegment));
        else if (op.kind === 'adjustment') this.count([this.ledger.adjust({ idempotencyKey: op.idempotencyKey, tenantId: op.tenantId, amountMicros: BigInt(String(p.amountMicros)), reason: String(p.reason), ...(p.jobId ? { jobId: String(p.jobId) } : {}) }, Number(p.atMs))]);
        else this.ledger.invoice(op.tenantId, this.ledger.period(Number(p.period)), Number(p.issuedAtMs));
        this.lastSeq = op.seq;
      }
    }
  }

  private count(entries: readonly LedgerEntry[]): void {
    for (const e of entries) this.spent.set(e.tenantId, (this.spent.get(e.tenantId) ?? 0n) + e.amountMicros);
  }

  /** Everything billed to the tenant so far, all periods. */
  spentMicros(tenantId: string): bigint {
    return this.spent.get(tenantId) ?? 0n;
  }

  periodAt(virtualSeconds: number): Period {
    return this.ledger.periodAt(Math.floor(virtualSeconds * 1000));
  }

  invoices(tenantId: string): readonly Invoice[] {
    return this.ledger.invoices(tenantId);
  }

  /** What `devices` for `seconds` drawing `energyJ` would be billed (compute + energy). */
  predictMicros(resource: string, devices: number, seconds: number, energyJ: number): bigint {
    const compute = unitPrice(this.card, 'compute', resource, 'resources');
    const energy = unitPrice(this.card, 'energy', resource, 'resources');
    return priceOf(BigInt(devices) * BigInt(Math.round(seconds * 1000)), compute.unitPriceMicros, compute.unitsPerPriceUnit) + priceOf(BigInt(Math.round(energyJ)), energy.unitPriceMicros, energy.unitsPerPriceUnit);
  }
}
