// The regression harness: every scenario in examples/ and every calibration step-time row,
// evaluated on both tiers (auto plans searched for the fastest fitting plan first), reduced to the
// figures a user reads (plan, step time, MFU/HFU, memory, breakdown, power, cost, notes). The
// golden file written from these cases pins today's behaviour, so a refactor that changes a
// number fails test/regression/golden.test.ts instead of passing silently.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { evaluate } from '../../src/engine/evaluate.js';
import { rowScenario, runCalibration, type CalibrationRow } from '../../src/engine/calibration.js';
import { parseScenario, type Scenario } from '../../src/engine/scenario.js';
import { loadScenarioFile } from '../../src/cli/read-file.js';
import type { StepReport } from '../../src/simulators/report.js';

/** The repository root: this module is dist/test/regression/cases.js once compiled. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const goldenPath = join(repoRoot, 'test', 'regression', 'golden.json');

/** The calibration set: the repository's own copy in data/calibration (its upstream is only the source it was copied from). */
export function calibrationRows(): CalibrationRow[] {
  return JSON.parse(readFileSync(join(repoRoot, 'data', 'calibration', 'calibration.json'), 'utf8')) as CalibrationRow[];
}

export type Tier = 'analytical' | 'event';
export const TIERS: Tier[] = ['analytical', 'event'];

/** What the golden file keeps of a step report. */
export function goldenFigures(r: StepReport): Record<string, unknown> {
  return {
    plan: r.plan,
    stepTimeSeconds: r.stepTimeSeconds,
    samplesPerSecond: r.samplesPerSecond,
    mfu: r.mfu,
    hfu: r.hfu,
    peakMemoryBytesPerDevice: r.peakMemoryBytesPerDevice,
    fits: r.fits,
    memory: r.memory,
    breakdown: r.breakdown,
    power: r.power,
    cost: r.cost,
    footprint: r.footprint,
    ...(r.run ? { run: r.run } : {}),
    notes: r.notes,
  };
}

function evaluateBothTiers(s: Scenario): Record<Tier, Record<string, unknown>> {
  const analytical = evaluate(s, { tier: 'analytical' });
  // The event tier runs the plan the analytical search chose (as `simulate --tier event` does).
  const event = evaluate(s, { tier: 'event' });
  assert.deepEqual(event.report.plan, analytical.report.plan);
  return { analytical: goldenFigures(analytical.report), event: goldenFigures(event.report) };
}

export interface GoldenFile {
  examples: Record<string, Record<Tier, Record<string, unknown>>>;
  calibration: { rows: Record<string, Record<Tier, Record<string, unknown>>>; summary: unknown };
}

/** Every example file holding a scenario (a `model` key); system specs are skipped by content. */
export function exampleScenarios(): string[] {
  const dir = join(repoRoot, 'examples');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$|\.json$/.test(f))
    .filter((f) => {
      const doc = YAML.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      return doc && typeof doc === 'object' && 'model' in doc;
    })
    .sort();
}

export function computeGolden(): GoldenFile {
  const examples: GoldenFile['examples'] = {};
  for (const f of exampleScenarios()) examples[f] = evaluateBothTiers(loadScenarioFile(join(repoRoot, 'examples', f)).scenario);
  const raw = calibrationRows();
  const rows: GoldenFile['calibration']['rows'] = {};
  for (const row of raw) {
    const built = rowScenario(row);
    if ('doc' in built) rows[row.id] = evaluateBothTiers(parseScenario(built.doc, `calibration row ${row.id}`));
  }
  // The validate command's own figures (step-time and collective rows, the accuracy summary).
  const summary = runCalibration(raw);
  return { examples, calibration: { rows, summary } };
}
