// The pipeline side of the step schedule: every stage's forwards, backwards and sends in
// schedule order (stage.ts builds one stage), then the cross-stage dependencies.
import { p2pSeconds } from '../analytical/collectives.js';
import type { Task } from './engine.js';
import type { DataParallelBuilder } from './data-parallel.js';
import { p2pTier } from './phases.js';
import type { ScheduleContext } from './schedule-context.js';
import { buildStage, type PipelineLinks } from './stage.js';

/** Every stage's forwards, backwards and sends in schedule order, then the cross-stage dependencies. */
export function buildPipeline(ctx: ScheduleContext, dp: DataParallelBuilder): { lastCompute: Task[] } {
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
