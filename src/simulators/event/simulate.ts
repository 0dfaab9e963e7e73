// The event-driven tier's entry point: build one step's task graph, run it, and report it in the
// analytical tier's StepReport shape (same memory model, power and cost helpers) plus what only
// events can show: per-resource utilization and an optional Chrome/Perfetto trace. The breakdown
// is what the critical stage's compute stream observed: its own work by kind, time held by
// pipeline sends, and idle time by what it waited for (upstream stages → bubble, gradient
// reduction or parameter gathers → data-parallel communication).
import type { SystemInstance } from '../../specs/schema.js';
import type { PriceSheet } from '../../specs/prices.js';
import type { WorkloadGraph } from '../../workloads/graph.js';
import { DEFAULT_MEMORY_SETTINGS, stepMemory, type MemorySettings } from '../../planner/memory.js';
import type { Plan } from '../../planner/plan.js';
import { AXES } from '../../planner/axes.js';
import { axisBreakdown } from '../axis-breakdown.js';
import { MEMORY_MODE_MODELS } from '../../planner/memory-modes.js';
import { DEFAULT_EFFICIENCY, type Efficiency } from '../analytical/efficiency.js';
import type { TrainingAmount } from '../analytical/power-cost.js';
import { assembleStepReport } from '../assemble-report.js';
import type { StepBreakdown, StepReport } from '../report.js';
import type { Task } from './engine.js';
import { buildStepSchedule, categoryOf, IDLE_TIME_OF, type StepSchedule } from './schedule.js';
import { chromeTrace, type ChromeTrace } from './trace.js';

export interface EventOptions {
  efficiency?: Efficiency;
  memory?: MemorySettings;
  prices: PriceSheet;
  training?: TrainingAmount;
  /** Return a Chrome trace of the step. */
  trace?: boolean;
  /** Trace detail is kept for the first and the last N micro-batches (default 8); tasks not tied
   * to a micro-batch (gradient reduction, optimizer) are always kept. */
  traceMicroBatches?: number;
  /** Upper bound on forward/backward segment tasks (see schedule.ts). */
  segmentBudget?: number;
}

export interface ResourceUtilization {
  /** "stage 3 / infiniband-hdr" */
  resource: string;
  /** The resource without its stage: "infiniband-hdr", "compute", "offchip-memory". */
  name: string;
  stage: number;
  /** A link or memory port shared by concurrent transfers (else a serial stream). */
  shared: boolean;
  busySeconds: number;
  /** busySeconds / step time, 0..1. */
  utilization: number;
}

export interface EventStepResult {
  report: StepReport;
  utilization: ResourceUtilization[];
  /** The stage whose work ends last; the breakdown is its timeline. */
  criticalStage: number;
  trace?: ChromeTrace;
}

export const DEFAULT_TRACE_MICRO_BATCHES = 8;

/** The critical stage's timeline, 0 … step end, split into the breakdown's components. */
function observedBreakdown(sched: StepSchedule, stage: number, stepSeconds: number): StepBreakdown {
  const b: StepBreakdown = { computeSeconds: 0, recomputeSeconds: 0, ...axisBreakdown(() => 0), pipelineCommSeconds: 0, streamStallSeconds: 0, dataParallelCommSeconds: 0, bubbleSeconds: 0, optimizerSeconds: 0 };
  const compute = sched.stages[stage]!.compute;
  let prevEnd = 0;
  for (const t of sched.sim.tasks) {
    if (t.resource !== compute) continue;
    const gap = t.start - prevEnd;
    if (gap > 0) b[t.waitedOn ? IDLE_TIME_OF[categoryOf(t.waitedOn)] : 'bubbleSeconds'] += gap;
    // Time the task was held beyond its own work by its streams (float noise below 1 ns ignored).
    const over = t.end - t.start - t.work;
    const held = over > 1e-9 ? over : 0;
    const p = sched.parts.get(t);
    if (p) {
      b.computeSeconds += p.compute;
      b.streamStallSeconds += held;
      b.recomputeSeconds += p.recompute;
      for (const a of AXES) b[a.breakdownKey] += p.comm[a.axis];
    } else if (categoryOf(t) === 'optimizer') {
      b.optimizerSeconds += t.work + held;
    } else {
      // The only other tasks on a compute stream: pipeline sends, which hold it until delivered.
      b.pipelineCommSeconds += t.end - t.start;
    }
    prevEnd = t.end;
  }
  // After the compute stream: parameter all-gathers still running on the DP stream.
  b.dataParallelCommSeconds += Math.max(0, stepSeconds - prevEnd);
  return b;
}

interface NoteInput {
  breakdown: StepBreakdown;
  stepTimeSeconds: number;
  plan: Plan;
  spillFraction: number;
  criticalStage: number;
  utilization: ResourceUtilization[];
  tierNames: Set<string>;
}

function eventNotes(x: NoteInput): string[] {
  const share = (s: number) => `${((s / x.stepTimeSeconds) * 100).toFixed(0)}%`;
  const notes: string[] = [];
  const largest = Object.entries(x.breakdown).reduce((a, b) => (b[1] > a[1] ? b : a));
  notes.push(`largest share of the step: ${largest[0].replace(/Seconds$/, '')} (${share(largest[1])})`);
  if (x.breakdown.streamStallSeconds / x.stepTimeSeconds >= 0.01) {
    const streams = x.utilization.filter((u) => u.shared && u.stage === x.criticalStage && !x.tierNames.has(u.name));
    const top = streams.reduce<ResourceUtilization | undefined>((a, u) => (!a || u.utilization > a.utilization ? u : a), undefined);
    notes.push(`streams stall compute for ${share(x.breakdown.streamStallSeconds)} of the step${top ? ` (busiest: ${top.resource} at ${share(top.busySeconds)})` : ''}`);
  }
  if (MEMORY_MODE_MODELS[x.plan.memoryMode].why) notes.push(`memory mode ${x.plan.memoryMode}${x.spillFraction > 0 ? `; ${(x.spillFraction * 100).toFixed(0)}% of activations spill to off-chip memory` : ''}`);
  const links = x.utilization.filter((u) => u.shared);
  const busiest = links.reduce<ResourceUtilization | undefined>((a, u) => (!a || u.utilization > a.utilization ? u : a), undefined);
  notes.push(`event tier: breakdown observed on stage ${x.criticalStage} (its work ends last)${busiest ? `; busiest link or port: ${busiest.resource} at ${(busiest.utilization * 100).toFixed(0)}%` : ''}`);
  return notes;
}

function stageEnds(sched: StepSchedule): number[] {
  const ends = sched.stages.map(() => 0);
  // A stage's work is what runs on its own streams (links only carry it).
  const stageOf = new Map(sched.stages.flatMap((s) => [s.compute, s.comm, s.gather].filter((r) => r !== undefined).map((r) => [r, s.stage] as const)));
  for (const t of sched.sim.tasks) {
    const s = stageOf.get(t.resource);
    if (s !== undefined && t.end > ends[s]!) ends[s] = t.end;
  }
  return ends;
}

export function simulateStepEvents(g: WorkloadGraph, plan: Plan, sys: SystemInstance, opts: EventOptions): EventStepResult {
  const eff = opts.efficiency ?? DEFAULT_EFFICIENCY;
  const { peak: mem, spillFraction } = stepMemory(g, plan, sys, opts.memory ?? DEFAULT_MEMORY_SETTINGS);
  const sched = buildStepSchedule(g, plan, sys, { efficiency: eff, spillFraction, ...(opts.segmentBudget ? { segmentBudget: opts.segmentBudget } : {}) });
  const stepTimeSeconds = sched.sim.run();
  const m = sched.microBatches;

  const ends = stageEnds(sched);
  const criticalStage = ends.reduce((best, e, s) => (e > ends[best]! ? s : best), 0);
  const breakdown = observedBreakdown(sched, criticalStage, stepTimeSeconds);

  const utilization: ResourceUtilization[] = sched.sim.resources.map((r) => ({
    resource: `${r.group} / ${r.name}`,
    name: r.name,
    stage: sched.resourceStage.get(r)!,
    shared: r.kind === 'shared',
    busySeconds: r.busySeconds,
    utilization: Math.min(1, Math.max(0, r.busySeconds / stepTimeSeconds)),
  }));

  const spec = sys.spec;
  const notes = eventNotes({ breakdown, stepTimeSeconds, plan, spillFraction, criticalStage, utilization, tierNames: new Set(spec.tiers.map((t) => t.name)) });

  const report = assembleStepReport({
    g,
    plan,
    sys,
    prices: opts.prices,
    ...(opts.training ? { training: opts.training } : {}),
    stepTimeSeconds,
    breakdown,
    memory: mem,
    recomputeFlopsPerMicroBatch: sched.recomputeMatmulFlops.reduce((a, f) => a + f, 0),
    notes,
  });

  const result: EventStepResult = { report, utilization, criticalStage };
  if (opts.trace) {
    const n = opts.traceMicroBatches ?? DEFAULT_TRACE_MICRO_BATCHES;
    const keep = (t: Task) => {
      const mb = t.args?.microBatch;
      return typeof mb !== 'number' || mb < n || mb >= m - n;
    };
    result.trace = chromeTrace(sched.sim.resources, sched.sim.tasks, {
      keep,
      metadata: {
        generator: 'opendojo event tier',
        model: g.name,
        system: spec.name,
        devices: sys.devices,
        stepTimeSeconds,
        microBatches: m,
        detail: `per-micro-batch events for micro-batches 0-${n - 1} and ${Math.max(n, m - n)}-${m - 1} of ${m}; one representative device per pipeline stage`,
      },
    });
  }
  return result;
}
