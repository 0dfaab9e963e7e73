// Analytical step-time model: per-block times → per-stage micro-batch times → 1F1B (interleaved)
// pipeline → data-parallel gradient reduction and optimizer. Returns a StepReport.
import type { SystemInstance, SystemSpec } from '../../specs/schema.js';
import { PARALLEL_AXES, type ParallelAxis, type WorkloadGraph } from '../../workloads/graph.js';
import { axisBreakdown, perAxis } from '../axis-breakdown.js';
import { blockParamsPerDevice, stepMemory, type MemorySettings, DEFAULT_MEMORY_SETTINGS } from '../../planner/memory.js';
import { gradientBytesPerParam, microBatchesPerStep, WEIGHT_BYTES_PER_PARAM, type Plan } from '../../planner/plan.js';
import { partitionStages } from '../../planner/stages.js';
import { MEMORY_MODE_MODELS } from '../../planner/memory-modes.js';
import type { PriceSheet } from '../../specs/prices.js';
import type { StepBreakdown, StepReport } from '../report.js';
import { blockTimes, planGroups, withStreams, type BlockTimes, type Groups } from './block-times.js';
import { collectiveRoute, collectiveSeconds, p2pSeconds } from './collectives.js';
import { deviceRates } from './compute.js';
import { DEFAULT_EFFICIENCY, type Efficiency } from './efficiency.js';
import type { TrainingAmount } from './power-cost.js';
import { assembleStepReport } from '../assemble-report.js';

const STREAM_WHY: Record<string, string> = {
  'offchip-memory': 'weights streamed from off-chip memory arrive slower than the layer computes',
  'host-feed': 'hosts deliver input data slower than the first stage consumes it',
};

export interface AnalyticalOptions {
  efficiency?: Efficiency;
  memory?: MemorySettings;
  prices: PriceSheet;
  training?: TrainingAmount;
}

interface StageTimes {
  /** One micro-batch through every chunk of this stage, forward + backward, communication included. */
  perMicroBatch: number;
  compute: number;
  recompute: number;
  /** Exposed communication per op-communication axis (tensor, context, …). */
  comm: Record<ParallelAxis, number>;
  pp: number;
  /** Backward compute of one micro-batch: the window a gradient reduction can hide behind. */
  backwardWindow: number;
  paramsPerDevice: number;
  matmulFlops: number;
  recomputeMatmulFlops: number;
  /** Time a resource stream (off-chip weights, host feed) adds beyond compute, per resource. */
  stalls: Map<string, number>;
}

/** One stage's time per micro-batch and what it is made of: its blocks' compute, recompute and
 * per-axis communication, pipeline sends (`p2p` each, both directions per chunk) and the stalls
 * its streams add beyond compute. */
function stageTime(blocks: Map<number, number>, perBlock: BlockTimes[], blockParams: number[], plan: Plan, p2p: number): StageTimes {
  const s: StageTimes = { perMicroBatch: 0, compute: 0, recompute: 0, comm: perAxis(() => 0), pp: plan.pp > 1 ? 2 * plan.virtualStages * p2p : 0, backwardWindow: 0, paramsPerDevice: 0, matmulFlops: 0, recomputeMatmulFlops: 0, stalls: new Map() };
  for (const [bi, count] of blocks) {
    const t = perBlock[bi]!;
    s.compute += count * (t.forward + t.backward);
    // Streams overlap compute (prefetch); whatever they take beyond it stalls the block.
    for (const [dir, compute] of [['forward', t.forward], ['backward', t.backward + t.recompute]] as const) {
      const stalled = withStreams(compute, t.streams, dir);
      if (stalled > compute) {
        const limiting = t.streams.reduce((a, b) => ((dir === 'forward' ? b.forwardBytes / b.bytesPerSecond : b.backwardBytes / b.bytesPerSecond) > (dir === 'forward' ? a.forwardBytes / a.bytesPerSecond : a.backwardBytes / a.bytesPerSecond) ? b : a));
        s.stalls.set(limiting.resource, (s.stalls.get(limiting.resource) ?? 0) + count * (stalled - compute));
      }
    }
    s.recompute += count * t.recompute;
    for (const a of PARALLEL_AXES) s.comm[a] += count * (t.comm[a].forward + t.comm[a].backward + t.comm[a].recompute);
    s.backwardWindow += count * (t.backward + t.recompute);
    s.paramsPerDevice += count * blockParams[bi]!;
    s.matmulFlops += count * 3 * t.matmulFlopsForward;
    s.recomputeMatmulFlops += count * t.recomputeMatmulFlops;
  }
  s.perMicroBatch = s.compute + s.recompute + PARALLEL_AXES.reduce((x, a) => x + s.comm[a], 0) + s.pp + [...s.stalls.values()].reduce((a, b) => a + b, 0);
  return s;
}

/** Exposed data-parallel time: the slowest stage's gradient reduction (all-reduce, or
 * reduce-scatter + param all-gather with ZeRO ≥ 1/2; ZeRO-3's per-use gathers) beyond what
 * backward hides, plus the tied-embedding all-reduce between first and last stage. */
function dataParallelExposedSeconds(g: WorkloadGraph, plan: Plan, spec: SystemSpec, groups: Groups, eff: Efficiency, stageTimes: StageTimes[], m: number): number {
  const gradBytes = gradientBytesPerParam(plan);
  let dpExposed = 0;
  for (const s of stageTimes) {
    const grads = s.paramsPerDevice * gradBytes;
    let comm = plan.zeroStage >= 1
      ? collectiveSeconds(spec, 'reduce-scatter', grads, groups.dp)
      : collectiveSeconds(spec, 'all-reduce', grads, groups.dp);
    // ZeRO-1/2 gather the updated parameters once after the optimizer; ZeRO-3 gathers them at
    // every use instead (below), never as a whole.
    if (plan.zeroStage === 1 || plan.zeroStage === 2) comm += collectiveSeconds(spec, 'all-gather', s.paramsPerDevice * WEIGHT_BYTES_PER_PARAM, groups.dp);
    if (plan.zeroStage >= 3) {
      // FSDP gathers parameters again for forward and backward of every micro-batch, prefetched
      // behind compute; only what compute cannot hide is exposed.
      const gather = collectiveSeconds(spec, 'all-gather', s.paramsPerDevice * WEIGHT_BYTES_PER_PARAM, groups.dp);
      comm += m * Math.max(0, 2 * gather - s.compute);
    }
    const exposed = plan.overlapGradReduce ? Math.max(eff.gradReduceTailFraction * comm, comm - s.backwardWindow) : comm;
    dpExposed = Math.max(dpExposed, exposed);
  }
  // Tied embeddings: first and last stage all-reduce the shared embedding gradient.
  if (plan.pp > 1 && g.sharedParams > 0) {
    dpExposed += 2 * p2pSeconds(spec, (g.sharedParams / plan.tp) * gradBytes, groups.ppDistance * (plan.pp - 1));
  }
  return dpExposed;
}

/** Plain-language notes: the largest share, stalls above 1%, the memory mode, spills, and a
 * data-parallel reduction that takes a bypass network. */
function stepNotes(plan: Plan, spec: SystemSpec, groups: Groups, breakdown: StepBreakdown, stepTimeSeconds: number, critical: StageTimes, stageTimes: StageTimes[], m: number, spillFraction: number): string[] {
  const notes: string[] = [];
  const parts = Object.entries(breakdown).sort((a, b) => b[1] - a[1]);
  notes.push(`largest share of the step: ${parts[0]![0].replace(/Seconds$/, '')} (${((parts[0]![1] / stepTimeSeconds) * 100).toFixed(0)}%)`);
  for (const [resource, seconds] of critical.stalls) {
    if ((m * seconds) / stepTimeSeconds < 0.01) continue;
    notes.push(`${resource} stalls compute for ${((m * seconds / stepTimeSeconds) * 100).toFixed(0)}% of the step (${STREAM_WHY[resource] ?? 'stream slower than compute'})`);
  }
  const modeWhy = MEMORY_MODE_MODELS[plan.memoryMode].why;
  if (modeWhy) notes.push(`memory mode ${plan.memoryMode}: ${modeWhy}`);
  if (spillFraction > 0) notes.push(`${(spillFraction * 100).toFixed(0)}% of activations do not fit on chip and spill to off-chip memory (written in forward, read back in backward)`);
  // Which route the largest stage's gradient reduction takes.
  const dpRoute = collectiveRoute(spec, plan.zeroStage >= 1 ? 'reduce-scatter' : 'all-reduce', Math.max(...stageTimes.map((x) => x.paramsPerDevice)) * gradientBytesPerParam(plan), groups.dp);
  if (dpRoute.via !== 'hierarchy') notes.push(`data-parallel gradients go over ${dpRoute.via} (${(dpRoute.seconds * 1e3).toFixed(1)} ms) rather than the tier hierarchy (${(dpRoute.hierarchySeconds * 1e3).toFixed(1)} ms)`);
  return notes;
}

export function simulateStep(g: WorkloadGraph, plan: Plan, sys: SystemInstance, opts: AnalyticalOptions): StepReport {
  const eff = opts.efficiency ?? DEFAULT_EFFICIENCY;
  const spec = sys.spec;
  const rates = deviceRates(spec.device, plan.precision, eff, plan.memoryMode);
  const groups = planGroups(plan);
  const stages = partitionStages(g, plan.pp, plan.virtualStages);
  const m = microBatchesPerStep(plan);
  const v = plan.virtualStages;

  const { peak: mem, spillFraction } = stepMemory(g, plan, sys, opts.memory ?? DEFAULT_MEMORY_SETTINGS);
  const perBlock: BlockTimes[] = g.blocks.map((b) => blockTimes(b, plan, rates, spec, groups, g.inputBytesPerSample ?? 0, spillFraction));
  const blockParams = g.blocks.map((b) => blockParamsPerDevice(b.ops, plan));
  // Activations cross each stage boundary once per chunk in each direction, split over TP ranks
  // (Megatron's scatter/gather optimization, or sequence parallelism).
  const boundary = g.blocks.find((b) => b.placement === 'repeated')?.ops[0]?.savedActivationBytes ?? 0;
  const p2p = plan.pp > 1 ? p2pSeconds(spec, (boundary * plan.microBatch) / plan.tp / plan.cp, groups.ppDistance) : 0;
  const stageTimes = stages.map((blocks) => stageTime(blocks, perBlock, blockParams, plan, p2p));

  const critical = stageTimes.reduce((a, b) => (b.perMicroBatch > a.perMicroBatch ? b : a));
  const sumStages = stageTimes.reduce((acc, s) => acc + s.perMicroBatch, 0);
  // 1F1B: m micro-batches at the slowest stage's pace plus fill/drain through the others;
  // interleaving divides the fill/drain by the number of chunks per device.
  const pipelineSeconds = m * critical.perMicroBatch + (sumStages - critical.perMicroBatch) / v;
  const bubbleSeconds = pipelineSeconds - m * critical.perMicroBatch;
  const dpExposed = dataParallelExposedSeconds(g, plan, spec, groups, eff, stageTimes, m);

  const maxParams = Math.max(...stageTimes.map((s) => s.paramsPerDevice));
  const optimizerShard = plan.zeroStage >= 1 ? plan.dp : 1;
  const optimizerSeconds = (maxParams / optimizerShard) * eff.optimizerBytesPerParam / rates.optimizerBytes;

  const stepTimeSeconds = pipelineSeconds + dpExposed + optimizerSeconds;
  const breakdown: StepBreakdown = {
    computeSeconds: m * critical.compute,
    recomputeSeconds: m * critical.recompute,
    ...axisBreakdown((a) => m * critical.comm[a]),
    pipelineCommSeconds: m * critical.pp,
    streamStallSeconds: m * [...critical.stalls.values()].reduce((a, b) => a + b, 0),
    dataParallelCommSeconds: dpExposed,
    bubbleSeconds,
    optimizerSeconds,
  };

  return assembleStepReport({
    g,
    plan,
    sys,
    prices: opts.prices,
    ...(opts.training ? { training: opts.training } : {}),
    stepTimeSeconds,
    breakdown,
    memory: mem,
    recomputeFlopsPerMicroBatch: stageTimes.reduce((a, s) => a + s.recomputeMatmulFlops, 0),
    notes: stepNotes(plan, spec, groups, breakdown, stepTimeSeconds, critical, stageTimes, m, spillFraction),
  });
}
