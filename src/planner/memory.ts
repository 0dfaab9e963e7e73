// Per-device memory model: weights, gradients, optimizer state, saved activations for the
// micro-batches a 1F1B pipeline keeps in flight, and a fixed workspace. Reports whether the worst
// stage fits, by how much it does not, and which component dominates.
import { z } from 'zod';
import { parseOrThrow } from '../common/zod-issues.js';
import type { SystemInstance } from '../specs/schema.js';
import rawMemorySettings from './memory-settings.json' with { type: 'json' };
import type { Op, TensorSplit, WorkloadGraph } from '../workloads/graph.js';
import { gradientBytesPerParam, microBatchesPerStep, WEIGHT_BYTES_PER_PARAM, type Plan } from './plan.js';
import { partitionStages, type StageBlocks } from './stages.js';
import { MEMORY_MODE_MODELS } from './memory-modes.js';

export const MemorySettingsSchema = z
  .object({
    /** cuBLAS/NCCL workspaces and allocator fragmentation (GPU memory mode). */
    workspaceBytes: z.number().nonnegative(),
    /** Optimizer state held per parameter (Adam mixed precision: fp32 master + two fp32 moments). */
    optimizerStateBytesPerParam: z.number().nonnegative(),
    sources: z.record(z.string(), z.string()),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const k of ['workspaceBytes', 'optimizerStateBytesPerParam']) if (!m.sources[k]) ctx.addIssue({ code: 'custom', path: ['sources', k], message: 'every setting needs a source or the word "assumption"' });
  });
export type MemorySettings = z.output<typeof MemorySettingsSchema>;

/** The defaults, validated at load, each with its source (memory-settings.json). */
export const DEFAULT_MEMORY_SETTINGS: MemorySettings = parseOrThrow(MemorySettingsSchema, rawMemorySettings, 'src/planner/memory-settings.json');

export interface MemoryBreakdown {
  stage: number;
  weightsBytes: number;
  gradientsBytes: number;
  optimizerBytes: number;
  activationsBytes: number;
  workspaceBytes: number;
  totalBytes: number;
  capacityBytes: number;
  /** Where the bytes sit under the plan's memory mode: off-chip (HBM) and on-chip (SRAM). */
  offChipBytes: number;
  offChipCapacityBytes: number;
  onChipBytes: number;
  onChipCapacityBytes: number;
  fits: boolean;
  /** Bytes over capacity (0 when it fits). */
  overBytes: number;
  /** hbm-streaming: activations that did not fit on chip and went to off-chip memory. */
  spilledActivationBytes: number;
  /** Largest component, to say why a plan does not fit. */
  dominant: 'weights' | 'gradients' | 'optimizer' | 'activations' | 'workspace';
}

export function splitDivisor(split: TensorSplit, plan: Plan): number {
  if (split === 'split') return plan.tp;
  if (split === 'sequence') return plan.sequenceParallel ? plan.tp : 1;
  return 1;
}

/** Parameters a device holds for one instance of a block (before ZeRO-3 sharding). */
export function blockParamsPerDevice(ops: Op[], plan: Plan): number {
  let p = 0;
  for (const o of ops) p += o.params / (o.tensorSplit === 'split' ? plan.tp : 1);
  return p;
}

/** Saved activation bytes per micro-batch for one block instance on one device. */
export function blockActivationBytes(ops: Op[], plan: Plan, recomputeApplies: boolean): number {
  let bytes = 0;
  const mode = recomputeApplies ? plan.recompute : 'none';
  if (mode === 'full') {
    // Only the block input is kept (the first op's saved input); the rest is recomputed.
    const first = ops[0];
    bytes = first ? first.savedActivationBytes / splitDivisor(first.savedActivationSplit, plan) : 0;
  } else {
    for (const o of ops) {
      const kept = mode === 'selective' && o.selectiveRecompute ? o.selectiveKeptBytes : o.savedActivationBytes;
      bytes += kept / splitDivisor(o.savedActivationSplit, plan);
    }
  }
  return (bytes * plan.microBatch) / plan.cp;
}

export function stageMemory(g: WorkloadGraph, plan: Plan, sys: SystemInstance, stages: StageBlocks[], settings = DEFAULT_MEMORY_SETTINGS): MemoryBreakdown[] {
  const m = microBatchesPerStep(plan);
  const gradBytes = gradientBytesPerParam(plan);
  const device = sys.spec.device;
  const offChipCapacity = device.memoryGB * 1e9;
  const onChipCapacity = device.onChipMemoryMB * 1e6;
  const mode = MEMORY_MODE_MODELS[plan.memoryMode];
  // Per-block figures computed once; stages only scale them by counts.
  const perBlock = g.blocks.map((b) => {
    const recomputeApplies = b.placement === 'repeated';
    return {
      params: blockParamsPerDevice(b.ops, plan),
      act: blockActivationBytes(b.ops, plan, recomputeApplies),
      // During recompute, what was dropped is live again for one block and one micro-batch.
      working: recomputeApplies && plan.recompute !== 'none' ? blockActivationBytes(b.ops, { ...plan, recompute: 'none' }, false) - blockActivationBytes(b.ops, plan, true) : 0,
    };
  });
  return stages.map((blocks, stage) => {
    let params = 0;
    let act = 0;
    let working = 0;
    for (const [bi, count] of blocks) {
      const pb = perBlock[bi]!;
      params += pb.params * count;
      act += pb.act * count;
      working = Math.max(working, pb.working);
    }
    // 1F1B: stage i holds up to (pp - i) micro-batches; interleaving adds (pp-1)/(pp·v) more.
    let inFlight = Math.min(m, plan.pp - stage);
    if (plan.virtualStages > 1) inFlight *= 1 + (plan.pp - 1 - stage) / (plan.pp * plan.virtualStages);
    const shardW = plan.zeroStage >= 3 ? plan.dp : 1;
    const shardG = plan.zeroStage >= 2 ? plan.dp : 1;
    const shardO = plan.zeroStage >= 1 ? plan.dp : 1;
    const weightsBytes = (params * WEIGHT_BYTES_PER_PARAM) / shardW;
    const gradientsBytes = (params * gradBytes) / shardG;
    const optimizerBytes = (params * settings.optimizerStateBytesPerParam) / shardO;
    const activationsBytes = act * inFlight + working;
    const state = weightsBytes + gradientsBytes + optimizerBytes;
    // The double buffer that stages streamed weights holds two layers' worth.
    const workspaceBytes = mode.workspaceBytes(settings.workspaceBytes, () => 2 * maxBlockWeightBytes(g, plan, blocks));
    const totalBytes = state + activationsBytes + workspaceBytes;
    // Spilled activations are written in forward and read back in backward: see blockStreams.
    const spilledActivationBytes = mode.spilledActivationBytes(activationsBytes, workspaceBytes, onChipCapacity);
    const [offChipBytes, onChipBytes] = mode.place({ totalBytes, stateBytes: state, activationsBytes, spilledActivationBytes, workspaceBytes });
    const [offLimit, onLimit] = mode.limits(offChipCapacity, onChipCapacity);
    const overBytes = Math.max(0, offChipBytes - offLimit) + Math.max(0, onChipBytes - onLimit);
    const capacityBytes = Math.min(offLimit, offChipCapacity) + Math.min(onLimit, onChipCapacity);
    const parts = { weights: weightsBytes, gradients: gradientsBytes, optimizer: optimizerBytes, activations: activationsBytes, workspace: workspaceBytes };
    const dominant = (Object.entries(parts) as [MemoryBreakdown['dominant'], number][]).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    return {
      stage, weightsBytes, gradientsBytes, optimizerBytes, activationsBytes, workspaceBytes, totalBytes, capacityBytes,
      offChipBytes, offChipCapacityBytes: offChipCapacity, onChipBytes, onChipCapacityBytes: onChipCapacity,
      fits: overBytes === 0, overBytes, spilledActivationBytes, dominant,
    };
  });
}

/** The largest per-device weight bytes of one block instance on a stage (what a stream stages). */
function maxBlockWeightBytes(g: WorkloadGraph, plan: Plan, blocks: StageBlocks): number {
  let max = 0;
  for (const bi of blocks.keys()) max = Math.max(max, blockParamsPerDevice(g.blocks[bi]!.ops, plan) * WEIGHT_BYTES_PER_PARAM);
  return max / (plan.zeroStage >= 3 ? plan.dp : 1);
}

/** The stage that fits worst (most bytes over, then most bytes): it decides whether the plan fits. */
export function peakMemory(stages: MemoryBreakdown[]): MemoryBreakdown {
  return stages.reduce((a, b) => (b.overBytes > a.overBytes || (b.overBytes === a.overBytes && b.totalBytes > a.totalBytes) ? b : a));
}

export interface StepMemory {
  /** Every pipeline stage's breakdown. */
  stages: MemoryBreakdown[];
  /** The worst stage: the figure a plan fits or fails by. */
  peak: MemoryBreakdown;
  /** Share of activations spilled to off-chip memory on the worst stage (hbm-streaming only; 0 otherwise). */
  spillFraction: number;
}

/** The memory of one training step under a plan, as every simulator tier and the search read it. */
export function stepMemory(g: WorkloadGraph, plan: Plan, sys: SystemInstance, settings = DEFAULT_MEMORY_SETTINGS): StepMemory {
  const stages = stageMemory(g, plan, sys, partitionStages(g, plan.pp, plan.virtualStages), settings);
  const spillFraction = Math.max(0, ...stages.map((ms) => (ms.activationsBytes > 0 ? ms.spilledActivationBytes / ms.activationsBytes : 0)));
  return { stages, peak: peakMemory(stages), spillFraction };
}
