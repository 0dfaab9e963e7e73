// Keeps the store in step with the schedulers: what the control plane knows of each live job
// (tenant, run profile, attempt) and how much of its scheduler history is already stored, so
// that every transition is written exactly once, with its pending reason, in one transaction.
import { TERMINAL } from '../scheduler/job-states.js';
import type { JobRecord, PendingReason } from '../scheduler/scheduler.js';
import type { JobRow, NewEvent, Store, StoredProfile } from '../store/store.js';

/** A live job as the control plane tracks it between passes. */
export interface KnownJob {
  tenantId: string;
  pool: string;
  resource: string;
  profile: StoredProfile;
  attempt: number;
  predictedMicros: bigint;
  /** History entries already written to the store. */
  persisted: number;
  pending: PendingReason | null;
}

export type JobFields = Parameters<Store['updateJob']>[1];

export class SchedulerPersistence {
  private readonly known = new Map<string, KnownJob>();

  constructor(private readonly store: Store) {}

  get(jobId: string): KnownJob | undefined {
    return this.known.get(jobId);
  }

  has(jobId: string): boolean {
    return this.known.has(jobId);
  }

  /** Starts tracking a job whose first `persisted` history entries are already stored. */
  track(job: JobRow, persisted: number, pending: PendingReason | null): KnownJob {
    const k: KnownJob = { tenantId: job.tenantId, pool: job.pool, resource: job.resource, profile: job.profile, attempt: job.attempt, predictedMicros: job.predictedMicros, persisted, pending };
    this.known.set(job.id, k);
    return k;
  }

  forget(jobId: string): void {
    this.known.delete(jobId);
  }

  /** Predicted bills of the tenant's other jobs that have started at least once (budget check). */
  committedMicros(tenantId: string, exceptJobId: string): bigint {
    let sum = 0n;
    for (const [id, k] of this.known) if (k.tenantId === tenantId && id !== exceptJobId && k.attempt > 0) sum += k.predictedMicros;
    return sum;
  }

  /** Writes the record's new transitions (and field changes) to the store in one transaction. */
  async persist(rec: JobRecord, fields: JobFields, pendingReason: PendingReason | null = null, extra: Record<string, unknown> = {}): Promise<void> {
    const k = this.known.get(rec.id);
    const fresh = rec.history.slice(k?.persisted ?? 0);
    const events: NewEvent[] = fresh.map((t, i) => ({ jobId: rec.id, tenantId: rec.tenant, at: t.at, kind: 'state', data: { state: t.state, reason: t.reason, ...(i === fresh.length - 1 ? extra : {}) } }));
    if (pendingReason !== (k?.pending ?? null)) events.push({ jobId: rec.id, tenantId: rec.tenant, at: rec.history[rec.history.length - 1]!.at, kind: 'pending', data: { reason: pendingReason } });
    const last = rec.history[rec.history.length - 1]!;
    const holdsTiles = rec.state === 'running';
    await this.store.updateJob(rec.id, { state: rec.state, stateReason: last.reason, pendingReason: TERMINAL.has(rec.state) || holdsTiles ? null : pendingReason, ...(holdsTiles ? {} : { rect: null }), ...fields }, events);
    if (k) {
      k.persisted = rec.history.length;
      k.pending = pendingReason;
    }
  }

  /** Whether a waiting record has something the store does not (a transition or a new reason). */
  isStale(rec: JobRecord, reason: PendingReason | null): boolean {
    const k = this.known.get(rec.id);
    return !!k && (rec.history.length > k.persisted || reason !== k.pending);
  }
}
