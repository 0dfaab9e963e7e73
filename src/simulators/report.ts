// The result of simulating one training step, shared by every simulator tier so they can be
// compared field by field (the event-driven tier reports the same shape).
import type { MemoryBreakdown } from '../planner/memory.js';
import type { Plan } from '../planner/plan.js';
import type { AxisBreakdownKey } from '../planner/axes.js';

/** Exposed communication of each parallelism axis, under the field its definition names
 * (tensorParallelCommSeconds, contextParallelCommSeconds, …; src/planner/axes.ts). */
export type AxisCommBreakdown = Record<AxisBreakdownKey, number>;

export interface StepBreakdown extends AxisCommBreakdown {
  /** Forward + backward compute on the critical stage (all micro-batches). */
  computeSeconds: number;
  /** Forward work redone in backward (activation recompute). */
  recomputeSeconds: number;
  /** Exposed communication by kind (the parallelism axes' fields come from AxisCommBreakdown). */
  pipelineCommSeconds: number;
  /** Compute waiting on streamed data (off-chip weights, host input feed). */
  streamStallSeconds: number;
  dataParallelCommSeconds: number;
  /** Pipeline fill and drain (and stage imbalance). */
  bubbleSeconds: number;
  optimizerSeconds: number;
}

export interface PowerReport {
  /** Mean per-device utilization of compute (busy time / step time). */
  deviceUtilization: number;
  devicePowerW: number;
  /** IT power of the whole system (devices, nodes, network). */
  itPowerW: number;
  /** IT power × PUE. */
  facilityPowerW: number;
  energyPerStepJ: number;
}

export interface FootprintReport {
  /** 42U racks (or rack-equivalent cabinets) the system occupies. */
  racks: number;
  floorM2: number;
}

export interface CostReport {
  basis: 'owned' | 'cloud';
  /** False when the price sheet has no entry for the system: the cost is then energy only, so
   * ranking plans or systems by cost means nothing (the CLI refuses `--objective cost`). */
  systemPriced: boolean;
  costPerStepUsd: number;
  costPerHourUsd: number;
  /** Cost per million tokens (language models) or samples. */
  costPerMillionUnitsUsd: number;
}

export interface RunReport {
  steps: number;
  wallClockSeconds: number;
  energyKWh: number;
  costUsd: number;
}

export interface StepReport {
  model: string;
  system: string;
  devices: number;
  plan: Plan;
  stepTimeSeconds: number;
  breakdown: StepBreakdown;
  samplesPerSecond: number;
  tokensPerSecond?: number;
  /** Model FLOPs utilization (Megatron FLOP count, no recompute). */
  mfu: number;
  /** Hardware FLOPs utilization (includes recomputed FLOPs). */
  hfu: number;
  modelFlopsPerStep: number;
  peakMemoryBytesPerDevice: number;
  memory: MemoryBreakdown;
  fits: boolean;
  power: PowerReport;
  cost: CostReport;
  footprint: FootprintReport;
  run?: RunReport;
  /** Plain-language notes: what limits the step, why it does not fit, etc. */
  notes: string[];
}
