// The task graph of ONE training step, built for the event engine from the same per-op physics
// as the analytical tier (blockTimes, collectiveSeconds, p2pSeconds, deviceRates), so the two
// tiers differ only in scheduling, overlap and contention.
//
// Symmetry: every TP/CP rank and DP replica of a pipeline stage runs the same program at the same
// time, so one representative device per stage is simulated. Its resources: a compute stream and
// data-parallel streams for reductions and (ZeRO) parameter gathers, serial and in program order
// like CUDA/NCCL streams; one shared link per network tier it uses, at the tier's per-device
// bandwidth (a node's NICs divided among its devices, which all drive them at once); and one
// shared resource per machine stream a block declares (off-chip memory, host feed). Each
// collective phase and pipeline send holds a link, where it contends with the device's other
// traffic. Docs: docs/event-simulator.md.
import type { SystemInstance } from '../../specs/schema.js';
import type { WorkloadGraph } from '../../workloads/graph.js';
import type { Plan } from '../../planner/plan.js';
import type { EventSimulation, Resource, Task } from './engine.js';
import { dataParallelBuilder } from './data-parallel.js';
import { buildOptimizer } from './optimizer.js';
import { buildPipeline } from './pipeline.js';
import { scheduleContext, type ScheduleOptions, type StageResources } from './schedule-context.js';
import type { WorkParts } from './segments.js';

export { TASK_CATEGORIES, IDLE_TIME_OF, categoryOf, type TaskCategory, type TransferCategory } from './task-categories.js';
export { pipelineOrder, type PipelineOp } from './pipeline-order.js';
export { collectivePhases } from './phases.js';
export { DEFAULT_SEGMENT_BUDGET, type ScheduleOptions, type StageResources } from './schedule-context.js';
export type { WorkParts } from './segments.js';

export interface StepSchedule {
  sim: EventSimulation;
  stages: StageResources[];
  /** Split of every forward/backward/recompute task's work (others are sends, DP, optimizer). */
  parts: Map<Task, WorkParts>;
  microBatches: number;
  /** The pipeline stage every resource belongs to (one representative device per stage). */
  resourceStage: Map<Resource, number>;
  /** Per stage: matmul FLOPs one device recomputes per micro-batch (for HFU). */
  recomputeMatmulFlops: number[];
}

export function buildStepSchedule(g: WorkloadGraph, plan: Plan, sys: SystemInstance, opts: ScheduleOptions): StepSchedule {
  const ctx = scheduleContext(g, plan, sys, opts);
  const dp = dataParallelBuilder(ctx);
  const { lastCompute } = buildPipeline(ctx, dp);
  buildOptimizer(ctx, dp, lastCompute);
  // Recomputed matmul FLOPs per micro-batch on each stage's device (for HFU).
  const recomputeMatmulFlops = ctx.stageBlocks.map((blocks) => [...blocks].reduce((a, [bi, n]) => a + n * ctx.perBlock[bi]!.recomputeMatmulFlops, 0));
  return { sim: ctx.sim, stages: ctx.stages, parts: ctx.parts, microBatches: ctx.m, resourceStage: ctx.resourceStage, recomputeMatmulFlops };
}
