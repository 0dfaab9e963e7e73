// The engine facade: evaluate a scenario on a simulator tier. It owns the one policy for choosing
// the plan — `plan: auto` searches for the fastest plan that fits (timed on the analytical tier),
// a concrete plan is resolved and validated — so the CLI, the service, sweeps and claims all ask
// the same question the same way. The search is injectable (the CLI passes its worker-thread
// search) through evaluateAsync.
import { InputError } from '../common/errors.js';
import type { Plan } from '../planner/plan.js';
import type { SearchSpace } from '../planner/space.js';
import type { TierName, TierResult } from '../simulators/registry.js';
import type { StepReport } from '../simulators/report.js';
import { isAutoPlan, type Scenario } from './scenario.js';
import { searchPlans, type SearchResult } from './search.js';
import { resolveScenarioPlan, simulatePlan, type TierExtras } from './simulate-plan.js';

export { resolveScenarioPlan, simulatePlan } from './simulate-plan.js';

export type PlanSource = 'scenario' | 'searched' | 'given';

export interface EvaluateOptions<T extends TierName> {
  /** Simulator tier (default: analytical). */
  tier?: T;
  /** Simulate this resolved plan instead of the scenario's (e.g. one chosen by an earlier search). */
  plan?: Plan;
  /** Bounds of the search when the plan is auto. */
  space?: SearchSpace;
  /** Refuse a concrete plan that does not fit in memory (a run cannot start); by default it is
   * reported with `fits: false`, so what-if studies still see its figures. */
  requireFit?: boolean;
  /** The tier's own options (e.g. the event tier's trace). */
  tierOptions?: TierExtras<T>;
}

export interface Evaluation<T extends TierName> {
  tier: T;
  /** The tier's full result (its report plus what only that tier shows). */
  result: TierResult<T>;
  report: StepReport;
  planSource: PlanSource;
  /** The search that chose the plan (planSource 'searched'). */
  search?: SearchResult;
}

/** No plan can run the scenario: the search found none that divides or fits, or the concrete plan does not fit. */
export class NoPlanFitsError extends InputError {}

function noSearchedPlan(s: Scenario, search: SearchResult): NoPlanFitsError {
  const why = search.candidates === 0
    ? `no plan divides the model and batch on ${s.system.devices} devices (${search.prunedDivisibility} combinations tried)`
    : `none of the ${search.candidates} candidate plans fits in device memory`;
  return new NoPlanFitsError(s.origin, [{ path: 'plan', message: `auto: ${why}; fix some plan fields or use more devices` }]);
}

/** Does the scenario need a search before it can be simulated? */
export const needsSearch = (s: Scenario, opts: { plan?: Plan } = {}): boolean => !opts.plan && isAutoPlan(s.plan);

/** The policy once the search (if any) has run. */
function conclude<T extends TierName>(s: Scenario, opts: EvaluateOptions<T>, search: SearchResult | undefined): Evaluation<T> {
  const tier = (opts.tier ?? 'analytical') as T;
  let plan: Plan;
  let planSource: PlanSource;
  let searched: StepReport | undefined;
  if (opts.plan) [plan, planSource] = [opts.plan, 'given'];
  else if (search) {
    searched = search.best[0];
    if (!searched) throw noSearchedPlan(s, search);
    [plan, planSource] = [searched.plan, 'searched'];
  } else [plan, planSource] = [resolveScenarioPlan(s), 'scenario'];
  // The search timed its plans on the analytical tier with these same options: reuse its report.
  const result = (tier === 'analytical' && searched && !opts.tierOptions ? { report: searched } : simulatePlan(s, plan, tier, opts.tierOptions)) as TierResult<T>;
  if (opts.requireFit && !result.report.fits) {
    throw new NoPlanFitsError(s.origin, [{ path: 'plan', message: `does not fit in memory on ${s.system.devices} devices: ${result.report.notes.join(' ')}` }]);
  }
  return { tier, result, report: result.report, planSource, ...(search ? { search } : {}) };
}

const defaultSearch = (space?: SearchSpace) => (s: Scenario) => searchPlans(s, { top: 1, objective: 'time', ...(space ? { space } : {}) });

/** Evaluate a scenario on a tier, searching in this thread when the plan is auto. */
export function evaluate<T extends TierName = 'analytical'>(s: Scenario, opts: EvaluateOptions<T> & { search?: (s: Scenario) => SearchResult } = {}): Evaluation<T> {
  const search = needsSearch(s, opts) ? (opts.search ?? defaultSearch(opts.space))(s) : undefined;
  return conclude(s, opts, search);
}

/** evaluate() with an asynchronous search (the CLI's worker threads); same policy. */
export async function evaluateAsync<T extends TierName = 'analytical'>(s: Scenario, opts: EvaluateOptions<T> & { search: (s: Scenario) => Promise<SearchResult> }): Promise<Evaluation<T>> {
  const search = needsSearch(s, opts) ? await opts.search(s) : undefined;
  return conclude(s, opts, search);
}

/** The best report, or undefined when no plan fits (sweeps and claims record that as a point). */
export function evaluateIfFits<T extends TierName = 'analytical'>(s: Scenario, opts: EvaluateOptions<T> = {}): Evaluation<T> | undefined {
  try {
    return evaluate(s, opts);
  } catch (e) {
    if (e instanceof NoPlanFitsError) return undefined;
    throw e;
  }
}

/** Analytical report of a resolved plan (what the search times). */
export function evaluatePlan(s: Scenario, plan: Plan): StepReport {
  return simulatePlan(s, plan, 'analytical').report;
}

/** Analytical report of the scenario (its plan, or the best searched one when auto). */
export function evaluateScenario(s: Scenario): StepReport {
  return evaluate(s).report;
}
