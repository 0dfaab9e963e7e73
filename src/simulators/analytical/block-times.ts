// Time of one block instance for one micro-batch on one device, split by what the time is spent
// on. Computed once per distinct block; stages and the pipeline only multiply these.
import type { SystemSpec } from '../../specs/schema.js';
import { blockActivationBytes, blockParamsPerDevice } from '../../planner/memory.js';
import { PARALLEL_AXES, type Block, type ParallelAxis } from '../../workloads/graph.js';
import { AXES, axisDegree, type Groups } from '../../planner/axes.js';
import { MEMORY_MODE_MODELS } from '../../planner/memory-modes.js';
import { splitDivisor } from '../../planner/memory.js';
import type { Plan } from '../../planner/plan.js';
import { collectiveSeconds } from './collectives.js';
import { fusedKernelSeconds, matmulSeconds, shardedShape, streamSeconds, type DeviceRates } from './compute.js';

/** Bytes a block instance moves over a named machine resource per micro-batch (e.g. weights
 * streamed from Dojo DIP HBM through a tile edge), in addition to its compute. The analytical tier
 * takes the max of compute and each stream (prefetch overlaps them); the event tier schedules
 * each stream as a task on its resource, where concurrent users contend. */
export interface ResourceStream {
  resource: string;
  /** Sustained bytes/s of that resource for one device. */
  bytesPerSecond: number;
  forwardBytes: number;
  backwardBytes: number;
}

export interface BlockTimes {
  forward: number;
  backward: number;
  /** Extra forward work in backward under the plan's recompute mode. */
  recompute: number;
  /** Communication per axis: forward, backward, and forward collectives replayed by full recompute. */
  comm: Record<ParallelAxis, AxisComm>;
  /** Matmul FLOPs of one instance per device (forward) and recomputed matmul FLOPs. */
  matmulFlopsForward: number;
  recomputeMatmulFlops: number;
  /** Machine-specific traffic beside compute (none on GPUs). */
  streams: ResourceStream[];
}

export interface AxisComm {
  forward: number;
  backward: number;
  recompute: number;
}

export { planGroups, type Groups } from '../../planner/axes.js';

const noComm = (): Record<ParallelAxis, AxisComm> => Object.fromEntries(PARALLEL_AXES.map((a) => [a, { forward: 0, backward: 0, recompute: 0 }])) as Record<ParallelAxis, AxisComm>;
const REPLAYED = new Set<ParallelAxis>(AXES.filter((a) => a.recomputeRepeatsForward).map((a) => a.axis));

/** Bytes per parameter a streamed block moves per micro-batch: bf16 weights in for forward; for
 * backward, weights in again plus the fp32 gradient accumulator read and written. */
const STREAM_FORWARD_BYTES_PER_PARAM = 2;
const STREAM_BACKWARD_BYTES_PER_PARAM = 2 + 4 + 4;

/** Machine traffic beside compute: weights streamed from off-chip memory (hbm-streaming) and
 * input data fed by hosts to the first stage. */
export function blockStreams(block: Block, plan: Plan, spec: SystemSpec, inputBytesPerSample: number, spillFraction = 0): ResourceStream[] {
  const d = spec.device;
  const streams: ResourceStream[] = [];
  if (MEMORY_MODE_MODELS[plan.memoryMode].streamsWeights) {
    const params = blockParamsPerDevice(block.ops, plan) / (plan.zeroStage >= 3 ? plan.dp : 1);
    // Spilled activations: written out in forward, read back for backward.
    const spilled = spillFraction * blockActivationBytes(block.ops, plan, block.placement === 'repeated');
    if (params > 0 || spilled > 0) {
      streams.push({ resource: 'offchip-memory', bytesPerSecond: d.memoryBandwidthGBps * 1e9 * d.memoryEfficiency, forwardBytes: params * STREAM_FORWARD_BYTES_PER_PARAM + spilled, backwardBytes: params * STREAM_BACKWARD_BYTES_PER_PARAM + spilled });
    }
  }
  if (block.placement === 'first-stage' && d.hostFeedGBps !== undefined && inputBytesPerSample > 0) {
    // Every TP/CP rank of the first stage receives its micro-batch's input.
    streams.push({ resource: 'host-feed', bytesPerSecond: d.hostFeedGBps * 1e9, forwardBytes: inputBytesPerSample * plan.microBatch, backwardBytes: 0 });
  }
  return streams;
}

/** Seconds a block instance takes in one direction when its streams overlap its compute. */
export function withStreams(computeSeconds: number, streams: ResourceStream[], direction: 'forward' | 'backward'): number {
  let t = computeSeconds;
  for (const s of streams) t = Math.max(t, (direction === 'forward' ? s.forwardBytes : s.backwardBytes) / s.bytesPerSecond);
  return t;
}

export function blockTimes(block: Block, plan: Plan, rates: DeviceRates, spec: SystemSpec, groups: Groups, inputBytesPerSample = 0, spillFraction = 0): BlockTimes {
  const b = plan.microBatch;
  const t: BlockTimes = { forward: 0, backward: 0, recompute: 0, comm: noComm(), matmulFlopsForward: 0, recomputeMatmulFlops: 0, streams: blockStreams(block, plan, spec, inputBytesPerSample, spillFraction) };
  const recomputeAll = block.placement === 'repeated' && plan.recompute === 'full';
  const recomputeSelective = block.placement === 'repeated' && plan.recompute === 'selective';
  for (const o of block.ops) {
    let fwd: number;
    let bwd: number;
    if (o.matmul) {
      const [m, n, k, batch] = shardedShape(o.matmul, b, plan.tp, plan.cp);
      if (o.fusedKernel) {
        const io = (splitDivisor(o.tensorSplit, plan) * plan.cp) / b;
        fwd = fusedKernelSeconds(rates, m, n, k, batch, o.fusedKernel, o.memoryBytesForward / io);
        bwd = fusedKernelSeconds(rates, m, n, k, batch * o.backwardFlopsRatio, o.fusedKernel, o.memoryBytesBackward / io);
      } else {
        fwd = matmulSeconds(rates, m, n, k, batch);
        bwd = fwd * o.backwardFlopsRatio;
      }
      const flops = 2 * m * n * k * batch * (o.fusedKernel?.flopsFraction ?? 1);
      t.matmulFlopsForward += flops;
      if (recomputeAll || (recomputeSelective && o.selectiveRecompute)) t.recomputeMatmulFlops += flops;
    } else {
      const div = (splitDivisor(o.tensorSplit, plan) * plan.cp) / b;
      fwd = streamSeconds(rates, o.memoryBytesForward / div);
      bwd = streamSeconds(rates, o.memoryBytesBackward / div);
    }
    t.forward += fwd;
    t.backward += bwd;
    if (recomputeAll || (recomputeSelective && o.selectiveRecompute)) t.recompute += fwd;
    for (const c of o.comm) {
      const bytes = c.shardedBy.reduce((x, a) => x / axisDegree(plan, a), c.bytesPerSample * b);
      const seconds = collectiveSeconds(spec, c.collective, bytes, groups.axes[c.axis]);
      t.comm[c.axis][c.pass] += seconds;
      if (c.pass === 'forward' && recomputeAll && REPLAYED.has(c.axis)) t.comm[c.axis].recompute += seconds;
    }
    // Sequence parallelism keeps only this rank's shard of a column-parallel matmul's input, so
    // backward all-gathers it again to form the weight gradient (Korthikanti et al. 2022, §4.2.2).
    if (plan.sequenceParallel && plan.tp > 1 && o.matmul && o.savedActivationSplit === 'sequence') {
      t.comm.tensor.backward += collectiveSeconds(spec, 'all-gather', (o.savedActivationBytes * b) / plan.cp, groups.axes.tensor);
    }
  }
  return t;
}
