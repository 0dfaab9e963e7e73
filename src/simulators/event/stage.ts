// One pipeline stage's program on its compute stream (1F1B or interleaved order), with its
// gradient buckets and parameter gathers on the DP streams.
import { PARALLEL_AXES } from '../../workloads/graph.js';
import type { Task } from './engine.js';
import type { DataParallelBuilder } from './data-parallel.js';
import { pipelineOrder, type PipelineOp } from './pipeline-order.js';
import type { ScheduleContext } from './schedule-context.js';
import { scaled, sum, type Segment, type WorkParts } from './segments.js';

/** Pipeline sends and their cross-stage order, shared by every stage's build. */
export interface PipelineLinks {
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

/** The position in `order` of each chunk's last backward: it produces the chunk's final gradients. */
function lastBackwardPositions(order: PipelineOp[], v: number): Set<number> {
  const positions = new Set<number>();
  for (let c = 0; c < v; c++) {
    let last = -1;
    order.forEach((o, n) => {
      if (!o.forward && o.chunk === c) last = n;
    });
    positions.add(last);
  }
  return positions;
}

type Args = Record<string, string | number>;

/** One stage's program, built op by op in schedule order; tasks are created in the same order as
 * the stage runs them, so each step below is a named piece of that one sequence. */
class StageProgram {
  /** Every compute-stream task, sends included, in order. */
  readonly stream: Task[] = [];
  /** Forward, backward and recompute tasks only (ZeRO-3 prefetch counts back through these). */
  private readonly computeOnly: Task[] = [];
  private readonly firstForwardDone = new Set<number>();
  /** ZeRO-1/2 with overlap: each segment's parameter gather from the previous step. */
  private readonly paramGather = new Map<Segment, Task>();

  constructor(
    private readonly ctx: ScheduleContext,
    private readonly dp: DataParallelBuilder,
    private readonly links: PipelineLinks,
    private readonly s: number,
  ) {}

  private get stageParams(): number {
    return this.dp.stageParams[this.s]!;
  }

  /** A forward, backward or recompute task on the compute stream, holding the segment's machine
   * streams (off-chip memory, host feed) alongside in the given direction. */
  private computeTask(work: number, p: WorkParts, name: string, category: 'forward' | 'backward' | 'recompute', seg: Segment, streamDir: 'forward' | 'backward' | undefined, args: Args): Task {
    const { task, parts, alongside, sharedResource, stages } = this.ctx;
    const t = task(stages[this.s]!.compute, work, { name, category, args });
    parts.set(t, p);
    if (streamDir) {
      for (const [res, w] of seg.streams) {
        const r = sharedResource(this.s, res, w.bytesPerSecond);
        if (w[streamDir] > 0) alongside(t, r, w[streamDir] * r.bandwidth, { name: `${name} ${res}`, category: 'stream', args });
      }
    }
    this.stream.push(t);
    this.computeOnly.push(t);
    return t;
  }

  /** ZeRO-3 gathers a segment's parameters before each use, prefetched one segment ahead: the
   * gather starts once the segment before the previous one is done (FSDP's forward prefetch). */
  private zero3Gather(seg: Segment, args: Args): Task[] {
    if (this.ctx.plan.zeroStage < 3 || this.stageParams === 0) return [];
    const prefetchAfter = this.computeOnly[this.computeOnly.length - 2];
    const t = this.dp.commTasks(this.s, 'gather', this.dp.gatherPhases[this.s]!, seg.params / this.stageParams, 'ZeRO-3 param gather', 'zero gather', prefetchAfter ? [prefetchAfter] : [], args);
    return t ? [t] : [];
  }

  /** ZeRO-1/2 with overlap: the previous step's updated parameters are gathered bucket by bucket
   * while this step's first forwards run (Megatron's overlapped parameter gather). */
  overlappedParamGathers(): void {
    const { plan, chunks } = this.ctx;
    if (!(plan.zeroStage >= 1 && plan.zeroStage < 3 && plan.overlapGradReduce && this.stageParams > 0)) return;
    for (const seg of chunks[this.s]!.flat()) {
      const t = this.dp.commTasks(this.s, 'gather', this.dp.gatherPhases[this.s]!, seg.params / this.stageParams, 'param all-gather', 'param gather', [], {});
      if (t) this.paramGather.set(seg, t);
    }
  }

  /** A chunk's forward for one micro-batch, segment by segment; returns its first task. */
  forward(o: PipelineOp, label: string, args: Args): Task {
    const fresh = !this.firstForwardDone.has(o.chunk);
    this.firstForwardDone.add(o.chunk);
    let head: Task | undefined;
    for (const seg of this.ctx.chunks[this.s]![o.chunk]!) {
      const deps = [...this.zero3Gather(seg, args), ...(fresh && this.paramGather.has(seg) ? [this.paramGather.get(seg)!] : [])];
      const t = this.computeTask(sum(seg.forward), seg.forward, label, 'forward', seg, 'forward', args);
      for (const d of deps) this.ctx.sim.depend(t, d);
      head ??= t;
    }
    return head!;
  }

  /** A chunk's backward for one micro-batch, segments in reverse, with recompute before each
   * and, when it produces the chunk's final gradients, their reduction bucket by bucket; returns
   * its first task. */
  backward(o: PipelineOp, j: number, label: string, args: Args, producesGrads: boolean): Task {
    const { sim } = this.ctx;
    const segs = this.ctx.chunks[this.s]![o.chunk]!;
    let head: Task | undefined;
    for (const seg of [...segs].reverse()) {
      const deps = this.zero3Gather(seg, args);
      // Recompute runs right before the segment's backward; with streams it joins the first
      // backward task so the stream overlaps both (prefetch), as the analytical tier assumes.
      const joinRecompute = seg.streams.size > 0;
      if (!joinRecompute && sum(seg.recompute) > 0) {
        const r = this.computeTask(sum(seg.recompute), seg.recompute, `R mb${o.microBatch} chunk${j}`, 'recompute', seg, undefined, args);
        for (const d of deps.splice(0)) sim.depend(r, d);
        head ??= r;
      }
      const pieces = producesGrads ? Math.ceil(this.dp.piecesPerChunk / segs.length) : 1;
      const pieceSeg: Segment = pieces === 1 ? seg : { ...seg, streams: new Map([...seg.streams].map(([k, w]) => [k, { ...w, backward: w.backward / pieces }])) };
      for (let k = 0; k < pieces; k++) {
        const p = scaled(seg.backward, 1 / pieces);
        if (joinRecompute && k === 0) {
          p.recompute += seg.recompute.recompute;
          for (const a of PARALLEL_AXES) p.comm[a] += seg.recompute.comm[a];
        }
        const t = this.computeTask(sum(p), p, label, 'backward', pieceSeg, 'backward', args);
        for (const d of deps.splice(0)) sim.depend(t, d);
        head ??= t;
        if (producesGrads && this.stageParams > 0) {
          this.dp.commTasks(this.s, 'reduce', this.dp.reducePhases[this.s]!, seg.params / pieces / this.stageParams, 'gradient reduction', 'dp', [t], { chunk: j });
        }
      }
    }
    return head!;
  }

  /** Megatron's pipeline sends block the sender's stream until the transfer is done. */
  send(o: PipelineOp, j: number, args: Args): void {
    const { pp, v, task, alongside, tierLink, stages } = this.ctx;
    const { p2p, p2pBytes, p2pLinkTier, sendF, sendB, idx } = this.links;
    const sendsTo = o.forward ? j < pp * v - 1 : j > 0;
    if (pp <= 1 || !sendsTo) return;
    const send = task(stages[this.s]!.compute, 0, { name: `send ${o.forward ? 'activation' : 'gradient'} mb${o.microBatch} chunk${j}`, category: 'p2p', args });
    const link = tierLink(this.s, p2pLinkTier);
    alongside(send, link, p2p * link.bandwidth, { name: `p2p mb${o.microBatch} chunk${j}`, category: 'p2p transfer', args: { ...args, bytes: p2pBytes } });
    (o.forward ? sendF : sendB)[idx(j, o.microBatch)] = send;
    this.stream.push(send);
  }

  /** Without overlap (Megatron "local" DDP), gradients are reduced after the stage's last backward. */
  reduceAfterLast(lastCompute: Task): void {
    if (!this.ctx.plan.overlapGradReduce && this.stageParams > 0) this.dp.commTasks(this.s, 'reduce', this.dp.reducePhases[this.s]!, 1, 'gradient reduction', 'dp', [lastCompute], {});
  }
}

/** One stage's program (1F1B or interleaved order) on its compute stream, with its gradient
 * buckets and parameter gathers on the DP streams; returns its last compute-stream task. */
export function buildStage(ctx: ScheduleContext, dp: DataParallelBuilder, links: PipelineLinks, s: number): Task {
  const { plan, pp, v, m } = ctx;
  const order = pipelineOrder(pp, v, m, s);
  const lastBackward = lastBackwardPositions(order, v);
  const program = new StageProgram(ctx, dp, links, s);
  program.overlappedParamGathers();
  order.forEach((o, n) => {
    const j = o.chunk * pp + s; // global chunk index
    const args = { microBatch: o.microBatch, chunk: j };
    const label = `${o.forward ? 'F' : 'B'} mb${o.microBatch} chunk${j}`;
    const at = links.idx(j, o.microBatch);
    if (o.forward) links.firstF[at] = program.forward(o, label, args);
    else links.firstB[at] = program.backward(o, j, label, args, lastBackward.has(n) && plan.overlapGradReduce && plan.dp > 1);
    program.send(o, j, args);
  });
  const lastCompute = program.stream[program.stream.length - 1]!;
  program.reduceAfterLast(lastCompute);
  return lastCompute;
}
