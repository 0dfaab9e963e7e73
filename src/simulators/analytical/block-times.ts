// Time of one block instance for one micro-batch on one device, split by what the time is spent
// on. Computed once per distinct block; stages and the pipeline only multiply these.
import type { SystemSpec } from '../../specs/schema.js';
import type { Block } from '../../workloads/graph.js';
import { splitDivisor } from '../../planner/memory.js';
import type { Plan } from '../../planner/plan.js';
import { collectiveSeconds, type Group } from './collectives.js';
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
  tpForward: number;
  tpBackward: number;
  /** TP communication repeated by recompute (full recompute redoes forward collectives). */
  tpRecompute: number;
  cp: number;
  /** Matmul FLOPs of one instance per device (forward) and recomputed matmul FLOPs. */
  matmulFlopsForward: number;
  recomputeMatmulFlops: number;
  /** Machine-specific traffic beside compute (none on GPUs). */
  streams: ResourceStream[];
}

export interface Groups {
  tp: Group;
  cp: Group;
  dp: Group;
  /** Device distance between pipeline neighbours. */
  ppDistance: number;
}

export function planGroups(plan: Plan): Groups {
  return {
    tp: { size: plan.tp, stride: 1 },
    cp: { size: plan.cp, stride: plan.tp },
    dp: { size: plan.dp, stride: plan.tp * plan.cp },
    ppDistance: plan.tp * plan.cp * plan.dp,
  };
}

export function blockTimes(block: Block, plan: Plan, rates: DeviceRates, spec: SystemSpec, groups: Groups): BlockTimes {
  const b = plan.microBatch;
  const t: BlockTimes = { forward: 0, backward: 0, recompute: 0, tpForward: 0, tpBackward: 0, tpRecompute: 0, cp: 0, matmulFlopsForward: 0, recomputeMatmulFlops: 0, streams: [] };
  const recomputeAll = block.placement === 'repeated' && plan.recompute === 'full';
  const recomputeSelective = block.placement === 'repeated' && plan.recompute === 'selective';
  // Under sequence parallelism an all-reduce becomes reduce-scatter + all-gather: same bytes on a ring.
  const tpCollective = (bytes: number) => collectiveSeconds(spec, 'all-reduce', (bytes * b) / plan.cp, groups.tp);
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
    const tpF = o.tpAllReduceBytesForward > 0 ? tpCollective(o.tpAllReduceBytesForward) : 0;
    const tpB = o.tpAllReduceBytesBackward > 0 ? tpCollective(o.tpAllReduceBytesBackward) : 0;
    t.tpForward += tpF;
    t.tpBackward += tpB;
    // Sequence parallelism keeps only this rank's shard of a column-parallel matmul's input, so
    // backward all-gathers it again to form the weight gradient (Korthikanti et al. 2022, §4.2.2).
    if (plan.sequenceParallel && plan.tp > 1 && o.matmul && o.savedActivationSplit === 'sequence') {
      t.tpBackward += collectiveSeconds(spec, 'all-gather', (o.savedActivationBytes * b) / plan.cp, groups.tp);
    }
    if (recomputeAll) t.tpRecompute += tpF;
    if (o.cpExchangeBytesForward > 0 && plan.cp > 1) {
      // K/V all-gather in forward, gradient reduce-scatter in backward (ring attention moves the same bytes).
      const kv = (o.cpExchangeBytesForward * b) / plan.tp;
      t.cp += collectiveSeconds(spec, 'all-gather', kv, groups.cp) + collectiveSeconds(spec, 'reduce-scatter', kv, groups.cp);
    }
  }
  return t;
}
