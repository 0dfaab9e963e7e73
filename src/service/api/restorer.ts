// Rebuilds the schedulers from the store when this replica becomes the leader, and quarantines
// what cannot be rebuilt. A stored job is re-checked exactly as a submission would be (its spec
// against the request schema, its resources against the pool's grid, its scheduler submission
// against the scheduler's own checks); a row that fails is marked `failed` with reason
// `quarantined` and the problems in its event, and the others are restored. No stored row can
// stop the server from starting.
import { InputError, issue, type InputIssue } from '../../common/errors.js';
import { parseOrThrow } from '../../common/zod-issues.js';
import type { VirtualClock } from '../execution/clock.js';
import { HOLDING, LIVE_STATES } from '../scheduler/job-states.js';
import type { TileScheduler } from '../scheduler/scheduler.js';
import type { JobRow, Store } from '../store/store.js';
import { JobSpecSchema } from './job-spec.js';
import type { Logger } from './logger.js';
import { placementFor, submissionOf } from './placement.js';
import type { PoolConfig } from './pools.js';
import type { RunDispatch } from './run-host.js';
import type { SchedulerPersistence } from './scheduler-persistence.js';

export interface RestorerOptions {
  store: Store;
  clock: VirtualClock;
  pools: readonly PoolConfig[];
  dispatch: RunDispatch;
  jobs: SchedulerPersistence;
  log: Logger;
}

export const QUARANTINED = 'quarantined';

/** Marks a live job failed with its problems recorded; a no-op if it has ended meanwhile. */
export async function quarantine(o: Pick<RestorerOptions, 'store' | 'dispatch' | 'log'>, job: JobRow, problems: readonly InputIssue[], at: number): Promise<void> {
  const changed = await o.store.updateJob(job.id, { state: 'failed', stateReason: QUARANTINED, pendingReason: null, rect: null }, [{ jobId: job.id, tenantId: job.tenantId, at, kind: 'state', data: { state: 'failed', reason: QUARANTINED, problems } }], { states: LIVE_STATES });
  if (!changed) return;
  o.log.error('job quarantined', { job: job.id, tenant: job.tenantId, problems });
  // A worker may still run the attempt (queue dispatch survives restarts): stop it.
  if (HOLDING.has(job.state) && job.attempt > 0) await o.dispatch.signal(job.id, job.attempt, 'cancel').catch(() => undefined);
}

/** The problems of an error thrown while re-checking a stored job, as issues. */
export function problemsOf(e: unknown): InputIssue[] {
  if (e instanceof InputError) return e.issues;
  return [issue('', e instanceof Error ? e.message : String(e))];
}

export class Restorer {
  constructor(private readonly o: RestorerOptions) {}

  /** Restores every live job into its pool's scheduler; returns the highest job seq seen. */
  async restore(schedulers: ReadonlyMap<string, TileScheduler>, schedNow: (s: TileScheduler) => number): Promise<number> {
    const { store, jobs } = this.o;
    for (const t of await store.unhealthyTiles()) schedulers.get(t.pool)?.markUnhealthy({ row: t.row, col: t.col }, Math.max(0, this.o.clock.now()));
    const live = await store.liveJobs();
    let maxSeq = 0;
    let quarantined = 0;
    for (const job of live) {
      maxSeq = Math.max(maxSeq, job.seq);
      const s = schedulers.get(job.pool);
      const now = s ? schedNow(s) : Math.max(0, this.o.clock.now());
      try {
        if (!s) throw new InputError('job', [issue('resources.pool', `pool "${job.pool}" is not configured; pools: ${this.o.pools.map((p) => p.name).join(', ')}`)]);
        this.restoreOne(s, job, now);
      } catch (e) {
        jobs.forget(job.id);
        await quarantine(this.o, job, problemsOf(e), now);
        quarantined++;
        continue;
      }
      const holding = HOLDING.has(job.state) && job.rect !== null;
      await jobs.persist(s.job(job.id)!, {});
      if (holding && job.finishedAt === null) await this.resumeRun(job, now);
    }
    this.o.log.info('control plane restored', { liveJobs: live.length - quarantined, quarantined });
    return maxSeq;
  }

  /** Re-checks a stored job as a submission and puts it back in its scheduler. Throws on problems. */
  private restoreOne(s: TileScheduler, job: JobRow, now: number): void {
    const spec = parseOrThrow(JobSpecSchema, job.spec, 'job');
    const placement = placementFor(this.o.pools, spec.resources);
    if (placement.pool.name !== job.pool) throw new InputError('job', [issue('resources.pool', `the spec asks for pool ${placement.pool.name}; the row says ${job.pool}`)]);
    const holding = HOLDING.has(job.state) && job.rect !== null;
    const workDone = Math.min(job.durableStep * job.profile.stepTimeSeconds, job.predictedSeconds);
    // A job that held tiles without a recorded rectangle lost them: it waits as preempted.
    const state = holding ? job.state : HOLDING.has(job.state) ? 'preempted' : job.state;
    s.restore(submissionOf(job, placement), { state, submittedAt: Math.min(job.submittedAt, now), workDoneSeconds: workDone, restarts: job.restarts, ...(holding ? { rect: job.rect!, runStartedAt: Math.min(job.runStartedAt ?? now, now) } : {}) }, now);
    this.o.jobs.track(job, 0, job.pendingReason);
  }

  /** Puts a restored run back on a run host: the same attempt for queue workers, which keep
   * running through a control-plane restart (re-adding it is a no-op unless the last leader died
   * before it enqueued the run); a new attempt from the last checkpoint for the in-process host. */
  private async resumeRun(job: JobRow, now: number): Promise<void> {
    const { store, dispatch, jobs } = this.o;
    if (!dispatch.runsDieWithProcess) {
      await dispatch.start({ jobId: job.id, tenantId: job.tenantId, attempt: job.attempt, resource: job.resource, profile: job.profile, resumeFromStep: job.durableStep, carried: carriedFrom(job) });
      return;
    }
    const k = jobs.get(job.id)!;
    k.attempt = job.attempt + 1;
    const lostSteps = Math.max(0, job.step - job.durableStep);
    await store.updateJob(job.id, { attempt: k.attempt }, [{ jobId: job.id, tenantId: job.tenantId, at: now, kind: 'restarted', data: { reason: 'control-plane-restart', fromStep: job.durableStep, lostSteps } }]);
    await dispatch.start({ jobId: job.id, tenantId: job.tenantId, attempt: k.attempt, resource: job.resource, profile: job.profile, resumeFromStep: job.durableStep, lostSteps, carried: carriedFrom(job) });
  }
}

/** Accounting a job's earlier hosts carried, for the next host (additive fields only). */
export function carriedFrom(job: JobRow): Record<string, number> {
  const a = job.accounting ?? {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) if (typeof v === 'number') out[k] = v;
  delete out.goodput;
  delete out.atRiskStepSeconds;
  return out;
}
