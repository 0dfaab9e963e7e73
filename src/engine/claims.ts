// Tesla's published Dojo claims, rebuilt and evaluated. Hardware figures are recomputed from the
// parts (never typed in); workload claims compare a Dojo ExaPod with GPU clusters on the same
// workloads, each side with its best searched plan, as rates: throughput per dollar of capital,
// per facility watt, per rack. Every claim names the assumptions it hinges on and is re-run with
// each at its low and high value; the verdict says whether it holds, holds only under some of
// them, or does not hold; a claim whose comparison cannot run (no plan fits the model) is not
// evaluable rather than failed. See docs/claims.md.
import { systemPrice } from '../specs/prices.js';
import { computeDojoAggregates, defaultDojoHierarchy } from '../specs/dojo/dojo-hierarchy.js';
import type { SearchSpace } from '../planner/space.js';
import type { StepReport } from '../simulators/report.js';
import { parseScenario } from './scenario.js';
import { evaluateIfFits } from './evaluate.js';
import { sweepablePaths, withOverride } from './sweep.js';
import { progressCounter, type OnProgress, type ProgressCounter } from './progress.js';
import { z } from 'zod';
import { parseOrThrow } from '../common/zod-issues.js';
import rawClaimSettings from './claim-variants.json' with { type: 'json' };

export type Verdict = 'holds' | 'holds only if' | 'does not hold' | 'not evaluable';

export interface ClaimRow {
  id: string;
  claim: string;
  source: string;
  workload?: string;
  baseline?: string;
  claimed: number;
  computed: number;
  unit: string;
  hingesOn: string[];
  verdict: Verdict;
  /** For "holds only if": the assumption values under which it holds. */
  condition?: string;
  /** The computed figure under each assumption variant tried. */
  variants: { assumption: string; value: unknown; computed: number }[];
  detail: string;
}

export interface ClaimsOptions {
  workloads?: { name: string; model: unknown; globalBatch: number }[];
  baselines?: string[];
  /** A claim "holds" when computed ≥ claimed × (1 − tolerance). */
  tolerance?: number;
  /** Told after each workload evaluation (each a plan search): done, total, and which one. */
  onProgress?: OnProgress;
}

const ClaimSettingsSchema = z
  .object({
    search: z.object({ maxMicroBatch: z.number().int().positive(), maxVirtualStages: z.number().int().positive(), source: z.string().min(1) }).strict(),
    variants: z.array(z.object({ assumption: z.string(), low: z.number(), high: z.number(), source: z.string().min(1) }).strict()).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const sweepable = sweepablePaths();
    c.variants.forEach((v, i) => {
      const generic = v.assumption.replace(/^prices\.systems\.[^.]+\./, 'prices.systems.<system>.');
      if (!sweepable.includes(generic)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'assumption'], message: `"${v.assumption}" is not sweepable; allowed: ${sweepable.join(', ')}` });
      if (!(v.low < v.high)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'high'], message: `must be above low (${v.low})` });
    });
  });

/** Search bounds and assumption variants of the claims, validated at load, each with its basis
 * (claim-variants.json; the table in docs/claims.md). */
const SETTINGS = parseOrThrow(ClaimSettingsSchema, rawClaimSettings, 'src/engine/claim-variants.json');
const SEARCH: SearchSpace = { maxMicroBatch: SETTINGS.search.maxMicroBatch, maxVirtualStages: SETTINGS.search.maxVirtualStages };
/** Low and high values of the assumptions workload claims hinge on. */
const VARIANTS: Record<string, unknown[]> = Object.fromEntries(SETTINGS.variants.map((v) => [v.assumption, [v.low, v.high]]));

interface Run {
  report: StepReport;
  capexUsd: number;
  racks: number;
}

function best(doc: Record<string, unknown>, origin: string, progress: ProgressCounter): Run | undefined {
  const s = parseScenario(doc, origin);
  const r = evaluateIfFits(s, { space: SEARCH })?.report;
  progress.done(origin);
  if (!r) return undefined;
  const spec = s.system.spec;
  const nodes = Math.ceil(s.system.devices / spec.devicesPerNode);
  const price = systemPrice(s.prices, spec);
  return { report: r, capexUsd: (price?.capexUsdPerNode ?? 0) * nodes, racks: r.footprint.racks };
}

const rate = (r: Run) => r.report.samplesPerSecond;

function verdictOf(claimed: number, computed: number, variants: ClaimRow['variants'], tol: number): Pick<ClaimRow, 'verdict' | 'condition'> {
  const holds = (x: number) => x >= claimed * (1 - tol);
  if (holds(computed)) return { verdict: 'holds' };
  const saving = variants.filter((v) => holds(v.computed));
  if (saving.length) return { verdict: 'holds only if', condition: saving.map((v) => `${v.assumption} = ${JSON.stringify(v.value)}`).join(' or ') };
  return { verdict: 'does not hold' };
}

function hardwareRows(tol: number): ClaimRow[] {
  const agg = computeDojoAggregates(defaultDojoHierarchy());
  const row = (id: string, claim: string, source: string, claimed: number, computed: number, unit: string, hingesOn: string[], detail: string): ClaimRow => ({
    id, claim, source, claimed, computed, unit, hingesOn, variants: [], detail,
    verdict: Math.abs(computed / claimed - 1) <= tol ? 'holds' : 'does not hold',
  });
  const pod = agg.levels.exapod;
  const tile = agg.levels.tile;
  return [
    row('tile-peak', 'A training tile delivers 9 PFLOPS (BF16/CFP8)', 'HC34 system talk (S1)', 9, tile.peakTflopsBf16 / 1000, 'PFLOP/s', [], '25 D1 × 354 nodes × 1.024 TFLOP/s'),
    row('tile-sram', 'A training tile holds 11 GB of SRAM', 'HC34 (S1)', 11, tile.sramGB, 'GB', [], '25 D1 × 354 nodes × 1.25 MB'),
    row('exapod-peak', 'An ExaPod delivers 1.1 EFLOPS', 'AI Day 2022 (S16)', 1.1, pod.peakTflopsBf16 / 1e6, 'EFLOP/s', [], '120 tiles × tile peak'),
    row('exapod-sram', 'An ExaPod holds 1.3 TB of SRAM', 'AI Day 2022 (S16)', 1.3, pod.sramGB / 1000, 'TB', [], '120 tiles × tile SRAM'),
    row('exapod-hbm', 'An ExaPod holds 13 TB of HBM', 'AI Day 2022 (S16)', 13, pod.hbmGB / 1000, 'TB', ['dojo.dipsPerTray'], `120 tiles × ${agg.tile.dipsPerTile.toFixed(2)} DIPs × 32 GB (DIP count per tile is not published)`),
  ];
}

function unevaluable(id: string, claim: string, workload: string, why: string): ClaimRow {
  return { id, claim, source: '', workload, claimed: 0, computed: 0, unit: '', hingesOn: [], variants: [], verdict: 'not evaluable', detail: why };
}

export function evaluateClaims(opts: ClaimsOptions = {}): ClaimRow[] {
  const tol = opts.tolerance ?? 0.1;
  const workloads = opts.workloads ?? [
    { name: 'tesla-video-net', model: { preset: 'tesla-video-net' }, globalBatch: 1920 },
    { name: 'gpt3-175b', model: { preset: 'gpt3-175b' }, globalBatch: 1920 },
  ];
  const baselines = opts.baselines ?? ['dgx-a100-80gb', 'dgx-h100-80gb'];
  const rows = hardwareRows(0.05);
  // Per workload: the ExaPod, its variants, one GPU cluster per baseline, one tile and six servers.
  const variantCount = Object.values(VARIANTS).reduce((n, values) => n + values.length, 0);
  const runsPerWorkload = 1 + variantCount + baselines.length + 2;
  const progress = progressCounter(workloads.length * runsPerWorkload, opts.onProgress);
  for (const w of workloads) {
    const dojoDoc = { model: w.model, system: { preset: 'dojo-exapod' }, plan: { auto: true, globalBatch: w.globalBatch } };
    const dojo = best(dojoDoc, `${w.name} on dojo-exapod`, progress);
    if (!dojo) {
      rows.push(unevaluable(`exapod/${w.name}`, 'Workload claims on an ExaPod', w.name, 'no plan fits the model on 120 tiles'));
      progress.skip(runsPerWorkload - 1, `${w.name}: not evaluable`);
      continue;
    }
    const variantRuns = Object.entries(VARIANTS).flatMap(([assumption, values]) =>
      values.map((value) => ({ assumption, value, run: best(withOverride(dojoDoc, assumption, value), `${w.name} on dojo-exapod with ${assumption} = ${JSON.stringify(value)}`, progress) })),
    );
    for (const baseline of baselines) {
      // A GPU cluster of about the ExaPod's capital cost, in blocks of 8 nodes (64 GPUs) so the
      // global batch divides; claims are compared as rates, so the rounding does not bias them.
      const nodePrice = parseScenario({ model: w.model, system: { preset: baseline, gpus: 8 }, plan: { globalBatch: w.globalBatch } }, baseline).prices.systems[baseline]?.capexUsdPerNode ?? 1;
      const gpus = Math.max(64, Math.round(dojo.capexUsd / nodePrice / 8) * 64);
      const gpu = best({ model: w.model, system: { preset: baseline, gpus }, plan: { auto: true, globalBatch: w.globalBatch } }, `${w.name} on ${gpus}× ${baseline}`, progress);
      if (!gpu) {
        rows.push(unevaluable(`baseline/${w.name}/${baseline}`, 'Workload claims against a GPU cluster', w.name, `no plan fits the model on ${gpus}× ${baseline}`));
        continue;
      }
      const perf = (d: Run) => rate(d) / d.capexUsd / (rate(gpu) / gpu.capexUsd);
      const perW = (d: Run) => rate(d) / d.report.power.facilityPowerW / (rate(gpu) / gpu.report.power.facilityPowerW);
      const footprint = (d: Run) => (gpu.racks * (rate(d) / rate(gpu))) / d.racks;
      const claim = (id: string, text: string, source: string, claimed: number, f: (d: Run) => number, hinges: string[], detail: string): ClaimRow => {
        const variants = variantRuns.filter((v) => hinges.includes(v.assumption) && v.run).map((v) => ({ assumption: v.assumption, value: v.value, computed: f(v.run!) }));
        const computed = f(dojo);
        return { id: `${id}/${w.name}/${baseline}`, claim: text, source, workload: w.name, baseline, claimed, computed, unit: '×', hingesOn: hinges, variants, ...verdictOf(claimed, computed, variants, tol), detail };
      };
      const base = `ExaPod (120 tiles, $${(dojo.capexUsd / 1e6).toFixed(1)}M, ${Math.round(rate(dojo))} samples/s) vs ${gpus}× ${baseline} ($${(gpu.capexUsd / 1e6).toFixed(1)}M, ${Math.round(rate(gpu))} samples/s)`;
      rows.push(
        claim('perf-per-cost', '4× performance at the same cost', 'AI Day 2021 (S18)', 4, perf, ['prices.systems.dojo-tile.capexUsdPerNode', 'dojo.matmulEfficiencyMax', 'dojo.hostsPerTray'], `${base}; throughput per dollar of capital`),
        claim('perf-per-watt', '1.3× performance per watt', 'AI Day 2021 (S18)', 1.3, perW, ['dojo.matmulEfficiencyMax', 'dojo.dipPowerW', 'dojo.hostsPerTray'], `${base}; facility power ${(dojo.report.power.facilityPowerW / 1e6).toFixed(2)} MW vs ${(gpu.report.power.facilityPowerW / 1e6).toFixed(2)} MW`),
        claim('footprint', '5× smaller footprint', 'AI Day 2021 (S18)', 5, footprint, ['dojo.matmulEfficiencyMax', 'dojo.hostsPerTray'], `${base}; racks for equal throughput: ${dojo.racks.toFixed(1)} (Dojo) vs ${(gpu.racks * (rate(dojo) / rate(gpu))).toFixed(1)} (GPU)`),
      );
    }
    // AI Day 2022: one tile ≈ six 8-GPU servers (against the A100 boxes of the time).
    const tile = best({ model: w.model, system: { preset: 'dojo-tile' }, plan: { auto: true, globalBatch: 48 } }, `${w.name} on one tile`, progress);
    const six = best({ model: w.model, system: { preset: 'dgx-a100-80gb', gpus: 48 }, plan: { auto: true, globalBatch: 48 } }, `${w.name} on 6× DGX A100`, progress);
    if (!six) {
      rows.push(unevaluable(`tile-vs-six-servers/${w.name}`, 'One tile ≈ six 8-GPU servers', w.name, 'no plan fits the model on 48 A100s'));
    } else if (!tile) {
      // Not a verdict on the claim: the comparison cannot be run, so it is not evaluable.
      rows.push({
        ...unevaluable(`tile-vs-six-servers/${w.name}`, 'One tile ≈ six 8-GPU servers', w.name, `the model does not fit one tile (11 GB SRAM + DIP HBM) but runs on 48× A100 at ${Math.round(rate(six))} samples/s`),
        source: 'AI Day 2022 (S16)', baseline: 'dgx-a100-80gb', claimed: 1, unit: '× (tile / 6 DGX A100)',
      });
    } else {
      const computed = rate(tile) / rate(six);
      rows.push({
        id: `tile-vs-six-servers/${w.name}`, claim: 'One tile ≈ six 8-GPU servers', source: 'AI Day 2022 (S16)', workload: w.name, baseline: 'dgx-a100-80gb',
        claimed: 1, computed, unit: '× (tile / 6 DGX A100)', hingesOn: ['dojo.matmulEfficiencyMax', 'dojo.hostsPerTray'], variants: [], verdict: computed >= 1 - tol ? 'holds' : 'does not hold',
        detail: `one tile ${Math.round(rate(tile))} samples/s vs 48× A100 ${Math.round(rate(six))} samples/s, both with searched plans`,
      });
    }
  }
  return rows;
}
