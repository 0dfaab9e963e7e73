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
import type { SystemInstance, SystemSpec } from '../../specs/schema.js';
import { PARALLEL_AXES, type ParallelAxis, type WorkloadGraph } from '../../workloads/graph.js';
import { perAxis } from '../axis-breakdown.js';
import { blockParamsPerDevice } from '../../planner/memory.js';
import { gradientBytesPerParam, microBatchesPerStep, WEIGHT_BYTES_PER_PARAM, type Plan } from '../../planner/plan.js';
import { partitionStages } from '../../planner/stages.js';
import { blockTimes, planGroups, type BlockTimes, type Groups } from '../analytical/block-times.js';
import { collectiveRoute, hierarchyPhases, p2pSeconds, type CollectiveKind, type Group } from '../analytical/collectives.js';
import { deviceRates, type DeviceRates } from '../analytical/compute.js';
import type { Efficiency } from '../analytical/efficiency.js';
import { EventSimulation, type Resource, type Task, type TaskOptions } from './engine.js';

/** Every kind of task the step schedule creates; the breakdown reads these, never task names.
 * Link and port holds of a task carry its category plus " transfer" (TransferCategory). */
export const TASK_CATEGORIES = ['forward', 'backward', 'recompute', 'p2p', 'optimizer', 'dp', 'zero gather', 'param gather', 'embedding grads', 'stream'] as const;
export type TaskCategory = (typeof TASK_CATEGORIES)[number];
export type TransferCategory = `${'p2p' | 'dp' | 'zero gather' | 'param gather' | 'embedding grads'} transfer`;

/** Where idle time on a compute stream goes when the task it waited for is of this category:
 * data-parallel traffic (reductions, parameter gathers) or the pipeline (upstream stages). */
export const IDLE_TIME_OF: Record<TaskCategory, 'dataParallelCommSeconds' | 'bubbleSeconds'> = {
  forward: 'bubbleSeconds',
  backward: 'bubbleSeconds',
  recompute: 'bubbleSeconds',
  p2p: 'bubbleSeconds',
  optimizer: 'bubbleSeconds',
  stream: 'bubbleSeconds',
  dp: 'dataParallelCommSeconds',
  'zero gather': 'dataParallelCommSeconds',
  'param gather': 'dataParallelCommSeconds',
  'embedding grads': 'dataParallelCommSeconds',
};

const CATEGORY_SET: ReadonlySet<string> = new Set(TASK_CATEGORIES);
/** The schedule's category of a task it created (a task from elsewhere is a programming error). */
export function categoryOf(t: Task): TaskCategory {
  if (!CATEGORY_SET.has(t.category)) throw new Error(`task "${t.name}" has category "${t.category}", not one of the schedule's`);
  return t.category as TaskCategory;
}

/** Own work of a compute-stream task by what it is spent on (sums to the task's work). */
export interface WorkParts {
  compute: number;
  recompute: number;
  /** Communication per op-communication axis (tensor, context, …). */
  comm: Record<ParallelAxis, number>;
}

export interface StageResources {
  stage: number;
  compute: Resource;
  /** Gradient reductions (and the tied-embedding all-reduce). */
  comm: Resource;
  /** Parameter all-gathers under ZeRO (a separate stream, as FSDP and Megatron's distributed
   * optimizer use), so prefetches do not queue behind reductions; absent without ZeRO. */
  gather?: Resource;
}

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

export interface ScheduleOptions {
  efficiency: Efficiency;
  /** Share of activations spilled to off-chip memory (hbm-streaming), as the memory model finds it. */
  spillFraction?: number;
  /** Upper bound on forward+backward segment tasks per step (all stages); chunks are cut into
   * per-layer segments while it allows, else into fewer, larger ones. */
  segmentBudget?: number;
}

export const DEFAULT_SEGMENT_BUDGET = 40_000;

/** One step of a pipeline schedule on one stage. */
export interface PipelineOp {
  forward: boolean;
  /** Local model chunk on this stage (0 … v−1). */
  chunk: number;
  microBatch: number;
}

/** The order a stage runs its forwards and backwards: 1F1B (warm-up forwards, steady one
 * forward/one backward, cool-down backwards), or Megatron's interleaved schedule when v > 1
 * (Narayanan et al. 2021; schedules.py forward_backward_pipelining_with_interleaving). */
export function pipelineOrder(pp: number, v: number, m: number, stage: number): PipelineOp[] {
  const ops: PipelineOp[] = [];
  if (v === 1) {
    const warm = Math.min(pp - stage - 1, m);
    let f = 0;
    let b = 0;
    for (; f < warm; f++) ops.push({ forward: true, chunk: 0, microBatch: f });
    while (f < m) {
      ops.push({ forward: true, chunk: 0, microBatch: f++ });
      ops.push({ forward: false, chunk: 0, microBatch: b++ });
    }
    while (b < m) ops.push({ forward: false, chunk: 0, microBatch: b++ });
    return ops;
  }
  const total = m * v;
  const warm = m === pp ? total : Math.min(total, (pp - stage - 1) * 2 + (v - 1) * pp);
  const at = (k: number, forward: boolean): PipelineOp => {
    const inGroup = Math.floor((k % (pp * v)) / pp);
    return { forward, chunk: forward ? inGroup : v - 1 - inGroup, microBatch: Math.floor(k / (pp * v)) * pp + (k % pp) };
  };
  for (let k = 0; k < warm; k++) ops.push(at(k, true));
  for (let k = 0; k < total - warm; k++) {
    ops.push(at(k + warm, true));
    ops.push(at(k, false));
  }
  for (let k = total - warm; k < total; k++) ops.push(at(k, false));
  return ops;
}

/** A collective as per-tier phases (innermost first, indices into spec.tiers) whose seconds sum
 * to collectiveSeconds: one phase per hierarchy tier the group spans, or a single phase on a
 * bypass network (Dojo's Z-plane) when that route is cheaper. */
export function collectivePhases(spec: SystemSpec, kind: CollectiveKind, bytes: number, g: Group): { tier: number; seconds: number }[] {
  if (g.size <= 1 || bytes <= 0) return [];
  const route = collectiveRoute(spec, kind, bytes, g);
  if (route.via !== 'hierarchy') return [{ tier: spec.tiers.findIndex((t) => t.name === route.via), seconds: route.seconds }];
  return hierarchyPhases(spec, kind, bytes, g).map(({ tier, seconds }) => ({ tier, seconds }));
}

/** The tier a point-to-point send between devices `distance` apart uses (as p2pSeconds picks it). */
function p2pTier(spec: SystemSpec, distance: number): number {
  const hierarchy = spec.tiers.filter((t) => !t.bypass);
  const tier = hierarchy.find((t) => t.domainDevices !== undefined && distance < t.domainDevices) ?? hierarchy[hierarchy.length - 1]!;
  return spec.tiers.indexOf(tier);
}

interface StreamWork {
  bytesPerSecond: number;
  /** Seconds the stream needs alone. */
  forward: number;
  backward: number;
}

interface Segment {
  forward: WorkParts;
  backward: WorkParts;
  recompute: WorkParts;
  params: number;
  streams: Map<string, StreamWork>;
}

const sum = (p: WorkParts) => PARALLEL_AXES.reduce((x, a) => x + p.comm[a], p.compute + p.recompute);
const scaled = (p: WorkParts, f: number): WorkParts => ({ compute: p.compute * f, recompute: p.recompute * f, comm: perAxis((a) => p.comm[a] * f) });
const noWork = (): WorkParts => ({ compute: 0, recompute: 0, comm: perAxis(() => 0) });

function segmentOf(units: [number, number][], perBlock: BlockTimes[], params: number[]): Segment {
  const seg: Segment = { forward: noWork(), backward: noWork(), recompute: noWork(), params: 0, streams: new Map() };
  for (const [bi, n] of units) {
    const t = perBlock[bi]!;
    seg.forward.compute += n * t.forward;
    seg.backward.compute += n * t.backward;
    seg.recompute.recompute += n * t.recompute;
    for (const a of PARALLEL_AXES) {
      seg.forward.comm[a] += n * t.comm[a].forward;
      seg.backward.comm[a] += n * t.comm[a].backward;
      seg.recompute.comm[a] += n * t.comm[a].recompute;
    }
    seg.params += n * params[bi]!;
    for (const s of t.streams) {
      const w = seg.streams.get(s.resource) ?? { bytesPerSecond: s.bytesPerSecond, forward: 0, backward: 0 };
      w.forward += (n * s.forwardBytes) / s.bytesPerSecond;
      w.backward += (n * s.backwardBytes) / s.bytesPerSecond;
      seg.streams.set(s.resource, w);
    }
  }
  return seg;
}

/** Units (block index, instances) of each local chunk of a stage, in graph order: the stage's
 * layers cut into v contiguous pieces, embeddings on the first chunk of stage 0 and the output
 * blocks on the last chunk of the last stage. */
function chunkUnits(g: WorkloadGraph, stageBlocks: Map<number, number>, stage: number, pp: number, v: number): [number, number][][] {
  const entries = [...stageBlocks.entries()].sort((a, b) => a[0] - b[0]);
  const first = entries.filter(([bi]) => g.blocks[bi]!.placement === 'first-stage');
  const last = entries.filter(([bi]) => g.blocks[bi]!.placement === 'last-stage');
  const layers = entries.filter(([bi]) => g.blocks[bi]!.placement === 'repeated').flatMap(([bi, n]) => Array.from({ length: n }, (): [number, number] => [bi, 1]));
  return Array.from({ length: v }, (_, c) => {
    const units = layers.slice(Math.floor((c * layers.length) / v), Math.floor(((c + 1) * layers.length) / v));
    if (stage === 0 && c === 0) units.unshift(...first);
    if (stage === pp - 1 && c === v - 1) units.push(...last);
    return units;
  });
}

/** Cuts a chunk's units into at most `count` contiguous segments. */
function segmentsOf(units: [number, number][], count: number, perBlock: BlockTimes[], params: number[]): Segment[] {
  const n = Math.max(1, Math.min(count, units.length));
  return Array.from({ length: n }, (_, k) => segmentOf(units.slice(Math.floor((k * units.length) / n), Math.floor(((k + 1) * units.length) / n)), perBlock, params));
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

/** What the pipeline, data-parallel and optimizer builders share: the step's shape, the
 * simulation with one set of resources per stage, and typed task creation. */
interface ScheduleContext {
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

function scheduleContext(g: WorkloadGraph, plan: Plan, sys: SystemInstance, opts: ScheduleOptions): ScheduleContext {
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

/** The data-parallel side of the step: per-stage gradient reductions and parameter gathers as
 * per-tier phases, bucketed, on the stage's DP streams. */
interface DataParallelBuilder {
  gradBytes: number;
  stageParams: number[];
  reducePhases: { tier: number; seconds: number }[][];
  gatherPhases: { tier: number; seconds: number }[][];
  /** Gradient buckets per local chunk (each reduced as soon as its backward piece is done). */
  piecesPerChunk: number;
  /** Per stage, the last reduction task (the optimizer waits for it). */
  lastComm: (Task | undefined)[];
  commTasks: (s: number, kind: 'reduce' | 'gather', phases: { tier: number; seconds: number }[], scale: number, name: string, category: 'dp' | 'zero gather' | 'param gather', deps: Task[], args: Record<string, string | number>) => Task | undefined;
}

function dataParallelBuilder(ctx: ScheduleContext): DataParallelBuilder {
  const { plan, spec, eff, groups, pp, v, chunks, stages, task, alongside, tierLink } = ctx;
  /** Tasks on one of the stage's DP streams, each holding one tier link per phase, in order;
   * returns the last (undefined when there is nothing to move). */
  const lastComm: (Task | undefined)[] = Array.from({ length: pp }, () => undefined);
  const commTasks = (s: number, kind: 'reduce' | 'gather', phases: { tier: number; seconds: number }[], scale: number, name: string, category: 'dp' | 'zero gather' | 'param gather', deps: Task[], args: Record<string, string | number>): Task | undefined => {
    const streamOf = kind === 'reduce' ? stages[s]!.comm : stages[s]!.gather!;
    let last: Task | undefined;
    for (const ph of phases) {
      const t = task(streamOf, 0, { name, category, deps: last ? [] : deps, args: { ...args, tier: spec.tiers[ph.tier]!.name } });
      const link = tierLink(s, ph.tier);
      alongside(t, link, ph.seconds * scale * link.bandwidth, { name, category: `${category} transfer`, args });
      last = t;
    }
    if (kind === 'reduce' && last) lastComm[s] = last;
    return last;
  };

  // Data-parallel traffic per stage, for the whole stage buffer (as the analytical tier sizes it);
  // each bucket takes its parameter share of it.
  const gradBytes = gradientBytesPerParam(plan);
  const stageParams = chunks.map((cs) => cs.flat().reduce((a, seg) => a + seg.params, 0));
  const reducePhases = stageParams.map((p) => collectivePhases(spec, plan.zeroStage >= 1 ? 'reduce-scatter' : 'all-reduce', p * gradBytes, groups.dp));
  const gatherPhases = stageParams.map((p) => collectivePhases(spec, 'all-gather', p * WEIGHT_BYTES_PER_PARAM, groups.dp));
  const buckets = eff.gradReduceTailFraction > 0 ? Math.min(64, Math.max(1, Math.round(1 / eff.gradReduceTailFraction))) : 64;
  const piecesPerChunk = Math.ceil(buckets / v);

  return { gradBytes, stageParams, reducePhases, gatherPhases, piecesPerChunk, lastComm, commTasks };
}

/** Pipeline sends and their cross-stage order, shared by every stage's build. */
interface PipelineLinks {
  p2p: number;
  p2pBytes: number;
  p2pLinkTier: number;
  /** By global chunk · m + micro-batch. */
  sendF: Task[];
  sendB: Task[];
  firstF: Task[];
  firstB: Task[];
  idx: (j: number, i: number) => number;
}

/** Every stage's forwards, backwards and sends in schedule order, then the cross-stage dependencies. */
function buildPipeline(ctx: ScheduleContext, dp: DataParallelBuilder): { lastCompute: Task[] } {
  const { g, plan, spec, groups, pp, v, m, sim } = ctx;
  // Pipeline sends: activation forward, gradient back, on the sender's link for that distance.
  const boundary = g.blocks.find((b) => b.placement === 'repeated')?.ops[0]?.savedActivationBytes ?? 0;
  const p2pBytes = (boundary * plan.microBatch) / plan.tp / plan.cp;
  const p2p = pp > 1 ? p2pSeconds(spec, p2pBytes, groups.ppDistance) : 0;
  const p2pLinkTier = p2pTier(spec, groups.ppDistance);
  const sendF: Task[] = []; // by global chunk · m + micro-batch
  const sendB: Task[] = [];
  const firstF: Task[] = [];
  const firstB: Task[] = [];
  const idx = (j: number, i: number) => j * m + i;

  const links: PipelineLinks = { p2p, p2pBytes, p2pLinkTier, sendF, sendB, firstF, firstB, idx };
  const lastCompute = Array.from({ length: pp }, (_, s) => buildStage(ctx, dp, links, s));
  // Cross-stage dependencies: a forward needs the previous chunk's activation, a backward the
  // next chunk's gradient.
  for (let j = 0; j < pp * v; j++) {
    for (let i = 0; i < m; i++) {
      if (j > 0) sim.depend(firstF[idx(j, i)]!, sendF[idx(j - 1, i)]!);
      if (j < pp * v - 1) sim.depend(firstB[idx(j, i)]!, sendB[idx(j + 1, i)]!);
    }
  }

  return { lastCompute };
}

/** One stage's program (1F1B or interleaved order) on its compute stream, with its gradient
 * buckets and parameter gathers on the DP streams; returns its last compute-stream task. */
function buildStage(ctx: ScheduleContext, dp: DataParallelBuilder, links: PipelineLinks, s: number): Task {
  const { plan, pp, v, m, sim, parts, stages, task, alongside, sharedResource, tierLink, chunks } = ctx;
  const { stageParams, reducePhases, gatherPhases, piecesPerChunk, commTasks } = dp;
  const { p2p, p2pBytes, p2pLinkTier, sendF, sendB, firstF, firstB, idx } = links;
  const { compute } = stages[s]!;
  const order = pipelineOrder(pp, v, m, s);
  // The position of each chunk's last backward: it produces the chunk's final gradients.
  const lastBackward = new Set<number>();
  for (let c = 0; c < v; c++) {
    let last = -1;
    order.forEach((o, n) => {
      if (!o.forward && o.chunk === c) last = n;
    });
    lastBackward.add(last);
  }
  const stream: Task[] = [];
  const computeOnly: Task[] = [];
  const firstForwardDone = new Set<number>();
  const computeTask = (work: number, p: WorkParts, name: string, category: 'forward' | 'backward' | 'recompute', seg: Segment, streamDir: 'forward' | 'backward' | undefined, args: Record<string, string | number>): Task => {
    const t = task(compute, work, { name, category, args });
    parts.set(t, p);
    if (streamDir) {
      for (const [res, w] of seg.streams) {
        const r = sharedResource(s, res, w.bytesPerSecond);
        if (w[streamDir] > 0) alongside(t, r, w[streamDir] * r.bandwidth, { name: `${name} ${res}`, category: 'stream', args });
      }
    }
    stream.push(t);
    computeOnly.push(t);
    return t;
  };
  // ZeRO-3 gathers a segment's parameters before each use, prefetched one segment ahead: the
  // gather starts once the segment before the previous one is done (FSDP's forward prefetch).
  const zero3Gather = (seg: Segment, args: Record<string, string | number>): Task[] => {
    if (plan.zeroStage < 3 || stageParams[s] === 0) return [];
    const prefetchAfter = computeOnly[computeOnly.length - 2];
    const t = commTasks(s, 'gather', gatherPhases[s]!, seg.params / stageParams[s]!, 'ZeRO-3 param gather', 'zero gather', prefetchAfter ? [prefetchAfter] : [], args);
    return t ? [t] : [];
  };
  // ZeRO-1/2 with overlap: the previous step's updated parameters are gathered bucket by bucket
  // while this step's first forwards run (Megatron's overlapped parameter gather).
  const paramGather = new Map<Segment, Task>();
  if (plan.zeroStage >= 1 && plan.zeroStage < 3 && plan.overlapGradReduce && stageParams[s]! > 0) {
    for (const seg of chunks[s]!.flat()) {
      const t = commTasks(s, 'gather', gatherPhases[s]!, seg.params / stageParams[s]!, 'param all-gather', 'param gather', [], {});
      if (t) paramGather.set(seg, t);
    }
  }

  order.forEach((o, n) => {
    const j = o.chunk * pp + s; // global chunk index
    const segs = chunks[s]![o.chunk]!;
    const args = { microBatch: o.microBatch, chunk: j };
    const label = `${o.forward ? 'F' : 'B'} mb${o.microBatch} chunk${j}`;
    let head: Task | undefined;
    if (o.forward) {
      const fresh = !firstForwardDone.has(o.chunk);
      firstForwardDone.add(o.chunk);
      for (const seg of segs) {
        const deps = [...zero3Gather(seg, args), ...(fresh && paramGather.has(seg) ? [paramGather.get(seg)!] : [])];
        const t = computeTask(sum(seg.forward), seg.forward, label, 'forward', seg, 'forward', args);
        for (const d of deps) sim.depend(t, d);
        head ??= t;
      }
      firstF[idx(j, o.microBatch)] = head!;
    } else {
      const producesGrads = lastBackward.has(n) && plan.overlapGradReduce && plan.dp > 1;
      for (const seg of [...segs].reverse()) {
        const deps = zero3Gather(seg, args);
        // Recompute runs right before the segment's backward; with streams it joins the first
        // backward task so the stream overlaps both (prefetch), as the analytical tier assumes.
        const joinRecompute = seg.streams.size > 0;
        if (!joinRecompute && sum(seg.recompute) > 0) {
          const r = computeTask(sum(seg.recompute), seg.recompute, `R mb${o.microBatch} chunk${j}`, 'recompute', seg, undefined, args);
          for (const d of deps.splice(0)) sim.depend(r, d);
          head ??= r;
        }
        const pieces = producesGrads ? Math.ceil(piecesPerChunk / segs.length) : 1;
        const pieceSeg: Segment = pieces === 1 ? seg : { ...seg, streams: new Map([...seg.streams].map(([k, w]) => [k, { ...w, backward: w.backward / pieces }])) };
        for (let k = 0; k < pieces; k++) {
          const p = scaled(seg.backward, 1 / pieces);
          if (joinRecompute && k === 0) {
            p.recompute += seg.recompute.recompute;
            for (const a of PARALLEL_AXES) p.comm[a] += seg.recompute.comm[a];
          }
          const t = computeTask(sum(p), p, label, 'backward', pieceSeg, 'backward', args);
          for (const d of deps.splice(0)) sim.depend(t, d);
          head ??= t;
          if (producesGrads && stageParams[s]! > 0) {
            commTasks(s, 'reduce', reducePhases[s]!, seg.params / pieces / stageParams[s]!, 'gradient reduction', 'dp', [t], { chunk: j });
          }
        }
      }
      firstB[idx(j, o.microBatch)] = head!;
    }
    // Megatron's pipeline sends block the sender's stream until the transfer is done.
    const sendsTo = o.forward ? j < pp * v - 1 : j > 0;
    if (pp > 1 && sendsTo) {
      const send = task(compute, 0, { name: `send ${o.forward ? 'activation' : 'gradient'} mb${o.microBatch} chunk${j}`, category: 'p2p', args });
      const link = tierLink(s, p2pLinkTier);
      alongside(send, link, p2p * link.bandwidth, { name: `p2p mb${o.microBatch} chunk${j}`, category: 'p2p transfer', args: { ...args, bytes: p2pBytes } });
      (o.forward ? sendF : sendB)[idx(j, o.microBatch)] = send;
      stream.push(send);
    }
  });
  const lastCompute = stream[stream.length - 1]!;
  // Without overlap (Megatron "local" DDP), gradients are reduced after the stage's last backward.
  if (!(plan.overlapGradReduce) && stageParams[s]! > 0) commTasks(s, 'reduce', reducePhases[s]!, 1, 'gradient reduction', 'dp', [lastCompute], {});
  return lastCompute;
}

/** After the backward passes: the tied-embedding gradient all-reduce, then each stage's optimizer step. */
function buildOptimizer(ctx: ScheduleContext, dp: DataParallelBuilder, lastCompute: Task[]): void {
  const { g, plan, spec, eff, rates, groups, pp, stages, task, alongside, tierLink } = ctx;
  const { gradBytes, stageParams, gatherPhases, lastComm, commTasks } = dp;
  // Tied embeddings: the first and last stages all-reduce the shared gradient after their DP reduction.
  const embeddingTasks: Task[] = [];
  if (pp > 1 && g.sharedParams > 0) {
    const distance = groups.ppDistance * (pp - 1);
    const seconds = 2 * p2pSeconds(spec, (g.sharedParams / plan.tp) * gradBytes, distance);
    const t = task(stages[0]!.comm, 0, { name: 'embedding gradient all-reduce', category: 'embedding grads', deps: [lastComm[pp - 1] ?? lastCompute[pp - 1]!, lastCompute[0]!] });
    const link = tierLink(0, p2pTier(spec, distance));
    alongside(t, link, seconds * link.bandwidth, { name: 'embedding gradient all-reduce', category: 'embedding grads transfer' });
    embeddingTasks.push(t);
  }

  // Optimizer on each stage once its gradients are reduced; ZeRO ≥ 1 updates only its shard.
  const shard = plan.zeroStage >= 1 ? plan.dp : 1;
  for (let s = 0; s < pp; s++) {
    const deps = [lastComm[s] ?? lastCompute[s]!, ...(s === 0 || s === pp - 1 ? embeddingTasks : [])];
    const work = ((stageParams[s]! / shard) * eff.optimizerBytesPerParam) / rates.optimizerBytes;
    const opt = task(stages[s]!.compute, work, { name: 'optimizer step', category: 'optimizer', deps });
    // ZeRO-1/2 without overlap: the updated shards are all-gathered before the next step.
    if (plan.zeroStage >= 1 && plan.zeroStage < 3 && !plan.overlapGradReduce) commTasks(s, 'gather', gatherPhases[s]!, 1, 'param all-gather', 'param gather', [opt], {});
  }
}
