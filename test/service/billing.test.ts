// Metering and billing: exact money (half-even rounding, apportioning), the rate card (the doc's
// YAML example, the default card's derivation, errors naming keys), period splitting, idempotent
// records, invoice immutability and late-usage adjustments; then properties over random usage
// across tenants and periods: amounts and quantities add up exactly and tenants never mix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import YAML from 'yaml';
import { InputError } from '../../src/common/errors.js';
import { apportion, divRoundHalfEven, formatQuantity, formatUsd, priceOf, usdToMicros } from '../../src/service/billing/money.js';
import { defaultRateCard, parseRateCard, type RateCard } from '../../src/service/billing/rate-card.js';
import { UsageLedger, type LedgerEntry, type UsageSegment } from '../../src/service/billing/ledger.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(`${root}docs/billing.md`, 'utf8');
const docCards = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parse(m[1]!) as unknown);

/** A card with awkward prices so rounding is exercised. */
const CARD: RateCard = parseRateCard({
  currency: 'USD',
  compute: {
    'dojo-tile': { device: 'tile', usdPerDeviceHour: 5.990001, basis: 'test' },
    'dgx-h100-80gb': { device: 'gpu', usdPerDeviceHour: 1.75, basis: 'test' },
  },
  energy: { mode: 'pass-through', usdPerKWh: 0.096, basis: 'test' },
  checkpointStorage: { usdPerGBMonth: 0.023, basis: 'test' },
  minimumChargeUsd: 1,
  tenants: { a: { discountPercent: 12.5 } },
});
const HOUR = 3_600_000;
const sum = (xs: Iterable<bigint>) => [...xs].reduce((a, b) => a + b, 0n);

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    return e.issues;
  }
  assert.fail('expected an InputError');
}

// ---- money ----------------------------------------------------------------------------------

test('half-even division rounds ties to the even neighbour, both signs', () => {
  assert.deepEqual([5n, 7n, 6n, -5n, -7n, 3n, -3n].map((n) => divRoundHalfEven(n, 2n)), [2n, 4n, 3n, -2n, -4n, 2n, -2n]);
  assert.equal(divRoundHalfEven(10n, 3n), 3n);
  assert.equal(divRoundHalfEven(11n, 3n), 4n);
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (num, den) => {
      const q = divRoundHalfEven(num, den);
      const err = 2n * (num - q * den); // 2·(num/den − q)·den
      assert.ok(err <= den && err >= -den, 'within half a unit');
      if (err === den || err === -den) assert.equal(q % 2n, 0n, 'ties go to even');
    }),
  );
});

test('apportion splits a total into parts that add up exactly', () => {
  assert.deepEqual(apportion(10n, [1n, 1n, 1n]), [3n, 3n, 4n]);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 8 }), (total, weights) => {
      fc.pre(sum(weights) > 0n);
      const parts = apportion(total, weights);
      assert.equal(sum(parts), total);
      parts.forEach((p, i) => assert.ok(p >= 0n && (weights[i] === 0n ? p === 0n : true)));
    }),
  );
});

test('decimal dollars convert to exact micros and format back', () => {
  assert.equal(usdToMicros(0.1), 100_000n);
  assert.equal(usdToMicros(5.990001), 5_990_001n);
  assert.equal(usdToMicros(-2.5), -2_500_000n);
  assert.throws(() => usdToMicros(0.0000001), InputError);
  assert.equal(formatUsd(1_234_567_891n), '$1,234.567891');
  assert.equal(formatUsd(-1_234_567n, 2), '-$1.23');
  assert.equal(formatUsd(2_125_000n, 2), '$2.12'); // half-even at the cent
  assert.equal(formatQuantity(5_400_000n, 'milli-device-seconds'), '1.5 device-hours');
  assert.equal(formatQuantity(3_600_000n, 'joules'), '1 kWh');
});

// ---- rate card ------------------------------------------------------------------------------

test('the rate card example in docs/billing.md parses with the schema', () => {
  assert.equal(docCards.length, 1);
  const card = parseRateCard(docCards[0], 'docs/billing.md');
  assert.equal(card.compute['dojo-tile']?.usdPerDeviceHour, 5.99);
  assert.equal(card.tenants['acme']?.discountPercent, 12.5);
});

test('the default card is derived from the price sheet, basis next to each figure', () => {
  const card = defaultRateCard();
  // $150k per tile over 4 × 8766 h = $4.2779/h, + 40% = $5.989 → $5.99.
  assert.equal(card.compute['dojo-tile']?.usdPerDeviceHour, 5.99);
  assert.equal(card.compute['dojo-tile']?.device, 'tile');
  // $350k per 8-GPU node: $1.2477/GPU-hour, + 40% → $1.75.
  assert.equal(card.compute['dgx-h100-80gb']?.usdPerDeviceHour, 1.75);
  assert.equal(card.compute['dgx-h100-80gb']?.device, 'gpu');
  assert.deepEqual(card.energy, { mode: 'pass-through', usdPerKWh: 0.096, basis: card.energy.basis });
  for (const rate of Object.values(card.compute)) assert.match(rate.basis, /capex|owned/i);
});

test('bad rate cards are InputErrors naming the key', () => {
  const good = structuredClone(docCards[0]) as Record<string, Record<string, Record<string, unknown>>>;
  const bad = (edit: (c: typeof good) => void) => {
    const c = structuredClone(good);
    edit(c);
    return issuesOf(() => parseRateCard(c));
  };
  assert.deepEqual(bad((c) => (c['compute']!['dojo-tile']!['usdPerDeviceHour'] = -1)).map((i) => i.path), ['compute.dojo-tile.usdPerDeviceHour']);
  const precise = bad((c) => (c['compute']!['dojo-tile']!['usdPerDeviceHour'] = 1.2345678));
  assert.equal(precise[0]?.path, 'compute.dojo-tile.usdPerDeviceHour');
  assert.match(precise[0]!.message, /6 decimal places/);
  assert.deepEqual(bad((c) => delete c['energy']!['usdPerKWh']).map((i) => i.path), ['energy.usdPerKWh']);
  assert.deepEqual(bad((c) => (c['tenants']!['acme']!['discountPercent'] = 150)).map((i) => i.path), ['tenants.acme.discountPercent']);
  assert.deepEqual(bad((c) => (c['compute']!['dojo-tile']!['device'] = 'cpu')).map((i) => i.path), ['compute.dojo-tile.device']);
  assert.match(bad((c) => (c['compute']!['dojo-tile']!['colour'] = 'red'))[0]!.message, /colour/);
  assert.deepEqual(bad((c) => (c['compute'] = {})).map((i) => i.path), ['compute']);
});

// ---- ledger ---------------------------------------------------------------------------------

const seg = (over: Partial<UsageSegment> = {}): UsageSegment => ({ idempotencyKey: 'k1', tenantId: 'a', jobId: 'j1', resource: 'dojo-tile', devices: 25, startMs: 0, endMs: HOUR, ...over });

test('a segment crossing period boundaries splits into pieces that add up exactly', () => {
  const ledger = new UsageLedger({ card: CARD, periodMs: HOUR });
  const entries = ledger.recordUsage(seg({ startMs: HOUR - 1_000, endMs: 2 * HOUR + 333, energyJoules: 1_000_000_007, checkpointGB: 7 }));
  const compute = entries.filter((e) => e.kind === 'compute');
  assert.deepEqual(compute.map((e) => e.quantity), [25n * 1_000n, 25n * BigInt(HOUR), 25n * 333n]);
  assert.deepEqual(compute.map((e) => e.periodStart), [0, HOUR, 2 * HOUR]);
  const q = 25n * BigInt(HOUR + 1_333);
  assert.equal(sum(compute.map((e) => e.amountMicros)), priceOf(q, 5_990_001n, 3_600_000n));
  const energy = entries.filter((e) => e.kind === 'energy');
  assert.equal(sum(energy.map((e) => e.quantity)), 1_000_000_007n);
  assert.equal(sum(energy.map((e) => e.amountMicros)), priceOf(1_000_000_007n, 96_000n, 3_600_000n));
  const storage = entries.filter((e) => e.kind === 'checkpoint-storage');
  assert.equal(sum(storage.map((e) => e.quantity)), 7n * BigInt(HOUR + 1_333));
  // A segment ending exactly on a boundary stays in one period.
  assert.equal(ledger.recordUsage(seg({ idempotencyKey: 'k2', startMs: 0, endMs: HOUR })).length, 1);
});

test('a retried record is not billed twice; a reused key with other contents is rejected', () => {
  const ledger = new UsageLedger({ card: CARD, periodMs: HOUR });
  const first = ledger.recordUsage(seg());
  const again = ledger.recordUsage(seg(), 5 * HOUR);
  assert.equal(again, first);
  assert.equal(ledger.entries().length, 1);
  assert.deepEqual(issuesOf(() => ledger.recordUsage(seg({ devices: 26 }))).map((i) => i.path), ['idempotencyKey']);
  const credit = ledger.adjust({ idempotencyKey: 'c1', tenantId: 'a', amountMicros: -5n, reason: 'goodwill' }, 10);
  assert.equal(ledger.adjust({ idempotencyKey: 'c1', tenantId: 'a', amountMicros: -5n, reason: 'goodwill' }, 20), credit);
  assert.equal(ledger.entries().length, 2);
});

test('bad segments name the key', () => {
  const ledger = new UsageLedger({ card: CARD, periodMs: HOUR });
  assert.deepEqual(issuesOf(() => ledger.recordUsage(seg({ resource: 'tpu-v4' }))).map((i) => i.path), ['resource']);
  assert.deepEqual(issuesOf(() => ledger.recordUsage(seg({ endMs: 0 }))).map((i) => i.path), ['endMs']);
  assert.deepEqual(issuesOf(() => ledger.recordUsage(seg({ devices: 1.5 }))).map((i) => i.path), ['devices']);
  assert.equal(ledger.entries().length, 0);
});

test('invoices are immutable; late usage becomes an adjustment on the next invoice', () => {
  const ledger = new UsageLedger({ card: CARD, periodMs: HOUR });
  ledger.recordUsage(seg({ resource: 'dgx-h100-80gb', devices: 8 })); // 8 GPU-hours at $1.75 = $14
  const p0 = ledger.period(0);
  const inv = ledger.invoice('a', p0);
  assert.equal(inv.subtotalMicros, 14_000_000n);
  assert.equal(inv.discountMicros, 1_750_000n); // 12.5%
  assert.equal(inv.totalMicros, 12_250_000n);
  assert.equal(ledger.invoice('a', p0, 999), inv);
  assert.ok(Object.isFrozen(inv) && Object.isFrozen(inv.lines));
  assert.throws(() => ((inv as { totalMicros: bigint }).totalMicros = 0n), TypeError);

  const late = ledger.recordUsage(seg({ idempotencyKey: 'late', resource: 'dgx-h100-80gb', devices: 8, startMs: HOUR / 2, endMs: HOUR + HOUR / 2 }));
  assert.deepEqual(late.map((e) => [e.kind, e.periodStart, e.lateUsage?.invoiceId]), [['adjustment', HOUR, 'inv:a:0'], ['compute', HOUR, undefined]]);
  assert.equal(ledger.invoice('a', p0), inv);
  assert.equal(inv.subtotalMicros, 14_000_000n);
  assert.equal(ledger.totals('a', p0).amountMicros, 14_000_000n);
  assert.equal(sum(ledger.unbilled('a').map((e) => e.amountMicros)), 14_000_000n);

  const inv1 = ledger.invoice('a', ledger.period(1));
  assert.deepEqual(inv1.lines.map((l) => [l.kind, l.amountMicros]), [['compute', 7_000_000n], ['adjustment', 7_000_000n]]);
  assert.equal(ledger.unbilled('a').length, 0);
  // Both periods are closed now: more late usage for period 0 lands in period 2.
  const later = ledger.recordUsage(seg({ idempotencyKey: 'later', devices: 1, startMs: 0, endMs: 1_000 }));
  assert.equal(later[0]?.periodStart, 2 * HOUR);
});

test('the minimum charge tops up a small bill; credits are not discounted or topped up', () => {
  const ledger = new UsageLedger({ card: CARD, periodMs: HOUR });
  ledger.recordUsage(seg({ tenantId: 'b', resource: 'dgx-h100-80gb', devices: 1, endMs: 60_000 })); // one GPU-minute
  const small = ledger.invoice('b', ledger.period(0));
  assert.equal(small.subtotalMicros, 29_167n); // 1.75/60 = 0.0291666… → half-even 29,167
  assert.equal(small.minimumTopUpMicros, 1_000_000n - 29_167n);
  assert.equal(small.totalMicros, 1_000_000n);
  ledger.adjust({ idempotencyKey: 'credit', tenantId: 'b', amountMicros: -3_000_000n, reason: 'outage credit' }, HOUR);
  const credit = ledger.invoice('b', ledger.period(1));
  assert.deepEqual([credit.discountMicros, credit.minimumTopUpMicros, credit.totalMicros], [0n, 0n, -3_000_000n]);
  const empty = ledger.invoice('b', ledger.period(7));
  assert.deepEqual([empty.lines.length, empty.totalMicros], [0, 0n]);
  assert.deepEqual(issuesOf(() => ledger.totals('b', { index: 1, start: 5, end: 9 })).map((i) => i.path), ['period']);
});

// ---- properties -----------------------------------------------------------------------------

const PERIOD = 1_000;
const TENANTS = ['a', 'b', 'c'] as const;
const RESOURCES = Object.keys(CARD.compute);
const micros = { compute: (r: string) => usdToMicros(CARD.compute[r]!.usdPerDeviceHour), energy: 96_000n, storage: 23_000n };

const segmentArb = fc.record({
  tenantId: fc.constantFrom(...TENANTS),
  job: fc.integer({ min: 0, max: 4 }),
  resource: fc.constantFrom(...RESOURCES),
  devices: fc.integer({ min: 1, max: 512 }),
  startMs: fc.integer({ min: 0, max: 6 * PERIOD }),
  lengthMs: fc.integer({ min: 1, max: 3 * PERIOD }),
  energyJoules: fc.option(fc.integer({ min: 0, max: 2_000_000_000 }), { nil: undefined }),
  checkpointGB: fc.option(fc.integer({ min: 0, max: 4_000 }), { nil: undefined }),
});
type Action = { op: 'record'; i: number } | { op: 'retry'; i: number } | { op: 'invoice'; tenant: string; period: number } | { op: 'credit'; tenant: string; amount: number; at: number };
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('record' as const), i: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retry' as const), i: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('invoice' as const), tenant: fc.constantFrom(...TENANTS), period: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('credit' as const), tenant: fc.constantFrom(...TENANTS), amount: fc.integer({ min: -5_000_000, max: 5_000_000 }), at: fc.integer({ min: 0, max: 9 * PERIOD }) }) },
);

/** Runs a scenario; returns the ledger and, per tenant, the priced usage computed segment by segment. */
type SegmentDraw = typeof segmentArb extends fc.Arbitrary<infer T> ? T : never;
function run(segments: SegmentDraw[], actions: Action[]) {
  const ledger = new UsageLedger({ card: CARD, periodMs: PERIOD });
  const expected = new Map<string, bigint>(TENANTS.map((t) => [t, 0n]));
  const recorded = new Set<number>();
  const credited = new Set<string>();
  const asSegment = (i: number): UsageSegment => {
    const s = segments[i]!;
    return { idempotencyKey: `seg-${i}`, tenantId: s.tenantId, jobId: `${s.tenantId}/job-${s.job}`, resource: s.resource, devices: s.devices, startMs: s.startMs, endMs: s.startMs + s.lengthMs, energyJoules: s.energyJoules, checkpointGB: s.checkpointGB };
  };
  for (const a of actions) {
    if (a.op === 'invoice') ledger.invoice(a.tenant, ledger.period(a.period));
    else if (a.op === 'credit') {
      // Identical credits share a key and are billed once, like any retry.
      const key = `credit-${a.tenant}-${a.at}-${a.amount}`;
      ledger.adjust({ idempotencyKey: key, tenantId: a.tenant, amountMicros: BigInt(a.amount), reason: 'test' }, a.at);
      if (!credited.has(key)) expected.set(a.tenant, expected.get(a.tenant)! + BigInt(a.amount));
      credited.add(key);
    } else if (segments.length > 0) {
      const i = a.i % segments.length;
      if (a.op === 'retry' && !recorded.has(i)) continue;
      ledger.recordUsage(asSegment(i));
      if (recorded.has(i)) continue;
      recorded.add(i);
      const s = segments[i]!;
      const ms = BigInt(s.lengthMs);
      const priced =
        priceOf(BigInt(s.devices) * ms, micros.compute(s.resource), 3_600_000n) +
        priceOf(BigInt(s.energyJoules ?? 0), micros.energy, 3_600_000n) +
        priceOf(BigInt(s.checkpointGB ?? 0) * ms, micros.storage, 2_592_000_000n);
      expected.set(s.tenantId, expected.get(s.tenantId)! + priced);
    }
  }
  return { ledger, expected, recorded, asSegment };
}

const scenario = fc.tuple(fc.array(segmentArb, { minLength: 1, maxLength: 25 }), fc.array(actionArb, { maxLength: 60 }));
const entryTotal = (es: readonly LedgerEntry[]) => sum(es.map((e) => e.amountMicros));

test('property: per tenant, ledger amounts equal the sum of each segment priced once', () => {
  fc.assert(
    fc.property(scenario, ([segments, actions]) => {
      const { ledger, expected } = run(segments, actions);
      for (const t of TENANTS) assert.equal(entryTotal(ledger.entries().filter((e) => e.tenantId === t)), expected.get(t), `tenant ${t}`);
    }),
    { numRuns: 150 },
  );
});

test('property: issued invoice subtotals plus unbilled entries equal the ledger, per tenant', () => {
  fc.assert(
    fc.property(scenario, ([segments, actions]) => {
      const { ledger } = run(segments, actions);
      for (const t of TENANTS) {
        const invoices = ledger.invoices(t);
        for (const inv of invoices) {
          assert.equal(inv.subtotalMicros, sum(inv.lines.map((l) => l.amountMicros)));
          assert.equal(inv.totalMicros, inv.subtotalMicros - inv.discountMicros + inv.minimumTopUpMicros);
        }
        const billed = sum(invoices.map((i) => i.subtotalMicros));
        assert.equal(billed + entryTotal(ledger.unbilled(t)), entryTotal(ledger.entries().filter((e) => e.tenantId === t)));
      }
    }),
    { numRuns: 150 },
  );
});

test('property: quantities are conserved under period splitting', () => {
  fc.assert(
    fc.property(scenario, ([segments, actions]) => {
      const { ledger, recorded, asSegment } = run(segments, actions);
      for (const i of recorded) {
        const s = asSegment(i);
        const mine = ledger.entries().filter((e) => e.idempotencyKey === s.idempotencyKey);
        const of = (kind: string) => sum(mine.filter((e) => (e.lateUsage?.kind ?? e.kind) === kind).map((e) => e.quantity));
        const ms = BigInt(s.endMs - s.startMs);
        assert.equal(of('compute'), BigInt(s.devices) * ms);
        assert.equal(of('energy'), BigInt(s.energyJoules ?? 0));
        assert.equal(of('checkpoint-storage'), BigInt(s.checkpointGB ?? 0) * ms);
        for (const e of mine) {
          assert.ok(e.periodEnd - e.periodStart === PERIOD && e.quantity > 0n);
          if (!e.lateUsage) assert.ok(e.periodStart < s.endMs && e.periodEnd > s.startMs, 'on-time entries sit in a period the segment touches');
        }
      }
    }),
    { numRuns: 150 },
  );
});

test("property: no tenant's totals or invoices include another tenant's entries", () => {
  fc.assert(
    fc.property(scenario, ([segments, actions]) => {
      const { ledger } = run(segments, actions);
      const byId = new Map(ledger.entries().map((e) => [e.id, e]));
      for (const t of [...TENANTS, 'nobody']) {
        for (let p = 0; p <= 12; p++) {
          const period = ledger.period(p);
          const own = ledger.entries().filter((e) => e.tenantId === t && e.periodStart === period.start);
          const totals = ledger.totals(t, period);
          assert.equal(totals.amountMicros, entryTotal(own));
          assert.equal(totals.entryCount, own.length);
        }
        for (const inv of ledger.invoices(t)) for (const l of inv.lines) for (const id of l.entryIds) assert.equal(byId.get(id)?.tenantId, t);
        assert.ok(ledger.unbilled(t).every((e) => e.tenantId === t));
      }
    }),
    { numRuns: 100 },
  );
});
