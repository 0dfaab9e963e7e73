// Prices a submission: the scenario document the engine evaluates (the spec's model or scenario
// on the pool's system), the engine's run profile for the placed devices, and the predicted
// run time and bill. This is the control plane's only door into the engine: every engine call
// made for a request goes through `EngineCall`, so where and under what budget the engine runs
// (in process for tests, a worker pool in the server) is chosen by whoever builds the pricer.
import { parse as parseYaml } from 'yaml';
import { InputError, issue } from '../../common/errors.js';
import type { TrainingAmount } from '../../simulators/analytical/power-cost.js';
import type { StepReport } from '../../simulators/report.js';
import { evaluatePlaced, profileFromReport, stableKey, type RunProfile } from '../execution/job-runtime.js';
import type { StoredProfile, WhatIf } from '../store/store.js';
import type { JobSpec } from './job-spec.js';
import type { LedgerView } from './ledger-view.js';
import type { Placement } from './placement.js';
import { requestLimitIssues, structureIssues } from './request-limits.js';
import type { PoolConfig } from './pools.js';

export interface EngineRequest {
  scenario: Record<string, unknown>;
  devices: number;
  training?: TrainingAmount;
  /** Whose request it is: the server charges the engine time to this tenant. */
  tenantId?: string;
}

/** One engine evaluation of a placed scenario: a step report, or an InputError naming the key.
 * Aborting `signal` (its requester went away) may stop the work; the call then rejects. */
export type EngineCall = (req: EngineRequest, signal?: AbortSignal) => Promise<StepReport>;

/** The engine in the calling thread (tests, the CLI); the server passes its worker pool instead. */
export const inProcessEngine: EngineCall = async (req) => evaluatePlaced(req.scenario, req.devices, req.training);

/** Shortest checkpoint interval the service accepts, in virtual seconds of run time. Every
 * checkpoint writes the job's whole state (GBs to TBs) and an event; issue 13.6 found a one-step
 * interval writing ~470 events/s. Five minutes is far below useful intervals (MTBF-optimal ones
 * are tens of minutes to hours on these machines). */
export const MIN_CHECKPOINT_INTERVAL_SECONDS = 300;

/** The refusal of a pricing whose requester went away (nobody reads it; it is never cached). */
export const cancelled = () => new InputError('job', [issue('', 'the evaluation was cancelled')]);

export interface PricedJob {
  /** The provider's run profile: what executes and what is billed (with the tenant's `whatIf`). */
  profile: StoredProfile;
  predictedSeconds: number;
  predictedMicros: bigint;
}

export class JobPricer {
  /** Engine answers (and refusals) per tenant, by request, least recently used first: a
   * tenant's identical pricing requests are answered once and concurrent ones share the call in
   * flight. Scoped per tenant because a hit is observable (a fast answer, no engine time charged
   * to the rate limit): a cache shared across tenants told a tenant that another one had just
   * priced the same job. Each tenant's cache is bounded on its own, so one tenant's requests
   * cannot evict (and so reveal themselves through) another's entries either. */
  private readonly answers = new Map<string, Map<string, Promise<StepReport>>>();
  /** Calls still running, with how many requesters still wait for each: the engine is told to stop
   * only when the last of them has gone (a shared answer must not die with its first asker). */
  private readonly inFlight = new Map<Promise<StepReport>, { stop: AbortController; waiting: number }>();

  constructor(
    private readonly engine: EngineCall,
    private readonly ledger: LedgerView,
    /** Answers kept per tenant. */
    private readonly maxCachedPerTenant = 64,
  ) {}

  private evaluate(req: EngineRequest, signal?: AbortSignal): Promise<StepReport> {
    if (signal?.aborted) return Promise.reject(cancelled());
    const tenant = req.tenantId ?? '';
    const cache = this.answers.get(tenant) ?? new Map<string, Promise<StepReport>>();
    this.answers.set(tenant, cache);
    const key = `${req.devices}|${stableKey(req.training ?? null)}|${stableKey(req.scenario)}`;
    let answer = cache.get(key);
    // A call its last requester just abandoned is on its way to rejecting: start a fresh one.
    if (answer && this.inFlight.get(answer)?.stop.signal.aborted) answer = undefined;
    if (answer) cache.delete(key);
    else {
      const stop = new AbortController();
      const call = this.engine(req, stop.signal);
      answer = call;
      this.inFlight.set(call, { stop, waiting: 0 });
      // Only an answer about the request itself is kept: a refusal for the tenant's rate
      // (HTTP 429), a cancelled call or an internal failure must not be replayed to the next caller.
      call.then(
        () => this.inFlight.delete(call),
        (e: unknown) => {
          this.inFlight.delete(call);
          if ((!(e instanceof InputError) || stop.signal.aborted) && cache.get(key) === call) cache.delete(key);
        },
      );
    }
    cache.set(key, answer);
    if (cache.size > this.maxCachedPerTenant) cache.delete(cache.keys().next().value!);
    return this.await(answer, signal);
  }

  /** `answer` for one requester: rejects at once when its `signal` aborts, and stops the engine
   * call when no requester is left (one without a signal waits to the end). */
  private await(answer: Promise<StepReport>, signal?: AbortSignal): Promise<StepReport> {
    const flight = this.inFlight.get(answer);
    if (!flight) return answer;
    flight.waiting++;
    if (!signal) return answer;
    return new Promise<StepReport>((resolve, reject) => {
      const gone = () => {
        reject(cancelled());
        if (--flight.waiting === 0) flight.stop.abort();
      };
      signal.addEventListener('abort', gone, { once: true });
      answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', gone));
    });
  }

  /** The run profile and predicted bill of a spec on its placement; issues name the spec's keys.
   * Billing policy (docs/billing.md): the profile that runs and is billed comes from the
   * provider's physics for the pool (its preset, default efficiency and prices); a tenant's own
   * efficiency, prices or Dojo assumptions only produce a `whatIf` prediction. */
  async price(spec: JobSpec, placement: Placement, tenantId?: string, signal?: AbortSignal): Promise<PricedJob> {
    const { doc, prefix } = scenarioOf(spec, placement.pool);
    const provider = providerScenario(doc, placement.pool);
    const billed = await this.profileOf(provider, prefix, spec, placement, tenantId, signal);
    const priced = this.withPrediction(billed, placement);
    if (stableKey(provider) === stableKey(doc)) return priced;
    const own = this.withPrediction(await this.profileOf(doc, prefix, spec, placement, tenantId, signal), placement);
    const whatIf: WhatIf = { stepTimeSeconds: own.profile.stepTimeSeconds, energyPerStepJ: own.profile.energyPerStepJ, mfu: own.profile.mfu ?? 0, runSeconds: own.predictedSeconds, billMicros: own.predictedMicros.toString() };
    return { ...priced, profile: { ...priced.profile, whatIf } };
  }

  private async profileOf(doc: Record<string, unknown>, prefix: string, spec: JobSpec, placement: Placement, tenantId?: string, signal?: AbortSignal): Promise<RunProfile> {
    let report: StepReport;
    try {
      report = await this.evaluate({ scenario: doc, devices: placement.devices, ...(spec.training ? { training: spec.training } : {}), ...(tenantId ? { tenantId } : {}) }, signal);
    } catch (e) {
      if (e instanceof InputError) throw new InputError('job', e.issues.map((i) => ({ ...i, path: specPath(i.path, prefix) })));
      throw e;
    }
    const profile = profileFromReport(report, { devices: placement.devices, checkpointInterval: spec.checkpointInterval });
    // A time interval is judged as asked (it rounds down to whole steps); a step interval by its run time.
    const everySeconds = 'seconds' in spec.checkpointInterval ? spec.checkpointInterval.seconds : profile.checkpointIntervalSteps * profile.stepTimeSeconds;
    if (everySeconds < MIN_CHECKPOINT_INTERVAL_SECONDS && profile.checkpointIntervalSteps < profile.totalSteps) {
      const key = 'steps' in spec.checkpointInterval ? 'checkpointInterval.steps' : 'checkpointInterval.seconds';
      throw new InputError('job', [issue(key, `checkpoints every ${everySeconds.toFixed(1)} s of run time; the minimum is ${MIN_CHECKPOINT_INTERVAL_SECONDS} s (${Math.ceil(MIN_CHECKPOINT_INTERVAL_SECONDS / profile.stepTimeSeconds)} steps of ${profile.stepTimeSeconds.toFixed(3)} s)`)]);
    }
    if (!(profile.totalSteps >= 1)) throw new InputError('job', [issue(spec.training ? `training.${Object.keys(spec.training)[0]}` : `${prefix}training`, `amounts to ${profile.totalSteps} optimizer steps; must be at least one step`)]);
    return profile;
  }

  private withPrediction(profile: RunProfile, placement: Placement): PricedJob {
    const stored: StoredProfile = {
      devices: profile.devices,
      stepTimeSeconds: profile.stepTimeSeconds,
      totalSteps: profile.totalSteps,
      energyPerStepJ: profile.energyPerStepJ,
      costPerStepUsd: profile.costPerStepUsd,
      checkpointIntervalSteps: profile.checkpointIntervalSteps,
      checkpointBytes: profile.checkpointBytes,
      checkpointWriteSeconds: profile.checkpointWriteSeconds,
      restartSeconds: profile.restartSeconds,
      ...(profile.plan ? { plan: profile.plan } : {}),
      ...(profile.report ? { mfu: profile.report.mfu } : {}),
    };
    const checkpoints = Math.max(0, Math.ceil(profile.totalSteps / profile.checkpointIntervalSteps) - 1);
    const predictedSeconds = profile.totalSteps * profile.stepTimeSeconds + checkpoints * profile.checkpointWriteSeconds;
    const predictedMicros = this.ledger.predictMicros(placement.pool.resource, placement.devices, predictedSeconds, profile.energyPerStepJ * profile.totalSteps);
    return { profile: stored, predictedSeconds, predictedMicros };
  }
}

/** The scenario on the provider's physics: the tenant's workload (model, plan, training) on the
 * pool's preset, without the tenant's efficiency, prices or system assumptions. */
function providerScenario(doc: Record<string, unknown>, pool: PoolConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { system: { preset: pool.system } };
  for (const k of ['name', 'model', 'plan', 'training'] as const) if (doc[k] !== undefined) out[k] = doc[k];
  return out;
}

/** The engine's issue paths in the tenant's terms: device counts and the system are the pool's
 * (`resources`), training and plan keep their names, anything else is inside model or scenario. */
function specPath(path: string, prefix: string): string {
  if (path === 'devices' || path.startsWith('system')) return 'resources';
  if (path === 'training' || path === 'plan' || path.startsWith('plan.')) return path;
  return `${prefix}${path}`;
}

/** The scenario document the engine evaluates: the spec's model (or scenario) on the pool's system. */
function scenarioOf(spec: JobSpec, pool: PoolConfig): { doc: Record<string, unknown>; prefix: string } {
  if (spec.model !== undefined) {
    return { doc: { model: typeof spec.model === 'string' ? { preset: spec.model } : spec.model, system: { preset: pool.system }, plan: spec.plan ?? 'auto', ...(spec.training ? { training: spec.training } : {}) }, prefix: '' };
  }
  let raw: unknown = spec.scenario;
  if (typeof raw === 'string') {
    try {
      raw = parseYaml(raw, { maxAliasCount: 100 });
    } catch (e) {
      throw new InputError('job', [issue('scenario', `is not valid YAML/JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)]);
    }
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('job', [issue('scenario', 'must be a scenario mapping (model, plan, training, …)')]);
  const limits = [...structureIssues(raw, 'scenario'), ...requestLimitIssues(raw as Record<string, unknown>, 'scenario.')];
  if (limits.length) throw new InputError('job', limits);
  const { system, ...rest } = raw as Record<string, unknown>;
  const dojo = system && typeof system === 'object' && 'dojo' in system ? (system as Record<string, unknown>).dojo : undefined;
  const doc: Record<string, unknown> = { ...rest, system: { preset: pool.system, ...(dojo !== undefined && pool.unit === 'tile' ? { dojo } : {}) } };
  if (spec.plan !== undefined) doc.plan = spec.plan;
  if (doc.plan === undefined) doc.plan = 'auto';
  return { doc, prefix: 'scenario.' };
}
