// What the pipeline, data-parallel and optimizer builders of the step schedule share: the step's
// shape, its work cut into segments, the simulation with one set of resources per stage, and
// typed task creation.
import type { SystemInstance, SystemSpec } from '../../specs/schema.js';
import type { WorkloadGraph } from '../../workloads/graph.js';
import { blockParamsPerDevice } from '../../planner/memory.js';
import { microBatchesPerStep, type Plan } from '../../planner/plan.js';
import { partitionStages } from '../../planner/stages.js';
import { blockTimes, planGroups, type BlockTimes, type Groups } from '../analytical/block-times.js';
import { deviceRates, type DeviceRates } from '../analytical/compute.js';
import type { Efficiency } from '../analytical/efficiency.js';
import { EventSimulation, type Resource, type Task, type TaskOptions } from './engine.js';
import { chunkUnits, segmentsOf, type Segment, type WorkParts } from './segments.js';
import type { TaskCategory, TransferCategory } from './task-categories.js';

export interface StageResources {
  stage: number;
  compute: Resource;
  /** Gradient reductions (and the tied-embedding all-reduce). */
  comm: Resource;
  /** Parameter all-gathers under ZeRO (a separate stream, as FSDP and Megatron's distributed
   * optimizer use), so prefetches do not queue behind reductions; absent without ZeRO. */
  gather?: Resource;
}

export interface ScheduleOptions {
  efficiency: Efficiency;
  /** Share of activations spilled to off-chip memory (hbm-streaming), as the memory model finds it. */
  spillFraction?: number;
  /** Upper bound on forward+backward segment tasks per step (all stages); chunks are cut into
   * per-layer segments while it allows, else into fewer, larger ones. */
  segmentBudget?: number;
}

export const DEFAULT_SEGMENT_BUDGET = 40_000;

export interface ScheduleContext {
  g: WorkloadGraph;
  plan: Plan;
  spec: SystemSpec;
  eff: Efficiency;
  rates: DeviceRates;
  groups: Groups;
  pp: number;
  v: number;
  m: number;
  stageBlocks: Map<number, number>[];
  perBlock: BlockTimes[];
  /** Per stage, per local chunk: its segments. */
  chunks: Segment[][][];
  sim: EventSimulation;
  parts: Map<Task, WorkParts>;
  stages: StageResources[];
  resourceStage: Map<Resource, number>;
  task: (r: Resource, work: number, o: TaskOptions & { category: TaskCategory }) => Task;
  alongside: (t: Task, r: Resource, amount: number, o: TaskOptions & { category: TransferCategory | 'stream' }) => Task;
  sharedResource: (stage: number, name: string, bandwidth: number) => Resource;
  tierLink: (stage: number, tier: number) => Resource;
}

export function scheduleContext(g: WorkloadGraph, plan: Plan, sys: SystemInstance, opts: ScheduleOptions): ScheduleContext {
  const eff = opts.efficiency;
  const spec = sys.spec;
  const rates = deviceRates(spec.device, plan.precision, eff, plan.memoryMode);
  const groups = planGroups(plan);
  const pp = plan.pp;
  const v = plan.virtualStages;
  const m = microBatchesPerStep(plan);
  const stageBlocks = partitionStages(g, pp, v);
  const perBlock = g.blocks.map((b) => blockTimes(b, plan, rates, spec, groups, g.inputBytesPerSample ?? 0, opts.spillFraction ?? 0));
  const blockParams = g.blocks.map((b) => blockParamsPerDevice(b.ops, plan));
  const segsPerChunk = Math.max(1, Math.floor((opts.segmentBudget ?? DEFAULT_SEGMENT_BUDGET) / (2 * m * pp * v)));
  const chunks = stageBlocks.map((blocks, s) => chunkUnits(g, blocks, s, pp, v).map((u) => segmentsOf(u, segsPerChunk, perBlock, blockParams)));

  const sim = new EventSimulation();
  // Typed task creation: every category is a TaskCategory, every link hold a TransferCategory.
  const task = (r: Resource, work: number, o: TaskOptions & { category: TaskCategory }) => sim.task(r, work, o);
  const alongside = (t: Task, r: Resource, amount: number, o: TaskOptions & { category: TransferCategory | 'stream' }) => sim.alongside(t, r, amount, o);
  const parts = new Map<Task, WorkParts>();
  const stages: StageResources[] = [];
  const shared = new Map<string, Resource>();
  const resourceStage = new Map<Resource, number>();
  const sharedResource = (stage: number, name: string, bandwidth: number) => {
    const key = `${stage}\u0000${name}`;
    let r = shared.get(key);
    if (!r) {
      shared.set(key, (r = sim.sharedResource(name, `stage ${stage}`, bandwidth)));
      resourceStage.set(r, stage);
    }
    return r;
  };
  const tierLink = (stage: number, tier: number) => sharedResource(stage, spec.tiers[tier]!.name, spec.tiers[tier]!.bandwidthGBpsPerDirection * 1e9);
  for (let s = 0; s < pp; s++) {
    const group = `stage ${s}`;
    stages.push({ stage: s, compute: sim.serialResource('compute', group), comm: sim.serialResource('dp reduce', group), ...(plan.zeroStage >= 1 ? { gather: sim.serialResource('dp gather', group) } : {}) });
    for (const r of [stages[s]!.compute, stages[s]!.comm, stages[s]!.gather]) if (r) resourceStage.set(r, s);
  }

  return { g, plan, spec, eff, rates, groups, pp, v, m, stageBlocks, perBlock, chunks, sim, parts, stages, resourceStage, task, alongside, sharedResource, tierLink };
}
