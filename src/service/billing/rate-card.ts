// The rate card: what one unit of each billable resource costs a tenant. Compute is priced per
// device-hour (a Dojo tile or one GPU of a named system), energy per kWh (passed through or
// included in compute), checkpoint storage per GB-month; plus a minimum charge per invoice and
// per-tenant discounts. Figures are decimal USD with at most 6 places so each is an exact number
// of micro-dollars; a bad card is an InputError naming the key. See docs/billing.md.
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { parseOrThrow } from '../../common/zod-issues.js';
import { defaultPriceSheet, HOURS_PER_YEAR, type PriceSheet } from '../../specs/prices.js';
import { listSystemPresets } from '../../specs/registry.js';
import { registerBuiltinSystems } from '../../specs/presets/index.js';
import { UNITS_PER_PRICE_UNIT, isWholeMicros, usdToMicros, type Micros, type QuantityUnit } from './money.js';

const WHOLE_MICROS = 'expected at most 6 decimal places (whole micro-dollars)';
const usd = z.number().nonnegative().refine(isWholeMicros, WHOLE_MICROS);
const basis = z.string().min(1);

const ComputeRateSchema = z
  .object({
    /** What one device is: a Dojo training tile or one GPU. */
    device: z.enum(['tile', 'gpu']),
    usdPerDeviceHour: usd,
    basis,
  })
  .strict();

const EnergyRateSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('pass-through'), usdPerKWh: usd, basis }).strict(),
  z.object({ mode: z.literal('included'), basis }).strict(),
]);

const TenantTermsSchema = z
  .object({
    /** Off the invoice subtotal; at most 2 decimal places (whole basis points). */
    discountPercent: z
      .number()
      .min(0)
      .max(100)
      .refine((p) => Number.isInteger(Math.round(p * 100)) && Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, 'expected at most 2 decimal places (whole basis points)'),
  })
  .strict();

export const RateCardSchema = z
  .object({
    currency: z.literal('USD'),
    compute: z.record(z.string().min(1), ComputeRateSchema).refine((c) => Object.keys(c).length > 0, 'expected at least one compute resource'),
    energy: EnergyRateSchema,
    checkpointStorage: z.object({ usdPerGBMonth: usd, basis }).strict(),
    /** An invoice with any line totals at least this much (after discount). */
    minimumChargeUsd: usd,
    minimumChargeBasis: basis.optional(),
    tenants: z.record(z.string().min(1), TenantTermsSchema).default({}),
  })
  .strict();

export type RateCard = z.output<typeof RateCardSchema>;
export type BillableKind = 'compute' | 'energy' | 'checkpoint-storage';

/** Validates a rate card; throws an InputError whose issues name the offending keys. */
export function parseRateCard(raw: unknown, origin = 'rate card'): RateCard {
  return parseOrThrow(RateCardSchema, raw, origin);
}

export interface UnitPrice {
  unitPriceMicros: Micros;
  /** The quantity unit entries are counted in, and how many of them make one price unit. */
  unit: QuantityUnit;
  unitsPerPriceUnit: bigint;
}

const UNIT_OF: Readonly<Record<BillableKind, QuantityUnit>> = {
  compute: 'milli-device-seconds',
  energy: 'joules',
  'checkpoint-storage': 'milli-gb-seconds',
};

/** The price of one unit of `kind` on `resource` (a key of `card.compute`). */
export function unitPrice(card: RateCard, kind: BillableKind, resource: string, path = 'resource'): UnitPrice {
  const rate = card.compute[resource];
  if (!rate) {
    throw new InputError('usage', [{ path, message: `unknown resource "${resource}"; the rate card prices: ${Object.keys(card.compute).join(', ')}` }]);
  }
  const unit = UNIT_OF[kind];
  const usdFigure = kind === 'compute' ? rate.usdPerDeviceHour : kind === 'energy' ? (card.energy.mode === 'pass-through' ? card.energy.usdPerKWh : 0) : card.checkpointStorage.usdPerGBMonth;
  return { unitPriceMicros: usdToMicros(usdFigure), unit, unitsPerPriceUnit: UNITS_PER_PRICE_UNIT[unit] };
}

/** A tenant's discount in basis points (1/100 of a percent); 0 when the card names none. */
export function discountBasisPoints(card: RateCard, tenantId: string): bigint {
  const pct = card.tenants[tenantId]?.discountPercent ?? 0;
  return BigInt(Math.round(pct * 100));
}

/** Assumption: margin over owned cost to cover idle capacity, staff, network and storage. */
export const DEFAULT_MARGIN = 0.4;

/**
 * The default card, derived from the price sheet: per device-hour, owned cost (capex per node
 * amortized straight-line over the sheet's years, divided by devices per node) plus
 * DEFAULT_MARGIN, rounded to the cent. Energy passes through at the sheet's $/kWh × PUE.
 */
export function defaultRateCard(sheet: PriceSheet = defaultPriceSheet()): RateCard {
  registerBuiltinSystems();
  const devicesPerNode = new Map<string, number>();
  for (const spec of listSystemPresets()) devicesPerNode.set(spec.priceKey ?? spec.name, spec.devicesPerNode);
  const compute: Record<string, z.input<typeof ComputeRateSchema>> = {};
  for (const [key, price] of Object.entries(sheet.systems)) {
    const perNode = devicesPerNode.get(key);
    if (perNode === undefined) continue; // a price without a system preset has no device to bill
    const ownedPerDeviceHour = price.capexUsdPerNode / (sheet.amortizationYears * HOURS_PER_YEAR) / perNode;
    const cloud = price.cloudUsdPerNodeHour === undefined ? '' : `; for reference, cloud ${round(price.cloudUsdPerNodeHour / perNode, 2)} $/device-hour`;
    compute[key] = {
      device: perNode === 1 ? 'tile' : 'gpu',
      usdPerDeviceHour: round(ownedPerDeviceHour * (1 + DEFAULT_MARGIN), 2),
      basis: `owned cost: $${price.capexUsdPerNode} per node / (${sheet.amortizationYears} y × ${HOURS_PER_YEAR} h) / ${perNode} device(s) per node = $${round(ownedPerDeviceHour, 4)}/device-hour, + ${DEFAULT_MARGIN * 100}% margin (assumption), rounded to the cent${cloud}. Capex basis: ${price.basis}`,
    };
  }
  return parseRateCard(
    {
      currency: 'USD',
      compute,
      energy: {
        mode: 'pass-through',
        usdPerKWh: round(sheet.energyUsdPerKWh * sheet.pue, 6),
        basis: `price sheet energy $${sheet.energyUsdPerKWh}/kWh × PUE ${sheet.pue}: metered IT energy is billed with its share of facility overhead`,
      },
      checkpointStorage: { usdPerGBMonth: 0.023, basis: 'assumption: object-storage list price class (~$0.02-0.03 per GB-month)' },
      minimumChargeUsd: 1,
      minimumChargeBasis: 'assumption: covers per-invoice handling',
      tenants: {},
    },
    'default rate card',
  );
}

function round(x: number, places: number): number {
  const f = 10 ** places;
  return Math.round(x * f) / f;
}
