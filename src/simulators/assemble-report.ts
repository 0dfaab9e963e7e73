// Turns a simulated step (time, breakdown, memory, recomputed FLOPs, the tier's notes) into a
// StepReport: throughput, MFU/HFU, power, energy, cost, footprint, run totals and the notes every
// tier shares (whether the plan fits). Owned once so every tier derives each reported figure from
// its timings the same way.
import { priceKeyOf, type PriceSheet } from '../specs/prices.js';
import type { SystemInstance } from '../specs/schema.js';
import { modelFlopsPerSample, type WorkloadGraph } from '../workloads/graph.js';
import type { MemoryBreakdown } from '../planner/memory.js';
import { microBatchesPerStep, type Plan } from '../planner/plan.js';
import { axisDegreeProduct } from '../planner/axes.js';
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
  /** The worst stage's memory (StepMemory.peak). */
  memory: MemoryBreakdown;
  /** Matmul FLOPs one device of each stage redoes per micro-batch (activation recompute), summed over stages. */
  recomputeFlopsPerMicroBatch: number;
  /** The tier's own notes (what limits the step); the shared ones are added here. */
  notes: string[];
}

/** Why a plan does not fit, in words (renderers show it beside `fits: no`). */
export function memoryShortfall(mem: MemoryBreakdown): string {
  return `stage ${mem.stage} needs ${(mem.totalBytes / 1e9).toFixed(1)} GB of ${(mem.capacityBytes / 1e9).toFixed(0)} GB (${(mem.overBytes / 1e9).toFixed(1)} GB over; largest part: ${mem.dominant})`;
}

/** The note that leads a report whose plan does not fit in memory. */
export const doesNotFitNote = (mem: MemoryBreakdown): string => `does not fit: ${memoryShortfall(mem)}`;

/** The note on a report whose system has no entry in the price sheet. */
export const noPriceNote = (priceKey: string): string =>
  `no price for system ${priceKey}: cost figures cover energy only (set prices.systems.${priceKey}.capexUsdPerNode, or cloudUsdPerNodeHour, in the scenario)`;

export function assembleStepReport(o: StepOutcome): StepReport {
  const { g, plan, sys, stepTimeSeconds, breakdown, memory } = o;
  const peak = (sys.spec.device.peakTflops[plan.precision] ?? 0) * 1e12;
  const samplesPerSecond = plan.globalBatch / stepTimeSeconds;
  const modelFlopsPerStep = modelFlopsPerSample(g) * plan.globalBatch;
  // Recomputed FLOPs are per device: every rank of every stage (dp times every axis's degree of
  // them) redoes its share.
  const hardwareFlopsPerStep = modelFlopsPerStep + o.recomputeFlopsPerMicroBatch * microBatchesPerStep(plan) * plan.dp * axisDegreeProduct(plan);
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
    mfu: modelFlopsPerStep / (stepTimeSeconds * sys.devices * peak),
    hfu: hardwareFlopsPerStep / (stepTimeSeconds * sys.devices * peak),
    modelFlopsPerStep,
    peakMemoryBytesPerDevice: memory.totalBytes,
    memory,
    fits: memory.fits,
    power,
    cost,
    footprint,
    ...(run ? { run } : {}),
    notes: [...(memory.fits ? [] : [doesNotFitNote(memory)]), ...o.notes, ...(cost.systemPriced ? [] : [noPriceNote(priceKeyOf(sys.spec))])],
  };
}
