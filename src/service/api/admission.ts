// Admission: the tenant's limits (quota in tiles or GPUs, spend budget) applied twice — once to a
// submission before anything is stored (a request the tenant could never run is refused with the
// limit it exceeds), and at every scheduling pass before a job may start (limits are shared by
// the tenant's running jobs). Limits are read from the store and refreshed every housekeeping pass.
import { InputError, issue } from '../../common/errors.js';
import type { AdmissionCheck } from '../scheduler/scheduler.js';
import { DEFAULT_MAX_PRIORITY, type Store, type TenantRow } from '../store/store.js';
import type { JobSpec } from './job-spec.js';
import type { LedgerView } from './ledger-view.js';
import type { PricedJob } from './job-pricer.js';
import type { Placement } from './placement.js';
import type { PoolConfig } from './pools.js';
import type { SchedulerPersistence } from './scheduler-persistence.js';

type Limits = Pick<TenantRow, 'maxTiles' | 'maxGpus' | 'budgetMicros' | 'maxPriority'>;

export class Admission {
  private readonly limits = new Map<string, Limits>();

  constructor(
    private readonly store: Store,
    private readonly ledger: LedgerView,
    private readonly jobs: SchedulerPersistence,
  ) {}

  async refresh(): Promise<void> {
    for (const t of await this.store.listTenants()) this.limits.set(t.id, t);
  }

  private async limitsOf(tenantId: string): Promise<Limits> {
    let l = this.limits.get(tenantId);
    if (!l) {
      const t = await this.store.getTenant(tenantId);
      l = { maxTiles: t?.maxTiles ?? null, maxGpus: t?.maxGpus ?? null, budgetMicros: t?.budgetMicros ?? null, maxPriority: t?.maxPriority ?? DEFAULT_MAX_PRIORITY };
      this.limits.set(tenantId, l);
    }
    return l;
  }

  /** Refuses a submission that exceeds the tenant's quota on its own, or asks for a priority
   * class the admin has not granted it (preempting others takes a granted class). */
  async checkSubmission(tenantId: string, priority: number, placement: Placement): Promise<void> {
    const limits = await this.limitsOf(tenantId);
    if (priority > limits.maxPriority) throw new InputError('job', [issue('priority', `class ${priority} is not granted to this tenant; allowed classes: 0–${limits.maxPriority} (an admin sets maxPriority)`)]);
    const { pool } = placement;
    const quota = pool.unit === 'tile' ? limits.maxTiles : limits.maxGpus;
    const held = pool.unit === 'tile' ? placement.slots : placement.devices;
    if (quota !== null && held > quota) throw new InputError('job', [issue('resources', `asks for ${held} ${pool.unit}s; the tenant's quota is ${quota}`)]);
  }

  /** Refuses a priced job whose predicted bill exceeds the spec's `maxBudgetUsd`. */
  checkBudget(spec: JobSpec, priced: PricedJob): void {
    if (spec.maxBudgetUsd !== undefined && priced.predictedMicros > BigInt(Math.round(spec.maxBudgetUsd * 1e6))) {
      throw new InputError('job', [issue('maxBudgetUsd', `the predicted bill is $${(Number(priced.predictedMicros) / 1e6).toFixed(2)}, over the limit of $${spec.maxBudgetUsd}`)]);
    }
  }

  /** The scheduler's gate for a pool: quota against tiles in use, budget against spend plus commitments. */
  schedulerCheck(pool: PoolConfig): AdmissionCheck {
    return (job, ctx) => {
      const limits = this.limits.get(job.tenant);
      if (!limits) return null;
      const quota = pool.unit === 'tile' ? limits.maxTiles : limits.maxGpus;
      const perSlot = pool.unit === 'tile' ? 1 : pool.devicesPerSlot;
      if (quota !== null && ((ctx.tilesInUseByTenant.get(job.tenant) ?? 0) + job.tiles) * perSlot > quota) return 'quota';
      const k = this.jobs.get(job.id);
      if (limits.budgetMicros !== null && k && job.state !== 'preempted') {
        const committed = this.ledger.spentMicros(job.tenant) + this.jobs.committedMicros(job.tenant, job.id);
        if (committed + k.predictedMicros > limits.budgetMicros) return 'budget';
      }
      return null;
    };
  }
}
