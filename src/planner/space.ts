// The plan search space: every combination of parallel degrees and options the planner may try,
// pruned by divisibility (via resolvePlan) before anything is timed. Fields a user fixes in the
// scenario are held constant.
import type { SystemInstance } from '../specs/schema.js';
import type { WorkloadGraph } from '../workloads/graph.js';
import { RECOMPUTE, resolvePlan, repeatedUnits, type Plan, type PlanInput } from './plan.js';
import { AXES, axisDegree, type AxisDegrees, type AxisSearchLimitKey } from './axes.js';
import { SEARCH_DEFAULTS } from './search-defaults.js';

export { SEARCH_DEFAULTS } from './search-defaults.js';

/** Caps on what the search tries: one per axis (`maxTp`, `maxCp`, …; defaults in each axis's
 * definition, src/planner/axes.ts), and on micro-batch size and interleaving. */
export type SearchSpace = Partial<Record<AxisSearchLimitKey, number>> & {
  maxMicroBatch?: number;
  maxVirtualStages?: number;
};

/** Fixed plan fields from the scenario (`plan: { auto: true, tp: 8 }`); globalBatch is required. */
export type FixedFields = Partial<Omit<PlanInput, 'globalBatch'>> & { globalBatch: number };

const divisorsOf = (n: number, max = n): number[] => {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
};

/** A default global batch when the scenario does not fix one: ~4M tokens for language models
 * (GPT-3's 1536–3.2M token batches, Llama's 4M), 32 samples per device otherwise; rounded to a
 * multiple of the device count so every data-parallel degree divides it. */
export function defaultGlobalBatch(g: WorkloadGraph, devices: number): number {
  const target = g.throughputUnit === 'tokens' ? Math.round(2 ** 22 / g.tokensPerSample) : 32 * devices;
  return Math.max(1, Math.ceil(Math.max(target, 1) / devices)) * devices;
}

export interface Enumeration {
  plans: Plan[];
  /** Combinations rejected because they do not divide (layers, heads, batch, devices). */
  prunedDivisibility: number;
}

/** Issues that depend only on the outer choice (axis degrees, pp, dp), not on the inner options. */
const OUTER_KEYS = new Set([...AXES.map((a) => `plan.${a.planKey}`), 'plan.pp', 'plan.dp', 'plan.precision', 'system.devices']);

/** Every combination of axis degrees the search tries, the first axis varying slowest. */
function axisDegreeChoices(g: WorkloadGraph, sys: SystemInstance, fixed: FixedFields, space: SearchSpace): AxisDegrees[] {
  let choices: Partial<AxisDegrees>[] = [{}];
  for (const a of AXES) {
    const given = fixed[a.planKey];
    const candidates = given !== undefined ? [given] : g.supports[a.axis] && a.worthSearching(g) ? divisorsOf(sys.devices, space[a.searchLimitKey] ?? a.defaultMaxDegree(sys)) : [1];
    choices = choices.flatMap((c) => candidates.map((d) => ({ ...c, [a.planKey]: d })));
  }
  return choices as AxisDegrees[];
}

export function enumeratePlans(g: WorkloadGraph, sys: SystemInstance, fixed: FixedFields, space: SearchSpace = {}): Enumeration {
  const devices = sys.devices;
  const units = repeatedUnits(g);
  const pick = <T>(key: keyof FixedFields, values: T[]): T[] => (fixed[key] !== undefined ? [fixed[key] as T] : values);
  const axisChoices = axisDegreeChoices(g, sys, fixed, space);
  const pps = pick('pp', g.supports.pipeline ? divisorsOf(devices).filter((p) => p <= units) : [1]);
  const mbs = pick('microBatch', SEARCH_DEFAULTS.microBatches.filter((m) => m <= (space.maxMicroBatch ?? Infinity)));
  const vs = pick('virtualStages', SEARCH_DEFAULTS.virtualStages.filter((v) => v <= (space.maxVirtualStages ?? Infinity)));
  // Selective recompute only differs from none when some op can be dropped and redone.
  const hasSelective = g.blocks.some((b) => b.ops.some((o) => o.selectiveRecompute));
  const rcs = pick('recompute', RECOMPUTE.filter((r) => r !== 'selective' || hasSelective));
  const zeros = pick('zeroStage', [0, 1, 2, 3]);
  const modes = pick('memoryMode', [...sys.spec.device.memoryModes]);
  const base = {
    globalBatch: fixed.globalBatch,
    precision: fixed.precision ?? 'bf16',
    overlapGradReduce: fixed.overlapGradReduce ?? true,
    ...(fixed.gradReduceFp32 !== undefined ? { gradReduceFp32: fixed.gradReduceFp32 } : {}),
  } as const;
  const plans: Plan[] = [];
  let prunedDivisibility = 0;
  for (const degrees of axisChoices)
    for (const pp of pps) {
      const modelParallel = AXES.reduce((n, a) => n * degrees[a.planKey], pp);
      if (devices % modelParallel !== 0) continue;
      const dp = devices / modelParallel;
      const inner = mbs.length * (pp > 1 ? vs.length : 1) * rcs.length * (dp > 1 ? zeros.length : 1) * modes.length;
      // Reject an axis-degree/pp choice once, not once per inner combination.
      const probe = resolvePlan({ ...base, ...degrees, pp, dp, microBatch: 1, virtualStages: 1, recompute: 'none', zeroStage: 0, sequenceParallel: false, memoryMode: modes[0] }, g, sys);
      if (probe.issues.some((i) => OUTER_KEYS.has(i.path))) {
        prunedDivisibility += inner;
        continue;
      }
      // Sequence parallelism only saves memory and time when tp > 1: try it on, not off.
      const sequenceParallel = fixed.sequenceParallel ?? (axisDegree(degrees, 'tensor') > 1 && g.supports.sequence);
      for (const microBatch of mbs)
        for (const virtualStages of pp > 1 ? vs : [1])
          for (const recompute of rcs)
            for (const zeroStage of dp > 1 ? zeros : [0])
              for (const memoryMode of modes) {
                const input = { ...base, ...degrees, pp, dp, microBatch, virtualStages, recompute, zeroStage, sequenceParallel, memoryMode };
                const { plan, issues } = resolvePlan(input, g, sys);
                if (issues.length) prunedDivisibility++;
                else plans.push(plan);
              }
    }
  return { plans, prunedDivisibility };
}
