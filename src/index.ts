// OpenDojo's programmatic API: the engine facade the `opendojo` CLI calls, re-exported as the
// package's entry (`import { loadScenario, evaluateScenario } from 'opendojo'`). Nothing here reads
// files or uses Node-only modules (scripts/check-layers.js checks it), so the same entry runs in a
// browser; the published measurements `runCalibration` scores ship as `opendojo/calibration.json`.
// docs/api-js.md shows each function in a tested example.
import { parseDataText, type TextFormat } from './engine/data-text.js';
import { ensureBuiltins } from './engine/builtins.js';
import { parseScenario, type Scenario, type ScenarioOptions } from './engine/scenario.js';
import { listSystemPresets } from './specs/registry.js';
import type { SystemSpec } from './specs/schema.js';
import { listModelPresets, type ModelPreset } from './workloads/models.js';

export { InputError, type InputIssue } from './common/errors.js';
export { parseDataText, type TextFormat } from './engine/data-text.js';
export { parseScenario, isAutoPlan, withSystem, type Scenario, type ScenarioOptions, type PlanSpec } from './engine/scenario.js';
export { evaluate, evaluateAsync, evaluateIfFits, evaluateScenario, evaluatePlan, resolveScenarioPlan, simulatePlan, NoPlanFitsError, type Evaluation, type EvaluateOptions, type PlanSource } from './engine/evaluate.js';
export { TIER_NAMES, type TierName } from './simulators/registry.js';
export { searchPlans, type SearchOptions, type SearchResult, type Objective } from './engine/search.js';
export { runCalibration, type CalibrationSummary, type CalibrationRow } from './engine/calibration.js';
export { evaluateClaims, type ClaimRow, type ClaimsOptions, type Verdict } from './engine/claims.js';
export { sweep, sweepablePaths, type SweepResult } from './engine/sweep.js';
export type { StepReport } from './simulators/report.js';
export type { Plan } from './planner/plan.js';
export type { SystemSpec } from './specs/schema.js';
export type { ModelPreset } from './workloads/models.js';

export interface LoadScenarioOptions extends ScenarioOptions {
  /** Names the source in error messages (default "scenario"). */
  origin?: string;
  /** How to read text input (default yaml; JSON is valid YAML too, but 'json' gives JSON's messages). */
  format?: TextFormat;
}

/** A scenario from YAML/JSON text or from an already-parsed object: the same parsing `opendojo
 * simulate FILE` applies to a file's contents. Throws an InputError listing every problem. */
export function loadScenario(input: string | Record<string, unknown>, opts: LoadScenarioOptions = {}): Scenario {
  const { origin = 'scenario', format, ...scenarioOptions } = opts;
  const doc = typeof input === 'string' ? parseDataText(input, origin, format) : input;
  return parseScenario(doc, origin, scenarioOptions);
}

/** The built-in system presets (GPU clusters and the Dojo levels), as `opendojo systems` lists them. */
export function systemPresets(): SystemSpec[] {
  ensureBuiltins();
  return listSystemPresets();
}

/** The built-in model presets, as `opendojo models` lists them. */
export function modelPresets(): ModelPreset[] {
  ensureBuiltins();
  return listModelPresets();
}
