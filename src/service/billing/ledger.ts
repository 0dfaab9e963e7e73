// The usage ledger: an append-only list of priced entries per tenant, job and billing period,
// and the invoices issued from it. A job's usage segment is split at period boundaries so the
// pieces' quantities and amounts add up to the whole segment's exactly; an idempotency key makes
// a retried record a no-op; an issued invoice never changes — usage that arrives later for its
// period is billed as an adjustment on the tenant's next open period. Times are integer
// milliseconds of virtual time, like the scheduler's. See docs/billing.md.
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { parseOrThrow } from '../../common/zod-issues.js';
import { apportion, divRoundHalfEven, priceOf, sumMicros, usdToMicros, type Micros, type QuantityUnit } from './money.js';
import { discountBasisPoints, unitPrice, type BillableKind, type RateCard } from './rate-card.js';

export type EntryKind = BillableKind | 'adjustment';
const KIND_ORDER: readonly EntryKind[] = ['compute', 'energy', 'checkpoint-storage', 'adjustment'];

const safeInt = z.number().int().refine(Number.isSafeInteger, 'expected a safe integer');
export const UsageSegmentSchema = z
  .object({
    /** Same key, same segment: recorded once. Same key, different segment: rejected. */
    idempotencyKey: z.string().min(1),
    tenantId: z.string().min(1),
    jobId: z.string().min(1),
    /** A key of the rate card's `compute` table, e.g. `dojo-tile` or `dgx-h100-80gb`. */
    resource: z.string().min(1),
    devices: safeInt.positive(),
    startMs: safeInt,
    endMs: safeInt,
    /** IT energy the job's devices drew over the whole segment. */
    energyJoules: safeInt.nonnegative().optional(),
    /** Checkpoint bytes held over the whole segment, in whole GB. */
    checkpointGB: safeInt.nonnegative().optional(),
  })
  .strict()
  .refine((s) => s.endMs > s.startMs, { message: 'expected endMs after startMs', path: ['endMs'] });
export type UsageSegment = z.input<typeof UsageSegmentSchema>;

export interface Period {
  readonly index: number;
  /** Inclusive start and exclusive end, ms. */
  readonly start: number;
  readonly end: number;
}

export interface LedgerEntry {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly tenantId: string;
  readonly jobId: string;
  readonly kind: EntryKind;
  readonly resource: string;
  readonly unit: QuantityUnit;
  /** Integer count of `unit`. */
  readonly quantity: bigint;
  /** Micro-dollars per price unit (device-hour, kWh, GB-month; 1 for `each`). */
  readonly unitPriceMicros: Micros;
  readonly amountMicros: Micros;
  /** The billing period the entry is charged in. */
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly at: number;
  /** Late usage: what was used, in which already-invoiced period. */
  readonly lateUsage?: { readonly kind: BillableKind; readonly periodStart: number; readonly periodEnd: number; readonly invoiceId: string };
  readonly reason?: string;
}

export interface InvoiceLine {
  readonly jobId: string;
  readonly kind: EntryKind;
  readonly resource: string;
  readonly unit: QuantityUnit;
  readonly quantity: bigint;
  readonly amountMicros: Micros;
  readonly entryIds: readonly string[];
}

export interface Invoice {
  readonly id: string;
  readonly tenantId: string;
  readonly period: Period;
  readonly issuedAt: number;
  readonly lines: readonly InvoiceLine[];
  readonly subtotalMicros: Micros;
  readonly discountBasisPoints: bigint;
  readonly discountMicros: Micros;
  /** Added so a non-negative bill reaches the card's minimum charge. */
  readonly minimumTopUpMicros: Micros;
  readonly totalMicros: Micros;
}

export interface Totals {
  readonly amountMicros: Micros;
  readonly byKind: Readonly<Record<EntryKind, Micros>>;
  readonly entryCount: number;
}

export interface LedgerOptions {
  card: RateCard;
  /** Length of one billing period, ms. */
  periodMs: number;
  /** Start of period 0, ms. */
  originMs?: number;
}

export interface Adjustment {
  idempotencyKey: string;
  tenantId: string;
  jobId?: string;
  /** Negative for a credit. */
  amountMicros: Micros;
  reason: string;
}

export class UsageLedger {
  readonly card: RateCard;
  readonly periodMs: number;
  readonly originMs: number;
  private readonly log: LedgerEntry[] = [];
  private readonly byKey = new Map<string, { fingerprint: string; entries: readonly LedgerEntry[] }>();
  private readonly issued = new Map<string, Invoice>();

  constructor({ card, periodMs, originMs = 0 }: LedgerOptions) {
    if (!Number.isSafeInteger(periodMs) || periodMs <= 0) throw new InputError('ledger', [{ path: 'periodMs', message: `expected a positive integer, got ${periodMs}` }]);
    if (!Number.isSafeInteger(originMs)) throw new InputError('ledger', [{ path: 'originMs', message: `expected an integer, got ${originMs}` }]);
    this.card = card;
    this.periodMs = periodMs;
    this.originMs = originMs;
  }

  period(index: number): Period {
    const start = this.originMs + index * this.periodMs;
    return { index, start, end: start + this.periodMs };
  }

  periodAt(ms: number): Period {
    return this.period(Math.floor((ms - this.originMs) / this.periodMs));
  }

  /** Every entry, oldest first. */
  entries(): readonly LedgerEntry[] {
    return this.log.slice();
  }

  /**
   * Prices a job's usage segment and appends its entries, one per billable kind per period the
   * segment touches. A retry with the same key and segment returns the first call's entries.
   */
  recordUsage(segment: UsageSegment, atMs?: number): readonly LedgerEntry[] {
    const s = parseOrThrow(UsageSegmentSchema, segment, 'usage segment');
    const prior = this.replay(s.idempotencyKey, JSON.stringify(s));
    if (prior) return prior;
    const at = atMs ?? s.endMs;
    const first = this.periodAt(s.startMs).index;
    const last = this.periodAt(s.endMs - 1).index;
    const pieces: Period[] = [];
    const durations: bigint[] = [];
    for (let i = first; i <= last; i++) {
      const p = this.period(i);
      pieces.push(p);
      durations.push(BigInt(Math.min(p.end, s.endMs) - Math.max(p.start, s.startMs)));
    }
    const quantities: [BillableKind, bigint[]][] = [['compute', durations.map((d) => d * BigInt(s.devices))]];
    if (s.energyJoules) quantities.push(['energy', apportion(BigInt(s.energyJoules), durations)]);
    if (s.checkpointGB) quantities.push(['checkpoint-storage', durations.map((d) => d * BigInt(s.checkpointGB!))]);

    const added: LedgerEntry[] = [];
    for (const [kind, parts] of quantities) {
      const price = unitPrice(this.card, kind, s.resource);
      // Round once on the cumulative quantity; each piece takes the difference, so the pieces'
      // amounts telescope to the price of the whole segment.
      let cumulative = 0n;
      let pricedSoFar = 0n;
      parts.forEach((quantity, i) => {
        cumulative += quantity;
        const upTo = priceOf(cumulative, price.unitPriceMicros, price.unitsPerPriceUnit);
        const amountMicros = upTo - pricedSoFar;
        pricedSoFar = upTo;
        if (quantity === 0n) return;
        const used = pieces[i]!;
        const billed = this.openPeriodFrom(s.tenantId, used);
        const late = billed.index !== used.index;
        added.push(
          this.append({
            idempotencyKey: s.idempotencyKey,
            tenantId: s.tenantId,
            jobId: s.jobId,
            kind: late ? 'adjustment' : kind,
            resource: s.resource,
            unit: price.unit,
            quantity,
            unitPriceMicros: price.unitPriceMicros,
            amountMicros,
            periodStart: billed.start,
            periodEnd: billed.end,
            at,
            ...(late ? { lateUsage: { kind, periodStart: used.start, periodEnd: used.end, invoiceId: invoiceId(s.tenantId, used) } } : {}),
          }),
        );
      });
    }
    return this.remember(s.idempotencyKey, JSON.stringify(s), added);
  }

  /** A manual charge or credit, billed in the tenant's period of `atMs` (or the next open one). */
  adjust(adjustment: Adjustment, atMs: number): LedgerEntry {
    const { idempotencyKey, tenantId, jobId = '', amountMicros, reason } = adjustment;
    if (!idempotencyKey || !tenantId) throw new InputError('adjustment', [{ path: idempotencyKey ? 'tenantId' : 'idempotencyKey', message: 'expected a non-empty string' }]);
    const fingerprint = JSON.stringify({ tenantId, jobId, amount: amountMicros.toString(), reason });
    const prior = this.replay(idempotencyKey, fingerprint);
    if (prior) return prior[0]!;
    const billed = this.openPeriodFrom(tenantId, this.periodAt(atMs));
    const entry = this.append({ idempotencyKey, tenantId, jobId, kind: 'adjustment', resource: 'manual', unit: 'each', quantity: 1n, unitPriceMicros: amountMicros, amountMicros, periodStart: billed.start, periodEnd: billed.end, at: atMs, reason });
    return this.remember(idempotencyKey, fingerprint, [entry])[0]!;
  }

  /** The sum of a tenant's entries charged in `period`. */
  totals(tenantId: string, period: Period): Totals {
    const byKind: Record<EntryKind, Micros> = { compute: 0n, energy: 0n, 'checkpoint-storage': 0n, adjustment: 0n };
    let entryCount = 0;
    for (const e of this.entriesIn(tenantId, this.checkPeriod(period))) {
      byKind[e.kind] += e.amountMicros;
      entryCount++;
    }
    return { amountMicros: sumMicros(Object.values(byKind)), byKind, entryCount };
  }

  /** Issues (or returns the already issued) invoice; the period is closed to new entries after. */
  invoice(tenantId: string, period: Period, issuedAt = period.end): Invoice {
    const p = this.checkPeriod(period);
    const id = invoiceId(tenantId, p);
    const existing = this.issued.get(id);
    if (existing) return existing;
    const groups = new Map<string, { line: Omit<InvoiceLine, 'entryIds' | 'quantity' | 'amountMicros'>; quantity: bigint; amountMicros: bigint; entryIds: string[] }>();
    for (const e of this.entriesIn(tenantId, p)) {
      const key = JSON.stringify([e.jobId, KIND_ORDER.indexOf(e.kind), e.resource, e.unit]);
      const g = groups.get(key) ?? { line: { jobId: e.jobId, kind: e.kind, resource: e.resource, unit: e.unit }, quantity: 0n, amountMicros: 0n, entryIds: [] };
      g.quantity += e.quantity;
      g.amountMicros += e.amountMicros;
      g.entryIds.push(e.id);
      groups.set(key, g);
    }
    const lines = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, g]) => Object.freeze({ ...g.line, quantity: g.quantity, amountMicros: g.amountMicros, entryIds: Object.freeze(g.entryIds) }));
    const subtotalMicros = sumMicros(lines.map((l) => l.amountMicros));
    const bps = discountBasisPoints(this.card, tenantId);
    const discountMicros = subtotalMicros > 0n ? divRoundHalfEven(subtotalMicros * bps, 10_000n) : 0n;
    const afterDiscount = subtotalMicros - discountMicros;
    const minimum = usdToMicros(this.card.minimumChargeUsd, 'minimumChargeUsd');
    const minimumTopUpMicros = lines.length > 0 && afterDiscount >= 0n && afterDiscount < minimum ? minimum - afterDiscount : 0n;
    const invoice: Invoice = Object.freeze({
      id,
      tenantId,
      period: Object.freeze({ ...p }),
      issuedAt,
      lines: Object.freeze(lines),
      subtotalMicros,
      discountBasisPoints: bps,
      discountMicros,
      minimumTopUpMicros,
      totalMicros: afterDiscount + minimumTopUpMicros,
    });
    this.issued.set(id, invoice);
    return invoice;
  }

  /** Invoices issued to a tenant, by period. */
  invoices(tenantId: string): readonly Invoice[] {
    return [...this.issued.values()].filter((i) => i.tenantId === tenantId).sort((a, b) => a.period.index - b.period.index);
  }

  /** Entries charged in periods not yet invoiced: what the tenant's next invoices will carry. */
  unbilled(tenantId: string): readonly LedgerEntry[] {
    return this.log.filter((e) => e.tenantId === tenantId && !this.issued.has(invoiceId(tenantId, this.periodAt(e.periodStart))));
  }

  private entriesIn(tenantId: string, p: Period): LedgerEntry[] {
    return this.log.filter((e) => e.tenantId === tenantId && e.periodStart === p.start);
  }

  /** `from` itself if the tenant's invoice for it is not issued, else the first later period that is open. */
  private openPeriodFrom(tenantId: string, from: Period): Period {
    let p = from;
    while (this.issued.has(invoiceId(tenantId, p))) p = this.period(p.index + 1);
    return p;
  }

  private checkPeriod(period: Period): Period {
    const p = this.period(period.index);
    if (!Number.isSafeInteger(period.index) || p.start !== period.start || p.end !== period.end) {
      throw new InputError('ledger', [{ path: 'period', message: `not a billing period of this ledger (period ${period.index} is [${p.start}, ${p.end}) ms)` }]);
    }
    return p;
  }

  private replay(key: string, fingerprint: string): readonly LedgerEntry[] | undefined {
    const prior = this.byKey.get(key);
    if (!prior) return undefined;
    if (prior.fingerprint !== fingerprint) throw new InputError('usage', [{ path: 'idempotencyKey', message: `"${key}" was already recorded with different contents` }]);
    return prior.entries;
  }

  private remember(key: string, fingerprint: string, entries: LedgerEntry[]): readonly LedgerEntry[] {
    const frozen = Object.freeze(entries);
    this.byKey.set(key, { fingerprint, entries: frozen });
    return frozen;
  }

  private append(entry: Omit<LedgerEntry, 'id'>): LedgerEntry {
    const e = Object.freeze({ id: `e${this.log.length + 1}`, ...entry });
    this.log.push(e);
    return e;
  }
}

export function invoiceId(tenantId: string, period: Period): string {
  return `inv:${tenantId}:${period.index}`;
}
