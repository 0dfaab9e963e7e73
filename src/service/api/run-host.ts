// A run host executes the runs the control plane assigns: one JobExecutor on the shared virtual
// clock, whose events it writes to the store (progress, checkpoints, usage, the finished mark).
// The embedded server has one in-process; with Redis every worker has one. Writes are queued so
// they land in event order. A run whose attempt the store no longer holds is simply dropped.
import { meterSince, type MeterCursor } from '../billing/metering.js';
import type { VirtualClock } from '../execution/clock.js';
import { JobExecutor, type ExecutionEvent, type JobAccounting } from '../execution/executor.js';
import type { RunProfile } from '../execution/job-runtime.js';
import type { Store, StoredProfile } from '../store/store.js';
import type { Logger } from './logger.js';

export interface RunAssignment {
  jobId: string;
  tenantId: string;
  attempt: number;
  resource: string;
  profile: StoredProfile;
  /** Durable step to restart from (0 for a fresh job). */
  resumeFromStep: number;
  /** Steps computed but not checkpointed by a host that was lost (counted as lost work). */
  lostSteps?: number;
  /** Accounting carried over from earlier hosts of this job. */
  carried?: Partial<JobAccounting>;
}

export type RunSignal = 'preempt' | 'cancel' | 'fail';

/** How runs reach run hosts: in-process, or through a queue to workers. */
export interface RunDispatch {
  /** Runs die with the process (in-process host): after a restart the controller restarts them. */
  readonly runsDieWithProcess: boolean;
  start(a: RunAssignment): Promise<void>;
  signal(jobId: string, attempt: number, signal: RunSignal): Promise<void>;
}

interface Active {
  assignment: RunAssignment;
  /** What hosts before this executor carried, lost steps folded in (the executor holds the rest). */
  carried: Partial<JobAccounting>;
  /** Usage metered so far: this attempt's segments start at the cursor's index. */
  metered: MeterCursor;
  /** Wall time (ms) of the last progress or checkpoint event written for this run. */
  lastRoutineEventMs: number;
}

/** `progress` events written per job per wall second at most; the ones in between are coalesced:
 * the job row still records their step, and the next written event carries the latest values.
 * A progress event also waits if a checkpoint event was just written. Checkpoints are bounded by
 * the minimum checkpoint interval (job-pricer.ts) and, like life-cycle events, always written.
 * Issue 13.6: a one-step checkpoint interval wrote ~470 events/s for one job. */
export const PROGRESS_EVENTS_PER_JOB_PER_SECOND = 4;
const ROUTINE: ReadonlySet<string> = new Set(['progress', 'checkpointed']);

const ADDITIVE = ['usefulStepSeconds', 'lostStepSeconds', 'checkpointSeconds', 'restartSeconds', 'deviceSeconds', 'energyJ', 'costUsd', 'failures', 'preemptions'] as const;

/** This host's accounting plus what earlier hosts carried, with goodput recomputed. */
export function mergedAccounting(now: JobAccounting, carried: Partial<JobAccounting> = {}): Record<string, unknown> {
  const out: Record<string, number> = {};
  for (const k of ADDITIVE) out[k] = (now[k] ?? 0) + Number(carried[k] ?? 0);
  out.atRiskStepSeconds = now.atRiskStepSeconds;
  const spent = out.usefulStepSeconds! + out.lostStepSeconds! + out.checkpointSeconds! + out.restartSeconds!;
  out.goodput = spent > 0 ? out.usefulStepSeconds! / spent : 1;
  return out;
}

export class RunHost {
  readonly executor: JobExecutor;
  private readonly active = new Map<string, Active>();
  /** Per job this executor knows: what earlier hosts carried when it first ran here. A later
   * attempt on this executor (after a preemption) carries the same, not nothing: dropping it
   * made a job's accounting forget the time before a kill -9 the ledger had billed. */
  private readonly carriedBefore = new Map<string, Partial<JobAccounting>>();
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly clock: VirtualClock,
    private readonly log: Logger,
    /** Called after a run's finished mark is durable (the local control plane reconciles). */
    private readonly onFinished: (jobId: string) => void = () => undefined,
  ) {
    this.executor = new JobExecutor(clock, { onEvent: (e) => this.onEvent(e) });
  }

  get running(): number {
    return this.active.size;
  }

  has(jobId: string, attempt?: number): boolean {
    const a = this.active.get(jobId);
    return a !== undefined && (attempt === undefined || a.assignment.attempt === attempt);
  }

  start(assignment: RunAssignment): void {
    const a = assignment;
    const p = a.profile;
    const { plan: _plan, mfu: _mfu, ...numbers } = p;
    const profile: RunProfile = numbers;
    // A run still in flight here (stopping for a checkpoint) is dropped: restart from the durable step.
    if (this.executor.has(a.jobId) && this.executor.state(a.jobId) !== 'stopped') this.executor.forget(a.jobId);
    const known = this.executor.has(a.jobId);
    // An executor that ran this job before already holds its own accounting: carry only what
    // came before it, once.
    if (!known) this.carriedBefore.set(a.jobId, { ...a.carried, lostStepSeconds: Number(a.carried?.lostStepSeconds ?? 0) + (a.lostSteps ?? 0) * p.stepTimeSeconds });
    const carried = this.carriedBefore.get(a.jobId)!;
    this.active.set(a.jobId, { assignment: a, carried, metered: { index: known ? this.executor.accounting(a.jobId).segments.length : 0, untilMs: null }, lastRoutineEventMs: -Infinity });
    // Progress every ~1% of the run (at least every step): enough for a smooth bar, few writes.
    const every = Math.max(p.stepTimeSeconds, (p.totalSteps * p.stepTimeSeconds) / 100);
    this.executor.start({ id: a.jobId, profile, progressIntervalSeconds: every, ...(known ? {} : { resumeFromStep: a.resumeFromStep }) });
  }

  signal(jobId: string, attempt: number, signal: RunSignal): void {
    const a = this.active.get(jobId);
    if (!a || a.assignment.attempt !== attempt) return;
    const state = this.executor.state(jobId);
    if (state === 'succeeded' || state === 'stopped') return;
    if (signal === 'preempt') this.executor.preempt(jobId);
    else if (signal === 'fail') this.executor.fail(jobId);
    else this.executor.cancel(jobId);
  }

  /** Stops every run without writing (process shutdown: the next host resumes from checkpoints). */
  abandonAll(): void {
    for (const id of this.active.keys()) {
      this.executor.forget(id);
      this.carriedBefore.delete(id);
    }
    this.active.clear();
  }

  /** Resolves when every write queued so far is durable. */
  flush(): Promise<unknown> {
    return this.writes;
  }

  private onEvent(e: ExecutionEvent): void {
    const act = this.active.get(e.jobId);
    if (!act) return;
    const a = act.assignment;
    const accounting = mergedAccounting(this.executor.accounting(e.jobId, e.at), act.carried);
    const closed = e.kind === 'succeeded' || e.kind === 'failed' || e.kind === 'preempted' || e.kind === 'cancelled';
    // Meter the device time since the last write with this write, so the stored accounting and
    // the ledger hold the same time whenever the process dies (see billing/metering.ts).
    const metered = meterSince(this.executor.accounting(e.jobId, e.at).segments, act.metered, e.at, { tenantId: a.tenantId, jobId: a.jobId, attempt: a.attempt, resource: a.resource, powerW: a.profile.energyPerStepJ / a.profile.stepTimeSeconds });
    act.metered = metered.cursor;
    if (closed) this.active.delete(e.jobId);
    const data: Record<string, unknown> = { step: e.step, durableStep: e.durableStep, attempt: a.attempt };
    if (e.lostStepSeconds !== undefined) data.lostStepSeconds = e.lostStepSeconds;
    const wallMs = performance.now();
    const coalesce = e.kind === 'progress' && wallMs - act.lastRoutineEventMs < 1000 / PROGRESS_EVENTS_PER_JOB_PER_SECOND;
    if (ROUTINE.has(e.kind) && !coalesce) act.lastRoutineEventMs = wallMs;
    const event = coalesce ? undefined : { jobId: a.jobId, tenantId: a.tenantId, at: e.at, kind: e.kind, data };
    const usage = metered.usage.map((u) => ({ idempotencyKey: u.idempotencyKey, tenantId: a.tenantId, kind: 'usage' as const, payload: { ...u } }));
    this.enqueue(async () => {
      // A stopping event's usage is billed even if the job moved on: the devices were held.
      const usageEvenIfStale = e.kind === 'cancelled' || e.kind === 'preempted' || e.kind === 'failed';
      const current = await this.store.recordProgress(a.jobId, a.attempt, { step: e.step, durableStep: e.durableStep, at: e.at, accounting }, { ...(event ? { event } : {}), usage, usageEvenIfStale });
      if (current && e.kind === 'succeeded' && (await this.store.finishRun(a.jobId, a.attempt, e.at))) this.onFinished(a.jobId);
    });
  }

  private enqueue(fn: () => Promise<void>): void {
    this.writes = this.writes.then(fn).catch((err: unknown) => this.log.error('run-host write failed', { error: err instanceof Error ? err.message : String(err) }));
  }
}
