// Turns a simulated step (time, breakdown, memory, FLOPs, notes) into a StepReport: throughput,
// MFU/HFU, power, energy, cost, footprint and run totals. Shared by both tiers so they derive
// every reported figure from their timings the same way.
import type { PriceSheet } from '../specs/prices.js';
import type { SystemInstance } from '../specs/schema.js';
import type { WorkloadGraph } from '../workloads/graph.js';
import type { MemoryBreakdown } from '../planner/memory.js';
import type { Plan } from '../planner/plan.js';
import { powerAndCost, type TrainingAmount } from './analytical/power-cost.js';
import type { StepBreakdown, StepReport } from './report.js';

export interface StepOutcome {
  g: WorkloadGraph;
  plan: Plan;
  sys: SystemInstance;
  prices: PriceSheet;
  training?: TrainingAmount;
  stepTimeSeconds: number;
  breakdown: StepBreakdown;
  memory: MemoryBreakdown;
  modelFlopsPerStep: number;
  /** Model FLOPs plus recomputed FLOPs. */
  hardwareFlopsPerStep: number;
  notes: string[];
}

export function assembleStepReport(o: StepOutcome): StepReport {
  const { g, plan, sys, stepTimeSeconds, breakdown, memory } = o;
  const peak = (sys.spec.device.peakTflops[plan.precision] ?? 0) * 1e12;
  const samplesPerSecond = plan.globalBatch / stepTimeSeconds;
  const { power, cost, footprint, run } = powerAndCost({
    sys,
    prices: o.prices,
    stepSeconds: stepTimeSeconds,
    utilization: (breakdown.computeSeconds + breakdown.recomputeSeconds) / stepTimeSeconds,
    samplesPerStep: plan.globalBatch,
    tokensPerSample: g.tokensPerSample,
    ...(o.training ? { training: o.training } : {}),
  });
  return {
    model: g.name,
    system: sys.spec.name,
    devices: sys.devices,
    plan,
    stepTimeSeconds,
    breakdown,
    samplesPerSecond,
    ...(g.throughputUnit === 'tokens' ? { tokensPerSecond: samplesPerSecond * g.tokensPerSample } : {}),
    mfu: o.modelFlopsPerStep / (stepTimeSeconds * sys.devices * peak),
    hfu: o.hardwareFlopsPerStep / (stepTimeSeconds * sys.devices * peak),
    modelFlopsPerStep: o.modelFlopsPerStep,
    peakMemoryBytesPerDevice: memory.totalBytes,
    memory,
    fits: memory.fits,
    power,
    cost,
    footprint,
    ...(run ? { run } : {}),
    notes: o.notes,
  };
}
