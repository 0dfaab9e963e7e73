// The seam every simulator tier plugs into: given a workload, a resolved plan and a system, time
// one training step and return the tier's result, which always carries a StepReport (so tiers can
// be compared field by field) plus whatever only that tier can show. Tiers are listed in
// registry.ts; the engine picks one by name and never branches on which it is.
import type { PriceSheet } from '../specs/prices.js';
import type { SystemInstance } from '../specs/schema.js';
import type { WorkloadGraph } from '../workloads/graph.js';
import type { MemorySettings } from '../planner/memory.js';
import type { Plan } from '../planner/plan.js';
import type { Efficiency } from './analytical/efficiency.js';
import type { TrainingAmount } from './analytical/power-cost.js';
import type { StepReport } from './report.js';

/** What every tier is given besides the workload, plan and system. */
export interface SimulationOptions {
  efficiency?: Efficiency;
  memory?: MemorySettings;
  prices: PriceSheet;
  training?: TrainingAmount;
}

export interface SimulationResult {
  report: StepReport;
}

export interface StepSimulator<Options extends SimulationOptions = SimulationOptions, Result extends SimulationResult = SimulationResult> {
  /** The tier's name on the command line and in the API (`--tier NAME`). */
  readonly name: string;
  /** One line for help texts. */
  readonly description: string;
  /** What the tier reads, in words (for docs and `--help`). */
  readonly needs: string;
  simulate(g: WorkloadGraph, plan: Plan, sys: SystemInstance, opts: Options): Result;
}
