// The control plane: keeps one TileScheduler per pool, takes submissions and cancels, runs the
// scheduling passes and hands runs to run hosts. The store is the source of truth: the
// schedulers are rebuilt from it on start (Restorer), so a killed server loses nothing it
// acknowledged. With several API replicas on PostgreSQL only the leader (Leadership) schedules;
// the others write submissions and cancel requests that the leader picks up from the store.
// Pricing (JobPricer), the tenant's limits (Admission) and writing transitions
// (SchedulerPersistence) live in their own objects.
import { InputError, issue, type InputIssue } from '../../common/errors.js';
import { parseOrThrow } from '../../common/zod-issues.js';
import type { VirtualClock } from '../execution/clock.js';
import { forEachTile } from '../scheduler/grid.js';
import { LIVE_STATES, TERMINAL } from '../scheduler/job-states.js';
import { TileScheduler, type SchedulerAction } from '../scheduler/scheduler.js';
import type { JobRow, NewJob, Scope, Store } from '../store/store.js';
import { Admission } from './admission.js';
import { JobPricer, inProcessEngine, type EngineCall } from './job-pricer.js';
import { JobSpecSchema } from './job-spec.js';
import { Leadership } from './leadership.js';
import type { LedgerView } from './ledger-view.js';
import type { Logger } from './logger.js';
import { placementFor, submissionOf } from './placement.js';
import type { PoolConfig } from './pools.js';
import { Restorer, carriedFrom, problemsOf, quarantine } from './restorer.js';
import type { RunDispatch } from './run-host.js';
import { SchedulerPersistence } from './scheduler-persistence.js';

export { carriedFrom };
export type { RunDispatch };


export interface ControllerOptions {
  store: Store;
  clock: VirtualClock;
  pools: readonly PoolConfig[];
  ledger: LedgerView;
  dispatch: RunDispatch;
  log: Logger;
  newId: () => string;
  /** Where the engine runs for pricing; default in this thread. */
  engine?: EngineCall;
  /** Wall ms between housekeeping passes (finished runs, the inbox, fair-share decay). */
  tickMs?: number;
}

export interface SubmitResult {
  job: JobRow;
  created: boolean;
}

export class Controller {
  private readonly schedulers = new Map<string, TileScheduler>();
  private readonly jobs: SchedulerPersistence;
  private readonly admission: Admission;
  private readonly pricer: JobPricer;
  private readonly leadership: Leadership;
  private chain: Promise<unknown> = Promise.resolve();
  /** Stored submissions waiting for the next admission batch (admitSoon). */
  private readonly toAdmit: JobRow[] = [];
  private admitBatch: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private maxSeq = 0;
  private stopped = false;

  constructor(private readonly o: ControllerOptions) {
    this.jobs = new SchedulerPersistence(o.store);
    this.admission = new Admission(o.store, o.ledger, this.jobs);
    this.pricer = new JobPricer(o.engine ?? inProcessEngine, o.ledger);
    this.leadership = new Leadership(o.store.sql);
  }

  get isLeader(): boolean {
    return this.leadership.isLeader;
  }

  get pools(): readonly PoolConfig[] {
    return this.o.pools;
  }

  pool(name: string): PoolConfig | undefined {
    return this.o.pools.find((p) => p.name === name);
  }

  scheduler(pool: string): TileScheduler | undefined {
    return this.schedulers.get(pool);
  }

  now(): number {
    return this.o.clock.now();
  }

  /** Takes the leader lock if free, restores state and starts housekeeping. */
  async start(): Promise<void> {
    await this.o.ledger.sync();
    await this.tryLead();
    const every = this.o.tickMs ?? 500;
    this.timer = setInterval(() => void this.exclusive(() => this.housekeeping()).catch((e: unknown) => this.o.log.error('housekeeping failed', { error: String(e) })), every);
  }

  /** Stops housekeeping and waits for the operation in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.exclusive(async () => undefined);
  }

  // ---- requests ---------------------------------------------------------------------------

  /** Validates, prices and checks a job against the pool, the tenant's limits and the scheduler,
   * and only then stores it: nothing refused is ever stored. Aborting `signal` (the client went
   * away) stops the pricing's engine work. */
  async submit(tenantId: string, body: unknown, idempotencyKey: string | null, signal?: AbortSignal): Promise<SubmitResult> {
    const spec = parseOrThrow(JobSpecSchema, body, 'job');
    const placement = placementFor(this.o.pools, spec.resources);
    await this.admission.checkSubmission(tenantId, spec.priority, placement);
    const priced = await this.pricer.price(spec, placement, tenantId, signal);
    this.admission.checkBudget(spec, priced);
    const now = this.now();
    const row: NewJob = {
      id: this.o.newId(),
      tenantId,
      name: spec.name ?? null,
      idempotencyKey,
      spec: body as Record<string, unknown>,
      profile: priced.profile,
      pool: placement.pool.name,
      resource: placement.pool.resource,
      devices: placement.devices,
      slots: placement.slots,
      priority: spec.priority,
      predictedSeconds: priced.predictedSeconds,
      predictedMicros: priced.predictedMicros,
      submittedAt: now,
    };
    // The scheduler's own checks, on the submission exactly as the scheduler will see it.
    const problems = this.schedulerFor(placement.pool).submissionIssues(submissionOf(row, placement));
    if (problems.length) throw new InputError('job', problems);
    const { job, created } = await this.o.store.insertJob(row, { at: now, kind: 'state', data: { state: 'queued', reason: 'submitted' } });
    if (created && this.isLeader) {
      await this.admitSoon(job);
      return { job: (await this.o.store.job(tenantId, job.id)) ?? job, created };
    }
    return { job, created };
  }

  /** Cancels a tenant's job (or any job for the admin). Undefined if there is no such job. A
   * live job the schedulers do not hold (say, one whose admission failed) is cancelled in the
   * store directly, so a cancel always takes effect. */
  async cancel(scope: Scope, jobId: string): Promise<JobRow | undefined> {
    const row = await this.o.store.job(scope, jobId);
    if (!row) return undefined;
    if (TERMINAL.has(row.state)) return row;
    if (!this.isLeader) {
      await this.o.store.requestCancel(scope, jobId);
      return this.o.store.job(scope, jobId);
    }
    await this.exclusive(() => this.cancelNow(row));
    return this.o.store.job(scope, jobId);
  }

  /** Takes a tile (slot) out of service or back in; the job on a failed tile restarts elsewhere. */
  async setTileHealth(poolName: string, row: number, col: number, healthy: boolean): Promise<{ evicted: string | null }> {
    const pool = this.pool(poolName);
    if (!pool) throw new InputError('tile', [issue('pool', `unknown pool "${poolName}"; pools: ${this.o.pools.map((p) => p.name).join(', ')}`)]);
    const problems: InputIssue[] = [];
    if (!Number.isInteger(row) || row < 0 || row >= pool.rows) problems.push(issue('row', `must be an integer in [0, ${pool.rows - 1}]`));
    if (!Number.isInteger(col) || col < 0 || col >= pool.cols) problems.push(issue('col', `must be an integer in [0, ${pool.cols - 1}]`));
    if (problems.length) throw new InputError('tile', problems);
    await this.o.store.setTileHealth(poolName, row, col, healthy);
    if (!this.isLeader) return { evicted: null };
    return this.exclusive(async () => {
      const s = this.schedulers.get(poolName)!;
      const now = this.schedNow(s);
      if (healthy) {
        s.markHealthy({ row, col }, now);
        await this.pass(poolName);
        return { evicted: null };
      }
      const evicted = s.markUnhealthy({ row, col }, now);
      if (evicted) {
        const k = this.jobs.get(evicted.id)!;
        await this.jobs.persist(evicted, { restarts: evicted.restarts });
        await this.o.dispatch.signal(evicted.id, k.attempt, 'fail');
      }
      await this.pass(poolName);
      return { evicted: evicted?.id ?? null };
    });
  }

  /** The live grid of a pool: owner job per slot (-1 free), for display. */
  grid(poolName: string): { rows: number; cols: number; owners: (string | null)[]; unhealthy: boolean[] } | undefined {
    const s = this.schedulers.get(poolName);
    if (!s) return undefined;
    const { rows, cols } = s.grid;
    const owners: (string | null)[] = new Array<string | null>(rows * cols).fill(null);
    for (const j of s.runningJobs()) if (j.rect) forEachTile(j.rect, cols, (i) => (owners[i] = j.id));
    const unhealthy = owners.map((_o, i) => !s.grid.isHealthy({ row: Math.floor(i / cols), col: i % cols }));
    return { rows, cols, owners, unhealthy };
  }

  /** Runs a housekeeping pass now (tests, and the local run host's completions). */
  poke(): Promise<void> {
    return this.exclusive(() => this.housekeeping());
  }

  // ---- internals --------------------------------------------------------------------------

  /** Admits a stored job and runs a pass on its pool. Submissions that arrive while the control
   * plane is busy share the next batch: one pass per pool for all of them instead of one each,
   * so under load the scheduling work per submission falls as submissions pile up rather than
   * growing the queue behind `exclusive` (issue 13.12). */
  private admitSoon(job: JobRow): Promise<void> {
    this.toAdmit.push(job);
    return (this.admitBatch ??= this.exclusive(async () => {
      // Later arrivals start the next batch; this one takes everything queued so far.
      this.admitBatch = undefined;
      const batch = this.toAdmit.splice(0);
      // The housekeeping inbox may have admitted some already (it polls for new submissions).
      for (const j of batch) if (!this.jobs.has(j.id)) await this.admit(j);
      for (const pool of new Set(batch.map((j) => j.pool))) await this.pass(pool);
    }));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** A pool's scheduler; before this replica leads, a fresh one that only answers checks. */
  private schedulerFor(pool: PoolConfig): TileScheduler {
    return this.schedulers.get(pool.name) ?? this.newScheduler(pool);
  }

  private newScheduler(p: PoolConfig): TileScheduler {
    return new TileScheduler({ rows: p.rows, cols: p.cols, placement: 'best-fit', backfill: 'easy', order: 'priority-fair-share', preemption: true, admission: this.admission.schedulerCheck(p) });
  }

  private async tryLead(): Promise<void> {
    if (this.stopped || !(await this.leadership.tryAcquire())) return;
    await this.exclusive(async () => {
      for (const p of this.o.pools) this.schedulers.set(p.name, this.newScheduler(p));
      const restorer = new Restorer({ store: this.o.store, clock: this.o.clock, pools: this.o.pools, dispatch: this.o.dispatch, jobs: this.jobs, log: this.o.log });
      this.maxSeq = await restorer.restore(this.schedulers, (s) => this.schedNow(s));
      await this.housekeeping();
    });
    this.o.log.info('leading the control plane', { pools: this.o.pools.map((p) => p.name) });
  }

  /** Puts a newly stored job in its scheduler; a row the scheduler refuses is quarantined. */
  private async admit(job: JobRow): Promise<void> {
    this.maxSeq = Math.max(this.maxSeq, job.seq);
    const s = this.schedulers.get(job.pool);
    try {
      if (!s) throw new InputError('job', [issue('resources.pool', `pool "${job.pool}" is not configured`)]);
      const placement = placementFor(this.o.pools, parseOrThrow(JobSpecSchema, job.spec, 'job').resources);
      const rec = s.submit(submissionOf(job, placement), this.schedNow(s));
      this.jobs.track(job, rec.history.length, null);
    } catch (e) {
      await quarantine({ store: this.o.store, dispatch: this.o.dispatch, log: this.o.log }, job, problemsOf(e), this.now());
    }
  }

  private schedNow(s: TileScheduler): number {
    return Math.max(this.now(), s.now === -Infinity ? 0 : s.now);
  }

  /** Finished runs, the inbox and a pass on every pool. A failure on one job or pool is logged
   * and the rest go ahead: one bad row never stops the others. */
  private async housekeeping(): Promise<void> {
    if (this.stopped) return;
    if (!this.isLeader) {
      await this.tryLead();
      return;
    }
    await this.admission.refresh();
    await this.o.ledger.sync();
    const each = async (what: string, id: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (e) {
        this.o.log.error(`housekeeping: ${what} failed`, { id, error: String(e) });
      }
    };
    for (const job of await this.o.store.finishedRuns()) await each('completion', job.id, () => this.completeRun(job));
    const inbox = await this.o.store.inbox(this.maxSeq);
    for (const job of inbox.submitted) if (!this.jobs.has(job.id)) await each('admission', job.id, () => this.admit(job));
    for (const id of inbox.cancels) await each('cancel', id, async () => {
      const row = await this.o.store.job(null, id);
      if (row) await this.cancelNow(row);
    });
    for (const p of this.o.pools) await each('scheduling pass', p.name, () => this.pass(p.name));
  }

  private async completeRun(job: JobRow): Promise<void> {
    const s = this.schedulers.get(job.pool);
    const rec = s?.job(job.id);
    if (!s || !rec || rec.state !== 'running') return;
    s.complete(job.id, Math.max(job.finishedAt!, s.now));
    await this.jobs.persist(s.job(job.id)!, {});
    this.jobs.forget(job.id);
  }

  private async cancelNow(row: JobRow): Promise<void> {
    const k = this.jobs.get(row.id);
    const s = k && this.schedulers.get(k.pool);
    if (!k || !s?.job(row.id)) {
      // Not in any scheduler: nothing holds tiles for it, so the store's word is final.
      await this.o.store.updateJob(row.id, { state: 'cancelled', stateReason: 'cancelled', pendingReason: null, rect: null }, [{ jobId: row.id, tenantId: row.tenantId, at: this.now(), kind: 'state', data: { state: 'cancelled', reason: 'cancelled' } }], { states: LIVE_STATES });
      return;
    }
    const wasRunning = s.job(row.id)?.state === 'running';
    if (!s.cancel(row.id, this.schedNow(s))) return;
    await this.jobs.persist(s.job(row.id)!, {});
    if (wasRunning) await this.o.dispatch.signal(row.id, k.attempt, 'cancel');
    this.jobs.forget(row.id);
    await this.pass(k.pool);
  }

  /** One scheduling pass on a pool: persist every transition, then dispatch its actions. */
  private async pass(poolName: string): Promise<void> {
    const s = this.schedulers.get(poolName)!;
    const decision = s.schedule(this.schedNow(s));
    const pending = new Map(decision.pending.map((p) => [p.jobId, p.reason]));
    for (const action of decision.actions) await this.act(s, action);
    for (const rec of s.waitingJobs()) {
      const reason = pending.get(rec.id) ?? null;
      if (this.jobs.isStale(rec, reason)) await this.jobs.persist(rec, {}, reason);
    }
  }

  private async act(s: TileScheduler, action: SchedulerAction): Promise<void> {
    const rec = s.job(action.jobId)!;
    const k = this.jobs.get(action.jobId)!;
    if (action.kind === 'checkpoint-then-preempt') {
      // The event names both classes: who was preempted, for which job, at which granted class.
      const by = s.job(action.forJobId);
      await this.jobs.persist(rec, {}, null, { priorityClass: rec.priority, preemptedBy: action.forJobId, ...(by ? { byPriorityClass: by.priority } : {}) });
      await this.o.dispatch.signal(action.jobId, k.attempt, 'preempt');
      return;
    }
    const row = await this.o.store.job(null, action.jobId);
    k.attempt += 1;
    await this.jobs.persist(rec, { rect: action.rect, attempt: k.attempt, runStartedAt: s.now, restarts: rec.restarts }, null, { backfilled: action.backfilled, rect: action.rect });
    await this.o.dispatch.start({ jobId: action.jobId, tenantId: k.tenantId, attempt: k.attempt, resource: k.resource, profile: k.profile, resumeFromStep: row?.durableStep ?? 0, carried: row ? carriedFrom(row) : {} });
  }
}
