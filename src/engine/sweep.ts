// Sensitivity sweeps: how much a result depends on one assumption. A sweep sets one dotted path
// in the scenario document — `dojo.<assumption>` (Dojo hierarchy), `efficiency.<key>` or
// `prices.<key>` / `prices.systems.<system>.<key>` — to each value, re-evaluates (searching the
// best plan per value when the plan is auto) and reports the change against the unmodified run.
import { InputError } from '../common/errors.js';
import { defaultPriceSheet } from '../specs/prices.js';
import { getSystemPreset, systemPresetNames } from '../specs/registry.js';
import { ensureBuiltins } from './builtins.js';
import { DOJO_ASSUMPTION_KEYS } from '../specs/dojo/dojo-hierarchy.js';
import { EfficiencySchema } from '../simulators/analytical/efficiency.js';
import type { StepReport } from '../simulators/report.js';
import { evaluateIfFits } from './evaluate.js';
import { parseScenario, type ScenarioOptions } from './scenario.js';
import type { SearchSpace } from '../planner/space.js';
import { progressCounter, type OnProgress } from './progress.js';

export interface SweepPoint {
  value: unknown;
  /** undefined when no plan fits at this value. */
  report?: StepReport;
  /** Throughput relative to the baseline (1 = unchanged). */
  relativeThroughput?: number;
}

export interface SweepOptions extends ScenarioOptions {
  /** Bounds of the search when the plan is auto. */
  space?: SearchSpace;
  /** Told after each re-run (the baseline, then each value): done, total, and which one. */
  onProgress?: OnProgress;
}

export interface SweepResult {
  path: string;
  baseline: StepReport | undefined;
  points: SweepPoint[];
}

const ROOTS = ['dojo', 'efficiency', 'prices'] as const;

/** The paths a sweep accepts, for help texts and error messages. */
export function sweepablePaths(): string[] {
  return [
    ...DOJO_ASSUMPTION_KEYS.map((k) => `dojo.${k}`),
    ...Object.keys(EfficiencySchema.shape).map((k) => `efficiency.${k}`),
    'prices.energyUsdPerKWh',
    'prices.pue',
    'prices.amortizationYears',
    'prices.costBasis',
    'prices.systems.<system>.capexUsdPerNode',
    'prices.systems.<system>.cloudUsdPerNodeHour',
  ];
}

/** A deep copy of `doc` with `path` set to `value` (Dojo paths go under system.dojo). */
export function withOverride(doc: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const parts = path.split('.');
  const root = parts[0] as (typeof ROOTS)[number];
  if (!ROOTS.includes(root) || parts.length < 2) {
    throw new InputError('sweep', [{ path: 'assumption', message: `"${path}" is not sweepable; allowed: ${sweepablePaths().join(', ')}` }]);
  }
  const out = structuredClone(doc);
  let target: Record<string, unknown>;
  let keys: string[];
  if (root === 'dojo') {
    ensureBuiltins();
    const system = out.system as Record<string, unknown> | undefined;
    if (!system || typeof system.preset !== 'string' || !systemPresetNames().includes(system.preset) || getSystemPreset(system.preset).dojoLevel === undefined) {
      throw new InputError('sweep', [{ path: 'assumption', message: `${path} needs a scenario on a Dojo preset (system: { preset: dojo-… })` }]);
    }
    system.dojo = { ...((system.dojo as object) ?? {}) };
    target = system.dojo as Record<string, unknown>;
    keys = parts.slice(1);
  } else {
    out[root] = { ...((out[root] as object) ?? {}) };
    target = out[root] as Record<string, unknown>;
    keys = parts.slice(1);
    // A system's price entry is replaced whole by an override: start from the built-in one.
    if (root === 'prices' && keys[0] === 'systems' && keys[1]) {
      const systems = { ...((target.systems as object) ?? {}) } as Record<string, unknown>;
      systems[keys[1]] = { ...(defaultPriceSheet().systems[keys[1]] ?? { capexUsdPerNode: 0, basis: 'sweep' }), ...((systems[keys[1]] as object) ?? {}) };
      target.systems = systems;
    }
  }
  for (const k of keys.slice(0, -1)) {
    target[k] = { ...((target[k] as object) ?? {}) };
    target = target[k] as Record<string, unknown>;
  }
  target[keys[keys.length - 1]!] = value;
  return out;
}

function evaluateDoc(doc: Record<string, unknown>, origin: string, opts: SweepOptions): StepReport | undefined {
  return evaluateIfFits(parseScenario(doc, origin, opts), opts.space ? { space: opts.space } : {})?.report;
}

export function sweep(doc: Record<string, unknown>, origin: string, path: string, values: unknown[], opts: SweepOptions = {}): SweepResult {
  if (values.length === 0) throw new InputError(origin, [{ path: 'values', message: 'give at least one value to sweep' }]);
  const progress = progressCounter(values.length + 1, opts.onProgress);
  const baseline = evaluateDoc(doc, origin, opts);
  progress.done('scenario as written');
  const rate = (r: StepReport) => r.samplesPerSecond;
  const points = values.map((value) => {
    const label = `${path} = ${JSON.stringify(value)}`;
    const report = evaluateDoc(withOverride(doc, path, value), `${origin} with ${label}`, opts);
    progress.done(label);
    return { value, ...(report ? { report } : {}), ...(report && baseline ? { relativeThroughput: rate(report) / rate(baseline) } : {}) };
  });
  return { path, baseline, points };
}
