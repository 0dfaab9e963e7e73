// The engine facade for the event-driven tier: the same scenario and plan resolution as
// evaluate.ts, simulated as events on resources (contention, overlap, utilization, trace).
import type { Plan } from '../planner/plan.js';
import { simulateStepEvents, type EventStepResult } from '../simulators/event/simulate.js';
import { resolveScenarioPlan } from './evaluate.js';
import type { Scenario } from './scenario.js';

export interface EventEvaluationOptions {
  /** Also return a Chrome/Perfetto trace of the step. */
  trace?: boolean;
  /** Micro-batches of detail kept at each end of the trace (default 8). */
  traceMicroBatches?: number;
}

export function evaluatePlanEvents(s: Scenario, plan: Plan, opts: EventEvaluationOptions = {}): EventStepResult {
  return simulateStepEvents(s.workload, plan, s.system, {
    efficiency: s.efficiency,
    prices: s.prices,
    ...(s.training ? { training: s.training } : {}),
    ...(opts.trace ? { trace: true } : {}),
    ...(opts.traceMicroBatches !== undefined ? { traceMicroBatches: opts.traceMicroBatches } : {}),
  });
}

export function evaluateScenarioEvents(s: Scenario, opts: EventEvaluationOptions = {}): EventStepResult {
  return evaluatePlanEvents(s, resolveScenarioPlan(s), opts);
}
