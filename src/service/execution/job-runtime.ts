// A job's run profile on the resources it was placed on: step time, step count, energy and cost
// per step from the engine facade, plus the checkpoint and restart costs the executor charges.
// The scenario document is re-parsed with the system's device count replaced by the placed
// count, so the engine sees exactly the machine the job runs on. Profiles are cached by
// (scenario, devices, training) because the scheduler asks for them on every pass.
import { InputError } from '../../common/errors.js';
import { evaluate } from '../../engine/evaluate.js';
import { parseScenario } from '../../engine/scenario.js';
import type { Plan } from '../../planner/plan.js';
import type { TrainingAmount } from '../../simulators/analytical/power-cost.js';
import type { StepReport } from '../../simulators/report.js';

/** Assumption: aggregate storage bandwidth one job gets for writing and reading checkpoints
 * (a parallel file system tier; DGX SuperPOD reference storage is quoted at tens to ~100 GB/s). */
export const DEFAULT_CHECKPOINT_STORAGE_GBPS = 100;
/** Assumption: fixed cost of a restart before the checkpoint is read (process launch, runtime
 * and collective initialization, data-loader warm-up). */
export const DEFAULT_RESTART_OVERHEAD_SECONDS = 60;

export type CheckpointInterval = { steps: number } | { seconds: number };

export interface ProfileRequest {
  /** A scenario document (model, system, plan or `auto`, optional training/prices/efficiency). */
  scenario: Record<string, unknown>;
  /** Placed devices: tiles or GPUs. Replaces the count in `scenario.system`. */
  devices: number;
  /** How much training; overrides the scenario's `training`. One of the two is required. */
  training?: TrainingAmount;
  checkpointInterval: CheckpointInterval;
  /** Checkpoint write and read bandwidth (GB/s); Infinity makes checkpoints free. */
  storageGBps?: number;
  restartOverheadSeconds?: number;
}

/** Everything the executor needs; plain data so tests and trace replays can write one by hand. */
export interface RunProfile {
  devices: number;
  stepTimeSeconds: number;
  totalSteps: number;
  energyPerStepJ: number;
  costPerStepUsd: number;
  checkpointIntervalSteps: number;
  checkpointBytes: number;
  checkpointWriteSeconds: number;
  /** Restart overhead + reading the checkpoint back. */
  restartSeconds: number;
  plan?: Plan;
  report?: StepReport;
}

const positive = (v: unknown): v is number => typeof v === 'number' && v > 0;

/** JSON with sorted keys, so equal documents give equal cache keys. */
export function stableKey(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableKey).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableKey(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/** The scenario with its device count replaced by the placed count and the training amount set. */
export function placedScenarioDoc(doc: Record<string, unknown>, devices: number, training?: TrainingAmount): Record<string, unknown> {
  const system = doc.system;
  if (!system || typeof system !== 'object' || Array.isArray(system)) throw new InputError('job', [{ path: 'scenario.system', message: 'must be an object (preset, file or inline spec)' }]);
  const { gpus: _g, tiles: _t, devices: _d, ...rest } = system as Record<string, unknown>;
  return { ...doc, system: { ...rest, devices }, ...(training ? { training } : {}) };
}

/** The engine's step report for the placed scenario: a concrete plan is evaluated, `auto` is searched (fastest plan). */
export function evaluatePlaced(doc: Record<string, unknown>, devices: number, training?: TrainingAmount): StepReport {
  if (!Number.isInteger(devices) || devices < 1) throw new InputError('job', [{ path: 'devices', message: `must be a positive integer; got ${devices}` }]);
  const s = parseScenario(placedScenarioDoc(doc, devices, training), 'job');
  if (!s.training) throw new InputError(s.origin, [{ path: 'training', message: 'give the amount of training: { steps: N }, { tokens: N } or { samples: N }' }]);
  // A job cannot start on a plan that does not fit: the engine refuses it (NoPlanFitsError, an InputError).
  return evaluate(s, { requireFit: true }).report;
}

/** Steps between checkpoints: a time interval rounds down to whole steps, at least one. */
export function intervalSteps(interval: CheckpointInterval, stepTimeSeconds: number): number {
  if ('steps' in interval) {
    if (!Number.isInteger(interval.steps) || interval.steps < 1) throw new InputError('job', [{ path: 'checkpointInterval.steps', message: 'must be a positive integer' }]);
    return interval.steps;
  }
  if (!positive(interval.seconds)) throw new InputError('job', [{ path: 'checkpointInterval.seconds', message: 'must be positive' }]);
  return Math.max(1, Math.floor(interval.seconds / stepTimeSeconds + 1e-9));
}

/** Derives the run profile from an engine report (no caching). */
export function profileFromReport(report: StepReport, req: Omit<ProfileRequest, 'scenario'>): RunProfile {
  const storageGBps = req.storageGBps ?? DEFAULT_CHECKPOINT_STORAGE_GBPS;
  const overhead = req.restartOverheadSeconds ?? DEFAULT_RESTART_OVERHEAD_SECONDS;
  if (!positive(storageGBps)) throw new InputError('job', [{ path: 'storageGBps', message: 'must be positive' }]);
  if (!(overhead >= 0)) throw new InputError('job', [{ path: 'restartOverheadSeconds', message: 'must be ≥ 0' }]);
  if (!report.run) throw new InputError('job', [{ path: 'training', message: 'the engine report has no run (training amount missing)' }]);
  // Assumption: every device writes its own weights and optimizer state (a per-rank save; an
  // upper bound, since data-parallel replicas hold copies of the same weights).
  const checkpointBytes = (report.memory.weightsBytes + report.memory.optimizerBytes) * report.devices;
  const ioSeconds = checkpointBytes / (storageGBps * 1e9);
  return {
    devices: report.devices,
    stepTimeSeconds: report.stepTimeSeconds,
    totalSteps: report.run.steps,
    energyPerStepJ: report.power.energyPerStepJ,
    costPerStepUsd: report.cost.costPerStepUsd,
    checkpointIntervalSteps: intervalSteps(req.checkpointInterval, report.stepTimeSeconds),
    checkpointBytes,
    checkpointWriteSeconds: ioSeconds,
    restartSeconds: overhead + ioSeconds,
    plan: report.plan,
    report,
  };
}

/** Computes run profiles, caching the engine's answer per (scenario, devices, training). */
export class RunProfileCache {
  private readonly reports = new Map<string, StepReport>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries = 1024) {}

  get size(): number {
    return this.reports.size;
  }

  profile(req: ProfileRequest): RunProfile {
    return profileFromReport(this.report(req.scenario, req.devices, req.training), req);
  }

  report(scenario: Record<string, unknown>, devices: number, training?: TrainingAmount): StepReport {
    const key = `${devices}|${stableKey(training ?? null)}|${stableKey(scenario)}`;
    const hit = this.reports.get(key);
    if (hit) {
      this.hits++;
      // Refresh recency: Map keeps insertion order, so the first key is the least recently used.
      this.reports.delete(key);
      this.reports.set(key, hit);
      return hit;
    }
    this.misses++;
    const r = evaluatePlaced(scenario, devices, training);
    this.reports.set(key, r);
    if (this.reports.size > this.maxEntries) this.reports.delete(this.reports.keys().next().value!);
    return r;
  }
}

/** One-off profile without a cache. */
export function runProfile(req: ProfileRequest): RunProfile {
  return profileFromReport(evaluatePlaced(req.scenario, req.devices, req.training), req);
}
