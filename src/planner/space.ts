// The plan search space: every combination of parallel degrees and options the planner may try,
// pruned by divisibility (via resolvePlan) before anything is timed. Fields a user fixes in the
// scenario are held constant.
import type { SystemInstance } from '../specs/schema.js';
import type { WorkloadGraph } from '../workloads/graph.js';
import { z } from 'zod';
import { parseOrThrow } from '../common/zod-issues.js';
import { RECOMPUTE, resolvePlan, repeatedUnits, type Plan, type PlanInput } from './plan.js';
import rawSearchSpace from './search-space.json' with { type: 'json' };

const degrees = z.array(z.number().int().positive()).min(1).refine((a) => a[0] === 1 && a.every((x, i) => i === 0 || x > a[i - 1]!), 'must start at 1 and increase');
const SearchDefaultsSchema = z
  .object({
    microBatches: degrees,
    virtualStages: degrees,
    maxCp: z.number().int().positive(),
    minTokensForCp: z.number().int().positive(),
    sources: z.object({ microBatches: z.string().min(1), virtualStages: z.string().min(1), maxCp: z.string().min(1), minTokensForCp: z.string().min(1) }).strict(),
  })
  .strict();

/** The search's candidate values and limits, validated at load, each with its source (search-space.json). */
export const SEARCH_DEFAULTS = parseOrThrow(SearchDefaultsSchema, rawSearchSpace, 'src/planner/search-space.json');

export interface SearchSpace {
  /** Largest tensor-parallel degree tried; default: devices per node (TP across nodes is never competitive). */
  maxTp?: number;
  maxMicroBatch?: number;
  maxVirtualStages?: number;
  maxCp?: number;
}

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

const OUTER_KEYS = new Set(['plan.tp', 'plan.pp', 'plan.cp', 'plan.dp', 'plan.precision', 'system.devices']);

export function enumeratePlans(g: WorkloadGraph, sys: SystemInstance, fixed: FixedFields, space: SearchSpace = {}): Enumeration {
  const devices = sys.devices;
  // TP stays inside the innermost network domain (NVSwitch node, Dojo tray): across it, TP's
  // per-layer all-reduces are never competitive.
  const maxTp = space.maxTp ?? sys.spec.tiers[0]?.domainDevices ?? sys.spec.devicesPerNode;
  const units = repeatedUnits(g);
  const pick = <T>(key: keyof FixedFields, values: T[]): T[] => (fixed[key] !== undefined ? [fixed[key] as T] : values);
  const tps = pick('tp', g.supports.tensor ? divisorsOf(devices, maxTp) : [1]);
  const pps = pick('pp', g.supports.pipeline ? divisorsOf(devices).filter((p) => p <= units) : [1]);
  const cps = pick('cp', g.supports.context && g.tokensPerSample >= SEARCH_DEFAULTS.minTokensForCp ? divisorsOf(devices, space.maxCp ?? SEARCH_DEFAULTS.maxCp) : [1]);
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
  for (const tp of tps)
    for (const cp of cps)
      for (const pp of pps) {
        if (devices % (tp * pp * cp) !== 0) continue;
        const dp = devices / (tp * pp * cp);
        const inner = mbs.length * (pp > 1 ? vs.length : 1) * rcs.length * (dp > 1 ? zeros.length : 1) * modes.length;
        // Reject a tp/pp/cp choice once, not once per inner combination.
        const probe = resolvePlan({ ...base, tp, pp, cp, dp, microBatch: 1, virtualStages: 1, recompute: 'none', zeroStage: 0, sequenceParallel: false, memoryMode: modes[0] }, g, sys);
        if (probe.issues.some((i) => OUTER_KEYS.has(i.path))) {
          prunedDivisibility += inner;
          continue;
        }
        for (const microBatch of mbs)
          for (const virtualStages of pp > 1 ? vs : [1])
            for (const recompute of rcs)
              for (const zeroStage of dp > 1 ? zeros : [0])
                for (const memoryMode of modes) {
                  // Sequence parallelism only saves memory and time when tp > 1: try it on, not off.
                  const sequenceParallel = fixed.sequenceParallel ?? (tp > 1 && g.supports.sequence);
                  const input = { ...base, tp, pp, cp, dp, microBatch, virtualStages, recompute, zeroStage, sequenceParallel, memoryMode };
                  const { plan, issues } = resolvePlan(input, g, sys);
                  if (issues.length) prunedDivisibility++;
                  else plans.push(plan);
                }
      }
  return { plans, prunedDivisibility };
}
