// Plan search: enumerate the pruned space, drop plans that do not fit in memory (cheap, before
// timing), time the rest and keep the best. Pure and synchronous over a slice of candidates, so
// the CLI can split the work across worker threads and merge with mergeSearchResults.
import { InputError } from '../common/errors.js';
import { priceKeyOf, systemPrice } from '../specs/prices.js';
import { stepMemory } from '../planner/memory.js';
import { defaultGlobalBatch, enumeratePlans, type FixedFields, type SearchSpace } from '../planner/space.js';
import type { Plan } from '../planner/plan.js';
import type { StepReport } from '../simulators/report.js';
import { simulatePlan } from './simulate-plan.js';
import { isAutoPlan, type Scenario } from './scenario.js';

export type Objective = 'time' | 'cost';

export interface SearchResult {
  /** Plans that passed divisibility checks. */
  candidates: number;
  prunedDivisibility: number;
  prunedMemory: number;
  evaluated: number;
  /** Best plans first. */
  best: StepReport[];
}

export interface SearchOptions {
  top?: number;
  objective?: Objective;
  /** Called every `progressEvery` candidates with (done, total). */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

/** Fixed fields for the search from the scenario's `plan` (`auto`, or `{ auto: true, … }`). */
export function searchFixedFields(s: Scenario): FixedFields {
  // A concrete plan searched anyway (`opendojo plan` on a fixed scenario) keeps only its batch and precision.
  const p = isAutoPlan(s.plan) ? s.plan.fixed : { globalBatch: s.plan.globalBatch, precision: s.plan.precision };
  return { ...p, globalBatch: p.globalBatch ?? defaultGlobalBatch(s.workload, s.system.devices) };
}

/** Ranking by cost needs a price for the system: without one every plan's cost is energy only. */
export function checkObjective(s: Scenario, objective: Objective): void {
  if (objective === 'cost' && !systemPrice(s.prices, s.system.spec)) {
    const key = priceKeyOf(s.system.spec);
    throw new InputError(s.origin, [{ path: 'prices.systems', message: `no price for system ${key}, so plans cannot be ranked by cost; add prices.systems.${key} (capexUsdPerNode or cloudUsdPerNodeHour) or rank by time` }]);
  }
}

export function enumerateScenarioPlans(s: Scenario, space: SearchSpace = {}, objective: Objective = 'time'): { plans: Plan[]; prunedDivisibility: number } {
  checkObjective(s, objective);
  return enumeratePlans(s.workload, s.system, searchFixedFields(s), space);
}

const score = (r: StepReport, objective: Objective) => (objective === 'cost' ? r.cost.costPerMillionUnitsUsd : r.stepTimeSeconds);
/** Order by the objective; at equal score (within 0.01%) prefer the plan with more memory headroom. */
const compare = (a: StepReport, b: StepReport, objective: Objective): number => {
  const sa = score(a, objective);
  const sb = score(b, objective);
  if (Math.abs(sa - sb) > 1e-4 * Math.min(sa, sb)) return sa - sb;
  return a.peakMemoryBytesPerDevice - b.peakMemoryBytesPerDevice;
};

/** Evaluate a slice of candidate plans. */
export function evaluateCandidates(s: Scenario, plans: Plan[], opts: SearchOptions = {}): SearchResult {
  const top = opts.top ?? 5;
  const objective = opts.objective ?? 'time';
  const every = opts.progressEvery ?? 256;
  const best: StepReport[] = [];
  let prunedMemory = 0;
  let evaluated = 0;
  plans.forEach((plan, i) => {
    if (!stepMemory(s.workload, plan, s.system).peak.fits) prunedMemory++;
    else {
      evaluated++;
      const r = simulatePlan(s, plan, 'analytical').report;
      if (best.length < top || compare(r, best[best.length - 1]!, objective) < 0) {
        best.push(r);
        best.sort((a, b) => compare(a, b, objective));
        if (best.length > top) best.pop();
      }
    }
    if (opts.onProgress && (i + 1) % every === 0) opts.onProgress(i + 1, plans.length);
  });
  opts.onProgress?.(plans.length, plans.length);
  return { candidates: plans.length, prunedDivisibility: 0, prunedMemory, evaluated, best };
}

export function mergeSearchResults(parts: SearchResult[], top = 5, objective: Objective = 'time'): SearchResult {
  const best = parts.flatMap((p) => p.best).sort((a, b) => compare(a, b, objective)).slice(0, top);
  return {
    candidates: parts.reduce((a, p) => a + p.candidates, 0),
    prunedDivisibility: parts.reduce((a, p) => a + p.prunedDivisibility, 0),
    prunedMemory: parts.reduce((a, p) => a + p.prunedMemory, 0),
    evaluated: parts.reduce((a, p) => a + p.evaluated, 0),
    best,
  };
}

/** Single-threaded search over the whole space (the CLI parallelizes the same steps). */
export function searchPlans(s: Scenario, opts: SearchOptions & { space?: SearchSpace } = {}): SearchResult {
  const { plans, prunedDivisibility } = enumerateScenarioPlans(s, opts.space, opts.objective);
  return { ...evaluateCandidates(s, plans, opts), prunedDivisibility };
}
