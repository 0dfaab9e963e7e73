// A stage's work cut into segments (contiguous runs of layers) for the task graph: each segment's
// forward, backward and recompute seconds split by what they are spent on, its parameters and
// the machine streams (off-chip memory, host feed) it drives.
import { PARALLEL_AXES, type ParallelAxis, type WorkloadGraph } from '../../workloads/graph.js';
import { perAxis } from '../axis-breakdown.js';
import type { BlockTimes } from '../analytical/block-times.js';

/** Own work of a compute-stream task by what it is spent on (sums to the task's work). */
export interface WorkParts {
  compute: number;
  recompute: number;
  /** Communication per op-communication axis (tensor, context, …). */
  comm: Record<ParallelAxis, number>;
}

export interface StreamWork {
  bytesPerSecond: number;
  /** Seconds the stream needs alone. */
  forward: number;
  backward: number;
}

export interface Segment {
  forward: WorkParts;
  backward: WorkParts;
  recompute: WorkParts;
  params: number;
  streams: Map<string, StreamWork>;
}

export const sum = (p: WorkParts) => PARALLEL_AXES.reduce((x, a) => x + p.comm[a], p.compute + p.recompute);
export const scaled = (p: WorkParts, f: number): WorkParts => ({ compute: p.compute * f, recompute: p.recompute * f, comm: perAxis((a) => p.comm[a] * f) });
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
export function chunkUnits(g: WorkloadGraph, stageBlocks: Map<number, number>, stage: number, pp: number, v: number): [number, number][][] {
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
export function segmentsOf(units: [number, number][], count: number, perBlock: BlockTimes[], params: number[]): Segment[] {
  const n = Math.max(1, Math.min(count, units.length));
  return Array.from({ length: n }, (_, k) => segmentOf(units.slice(Math.floor((k * units.length) / n), Math.floor(((k + 1) * units.length) / n)), perBlock, params));
}
