// Assigns blocks to pipeline stages. Repeated units are cut into pp·v contiguous chunks balanced
// by forward FLOPs (which gives equal layer counts for identical layers, as Megatron requires);
// chunk c runs on stage c mod pp (interleaved schedule). First/last-stage blocks stay at the ends.
import { opForwardFlops, type WorkloadGraph } from '../workloads/graph.js';

/** How many instances of each block (by index in graph.blocks) a stage holds. */
export type StageBlocks = Map<number, number>;

export function partitionStages(g: WorkloadGraph, pp: number, virtualStages: number): StageBlocks[] {
  const stages: StageBlocks[] = Array.from({ length: pp }, () => new Map());
  const addTo = (stage: number, block: number, count: number) => {
    const m = stages[stage]!;
    m.set(block, (m.get(block) ?? 0) + count);
  };
  // Expand repeated blocks into runs of units with their cost.
  const units: { block: number; flops: number }[] = [];
  g.blocks.forEach((b, i) => {
    if (b.placement === 'first-stage') addTo(0, i, b.repeat);
    else if (b.placement === 'last-stage') addTo(pp - 1, i, b.repeat);
    else {
      const flops = b.ops.reduce((s, o) => s + opForwardFlops(o), 0);
      for (let r = 0; r < b.repeat; r++) units.push({ block: i, flops });
    }
  });
  const chunks = pp * virtualStages;
  const uniform = units.every((u) => u.flops === units[0]?.flops && u.block === units[0]?.block);
  if (uniform && units.length > 0) {
    const per = Math.floor(units.length / chunks);
    const extra = units.length - per * chunks;
    for (let c = 0; c < chunks; c++) addTo(c % pp, units[0]!.block, per + (c < extra ? 1 : 0));
    return stages;
  }
  // Greedy contiguous split: close a chunk when it reaches its share of the remaining work.
  let remaining = units.reduce((s, u) => s + u.flops, 0);
  let c = 0;
  let acc = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const chunksLeft = chunks - c;
    const unitsLeft = units.length - i;
    addTo(c % pp, u.block, 1);
    acc += u.flops;
    const target = remaining / chunksLeft;
    if (c < chunks - 1 && (acc >= target || unitsLeft <= chunksLeft)) {
      remaining -= acc;
      acc = 0;
      c++;
    }
  }
  return stages;
}
