// Whether a scenario's system has a price on the sheet. Without one the simulator still reports a
// cost, but it is energy only (no capital or rental), so the CLI says so next to every cost and
// refuses to rank plans by it.
import { InputError } from '../common/errors.js';
import type { Scenario } from '../engine/scenario.js';

/** The price-sheet key of the scenario's system (`priceKey` lets Dojo levels share the tile's price). */
const priceKeyOf = (s: Scenario): string => s.system.spec.priceKey ?? s.system.spec.name;

/** "no price for system X…" when the sheet has no entry for the scenario's system, else undefined. */
export function missingPriceNote(s: Scenario): string | undefined {
  const key = priceKeyOf(s);
  if (s.prices.systems[key]) return undefined;
  return `no price for system ${key}: costs count energy only; add prices.systems.${key} { capexUsdPerNode, cloudUsdPerNodeHour } to the scenario (docs/scenario-file.md)`;
}

/** `--objective cost` needs a price: ranking energy-only costs would favour whatever draws least power. */
export function assertPricedForCost(s: Scenario, objective: string): void {
  const note = objective === 'cost' ? missingPriceNote(s) : undefined;
  if (note) throw new InputError(s.origin, [{ path: '--objective', message: `cannot rank by cost: ${note}; or rank by time` }]);
}
