// The two primitives under evaluate.ts and the plan search: resolve and validate a scenario's
// concrete plan, and simulate a resolved plan on a named tier with the scenario's efficiency,
// prices and training amount.
import { InputError } from '../common/errors.js';
import { resolvePlan, type Plan } from '../planner/plan.js';
import { getSimulator, type TierName, type TierOptions, type TierResult } from '../simulators/registry.js';
import type { SimulationOptions } from '../simulators/simulator.js';
import { isAutoPlan, type Scenario } from './scenario.js';

/** Options a tier takes beyond the ones every tier gets from the scenario (e.g. the event tier's trace). */
export type TierExtras<T extends TierName> = Omit<TierOptions<T>, keyof SimulationOptions>;

export function resolveScenarioPlan(s: Scenario, planInput = s.plan): Plan {
  if (isAutoPlan(planInput)) throw new InputError(s.origin, [{ path: 'plan', message: 'plan is "auto": run `opendojo plan` to search for one' }]);
  const { plan, issues } = resolvePlan(planInput, s.workload, s.system);
  if (issues.length) throw new InputError(s.origin, issues);
  return plan;
}

/** What every tier is given from the scenario. */
export function scenarioSimulationOptions(s: Scenario): SimulationOptions {
  return { efficiency: s.efficiency, prices: s.prices, ...(s.training ? { training: s.training } : {}) };
}

export function simulatePlan<T extends TierName>(s: Scenario, plan: Plan, tier: T, extras?: TierExtras<T>): TierResult<T> {
  const opts = { ...scenarioSimulationOptions(s), ...(extras ?? {}) } as TierOptions<T> & SimulationOptions;
  return getSimulator(tier).simulate(s.workload, plan, s.system, opts);
}
