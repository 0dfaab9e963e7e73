// The engine facade: evaluate a scenario with a concrete plan, or validate a plan and report why
// it is not runnable. Everything above the engine (CLI, service, console) calls only this.
import { InputError } from '../common/errors.js';
import { resolvePlan, type Plan } from '../planner/plan.js';
import { simulateStep } from '../simulators/analytical/step.js';
import type { StepReport } from '../simulators/report.js';
import { isAutoPlan, type Scenario } from './scenario.js';

export function resolveScenarioPlan(s: Scenario, planInput = s.plan): Plan {
  if (isAutoPlan(planInput)) throw new InputError(s.origin, [{ path: 'plan', message: 'plan is "auto": run `opendojo plan` to search for one' }]);
  const { plan, issues } = resolvePlan(planInput, s.workload, s.system);
  if (issues.length) throw new InputError(s.origin, issues);
  return plan;
}

export function evaluatePlan(s: Scenario, plan: Plan): StepReport {
  return simulateStep(s.workload, plan, s.system, { efficiency: s.efficiency, prices: s.prices, ...(s.training ? { training: s.training } : {}) });
}

export function evaluateScenario(s: Scenario): StepReport {
  return evaluatePlan(s, resolveScenarioPlan(s));
}
