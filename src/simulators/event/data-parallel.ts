// The data-parallel side of the step schedule: per-stage gradient reductions and parameter
// gathers as per-tier phases, bucketed, on the stage's DP streams.
import { gradientBytesPerParam, WEIGHT_BYTES_PER_PARAM } from '../../planner/plan.js';
import type { Task } from './engine.js';
import { collectivePhases } from './phases.js';
import type { ScheduleContext } from './schedule-context.js';

/** The data-parallel side of the step: per-stage gradient reductions and parameter gathers as
 * per-tier phases, bucketed, on the stage's DP streams. */
export interface DataParallelBuilder {
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

export function dataParallelBuilder(ctx: ScheduleContext): DataParallelBuilder {
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
