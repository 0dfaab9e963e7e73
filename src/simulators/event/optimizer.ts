// The end of the step schedule: the tied-embedding gradient all-reduce, then each stage's
// optimizer step (and, for ZeRO-1/2 without overlap, the parameter all-gather after it).
import { p2pSeconds } from '../analytical/collectives.js';
import type { Task } from './engine.js';
import type { DataParallelBuilder } from './data-parallel.js';
import { p2pTier } from './phases.js';
import type { ScheduleContext } from './schedule-context.js';

/** After the backward passes: the tied-embedding gradient all-reduce, then each stage's optimizer step. */
export function buildOptimizer(ctx: ScheduleContext, dp: DataParallelBuilder, lastCompute: Task[]): void {
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
