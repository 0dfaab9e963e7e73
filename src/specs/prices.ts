// The price-and-power sheet: capital cost per node, cloud rates, energy price, PUE and amortization.
// Every figure is an estimate with its basis next to it; users override any of it in a scenario.
import { z } from 'zod';
import { parseOrThrow } from '../common/zod-issues.js';
import defaultSheet from './presets/prices.json' with { type: 'json' };

export const SystemPriceSchema = z
  .object({
    /** Purchase price of one node (server, tray) including its share of network. */
    capexUsdPerNode: z.number().nonnegative(),
    /** On-demand cloud price of one node-hour, where a cloud offers it. */
    cloudUsdPerNodeHour: z.number().nonnegative().optional(),
    basis: z.string(),
  })
  .strict();

export const PriceSheetSchema = z
  .object({
    energyUsdPerKWh: z.number().nonnegative(),
    pue: z.number().gte(1).lte(3),
    amortizationYears: z.number().positive(),
    /** Floor area per 42U rack including aisle share. */
    floorM2PerRack: z.number().positive(),
    /** owned: amortized capex + energy; cloud: cloud node-hour rate (falls back to owned if missing). */
    costBasis: z.enum(['owned', 'cloud']),
    systems: z.record(z.string(), SystemPriceSchema),
    sources: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type PriceSheet = z.output<typeof PriceSheetSchema>;
export type SystemPrice = z.output<typeof SystemPriceSchema>;

export const PriceOverrideSchema = PriceSheetSchema.partial().extend({
  systems: z.record(z.string(), SystemPriceSchema).optional(),
});
export type PriceOverride = z.output<typeof PriceOverrideSchema>;

const builtin: PriceSheet = parseOrThrow(PriceSheetSchema, defaultSheet, 'built-in price sheet');

export function defaultPriceSheet(): PriceSheet {
  return builtin;
}

/** The default sheet with a user's overrides laid over it (systems merged by key). */
export function mergePriceSheet(override: PriceOverride | undefined): PriceSheet {
  if (!override) return builtin;
  return { ...builtin, ...override, systems: { ...builtin.systems, ...(override.systems ?? {}) } };
}

/** The price-sheet key of a system (Dojo presets share one tile price). */
export const priceKeyOf = (spec: { name: string; priceKey?: string | undefined }): string => spec.priceKey ?? spec.name;

/** A system's price entry, or undefined when the sheet has none (cost is then energy only). */
export function systemPrice(prices: PriceSheet, spec: { name: string; priceKey?: string | undefined }): SystemPrice | undefined {
  return prices.systems[priceKeyOf(spec)];
}

/** Hours in an amortization year (365.25 days), the one year length every cost uses. */
export const HOURS_PER_YEAR = 365.25 * 24;

/** Owned capital spread straight-line over the sheet's amortization years, per second of use. */
export function amortizedCapexUsdPerSecond(price: SystemPrice, nodes: number, sheet: Pick<PriceSheet, 'amortizationYears'>): number {
  return (price.capexUsdPerNode * nodes) / (sheet.amortizationYears * HOURS_PER_YEAR * 3600);
}
