// The control plane: validates and prices submissions with the engine, keeps one TileScheduler
// per pool, persists every transition the scheduler makes, hands runs to run hosts and turns
// their finished runs into completions. The store is the source of truth: the scheduler is
// rebuilt from it on start, so a killed server loses nothing it acknowledged. With several API
// replicas on PostgreSQL only the holder of the leader lock schedules; the others write
// submissions and cancel requests that the leader picks up from the store.
import { parse as parseYaml } from 'yaml';
import { InputError, issue, type InputIssue } from '../../common/errors.js';
import { parseOrThrow } from '../../common/zod-issues.js';
import type { VirtualClock } from '../execution/clock.js';
import { RunProfileCache } from '../execution/job-runtime.js';
import { forEachTile, type PlacementRequest } from '../scheduler/grid.js';
import { TERMINAL, TileScheduler, type AdmissionCheck, type JobRecord, type JobState, type PendingReason, type SchedulerAction } from '../scheduler/scheduler.js';
import type { JobRow, NewEvent, Scope, Store, StoredProfile } from '../store/store.js';
import { JobSpecSchema, type JobSpec } from './job-spec.js';
import type { LedgerView } from './ledger-view.js';
import type { Logger } from './logger.js';
import type { PoolConfig } from './pools.js';
import type { RunAssignment, RunSignal } from './run-host.js';

/** How runs reach run hosts: in-process, or through a queue to workers. */
export interface RunDispatch {
  /** Runs die with the process (in-process host): after a restart the controller restarts them. */
  readonly runsDieWithProcess: boolean;
  start(a: RunAssignment): Promise<void>;
  signal(jobId: string, attempt: number, signal: RunSignal): Promise<void>;
}

export interface ControllerOptions {
  store: Store;
  clock: VirtualClock;
  pools: readonly PoolConfig[];
  ledger: LedgerView;
  dispatch: RunDispatch;
  log: Logger;
  newId: () => string;
  /** Wall ms between housekeeping passes (finished runs, the inbox, fair-share decay). */
  tickMs?: number;
}

interface Known {
  tenantId: string;
  pool: string;
  resource: string;
  profile: StoredProfile;
  attempt: number;
  predictedMicros: bigint;
  persisted: number;
  pending: PendingReason | null;
}

export interface SubmitResult {
  job: JobRow;
  created: boolean;
}

const LEADER_LOCK = 741_001;
const HOLDING: ReadonlySet<JobState> = new Set(['placing', 'running', 'recovering']);

export class Controller {
  private readonly schedulers = new Map<string, TileScheduler>();
  private readonly known = new Map<string, Known>();
  private readonly profiles = new RunProfileCache(256);
  private readonly tenantLimits = new Map<string, { maxTiles: number | null; maxGpus: number | null; budgetMicros: bigint | null }>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private maxSeq = 0;
  private leader = false;
  private stopped = false;

  constructor(private readonly o: ControllerOptions) {}

  get isLeader(): boolean {
    return this.leader;
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

  /** Validates, prices and durably records a job, then lets the scheduler place it. */
  async submit(tenantId: string, body: unknown, idempotencyKey: string | null): Promise<SubmitResult> {
    const spec = parseOrThrow(JobSpecSchema, body, 'job');
    const resolved = this.resolve(spec);
    const limits = await this.limits(tenantId);
    const quota = resolved.pool.unit === 'tile' ? limits.maxTiles : limits.maxGpus;
    const held = resolved.pool.unit === 'tile' ? resolved.slots : resolved.devices;
    if (quota !== null && held > quota) throw new InputError('job', [issue('resources', `asks for ${held} ${resolved.pool.unit}s; the tenant's quota is ${quota}`)]);
    if (spec.maxBudgetUsd !== undefined && resolved.predictedMicros > BigInt(Math.round(spec.maxBudgetUsd * 1e6))) {
      throw new InputError('job', [issue('maxBudgetUsd', `the predicted bill is $${(Number(resolved.predictedMicros) / 1e6).toFixed(2)}, over the limit of $${spec.maxBudgetUsd}`)]);
    }
    const now = this.now();
    const { job, created } = await this.o.store.insertJob(
      {
        id: this.o.newId(),
        tenantId,
        name: spec.name ?? null,
        idempotencyKey,
        spec: body as Record<string, unknown>,
        profile: resolved.profile,
        pool: resolved.pool.name,
        resource: resolved.pool.resource,
        devices: resolved.devices,
        slots: resolved.slots,
        priority: spec.priority,
        predictedSeconds: resolved.predictedSeconds,
        predictedMicros: resolved.predictedMicros,
        submittedAt: now,
      },
      { at: now, kind: 'state', data: { state: 'queued', reason: 'submitted' } },
    );
    if (created && this.leader) await this.exclusive(async () => {
      // The housekeeping inbox may have admitted it already (it polls for new submissions).
      if (!this.known.has(job.id)) this.admit(job);
      await this.pass(job.pool);
    });
    return { job: (created && this.leader ? await this.o.store.job(tenantId, job.id) : job) ?? job, created };
  }

  /** Cancels a tenant's job (or any job for the admin). Undefined if there is no such job. */
  async cancel(scope: Scope, jobId: string): Promise<JobRow | undefined> {
    const row = await this.o.store.job(scope, jobId);
    if (!row) return undefined;
    if (TERMINAL.has(row.state)) return row;
    if (!this.leader) {
      await this.o.store.requestCancel(scope, jobId);
      return this.o.store.job(scope, jobId);
    }
    await this.exclusive(() => this.cancelNow(jobId));
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
    if (!this.leader) return { evicted: null };
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
        const k = this.known.get(evicted.id)!;
        await this.persist(evicted, { restarts: evicted.restarts });
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

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async tryLead(): Promise<void> {
    if (this.leader || this.stopped) return;
    if (!(await this.o.store.sql.tryLeaderLock(LEADER_LOCK))) return;
    this.leader = true;
    await this.exclusive(() => this.restore());
    this.o.log.info('leading the control plane', { pools: this.o.pools.map((p) => p.name) });
  }

  private async restore(): Promise<void> {
    for (const p of this.o.pools) this.schedulers.set(p.name, this.newScheduler(p));
    for (const t of await this.o.store.unhealthyTiles()) this.schedulers.get(t.pool)?.markUnhealthy({ row: t.row, col: t.col }, Math.max(0, this.now()));
    const live = await this.o.store.liveJobs();
    for (const job of live) {
      this.maxSeq = Math.max(this.maxSeq, job.seq);
      const s = this.schedulers.get(job.pool);
      if (!s) {
        this.o.log.error('job on an unknown pool left alone', { job: job.id, pool: job.pool });
        continue;
      }
      const now = this.schedNow(s);
      const holding = HOLDING.has(job.state) && job.rect !== null;
      const workDone = Math.min(job.durableStep * job.profile.stepTimeSeconds, job.predictedSeconds);
      const rec = s.restore(this.submission(job), { state: holding ? job.state : job.state === 'placing' || job.state === 'running' || job.state === 'recovering' ? 'preempted' : job.state, submittedAt: Math.min(job.submittedAt, now), workDoneSeconds: workDone, restarts: job.restarts, ...(holding ? { rect: job.rect!, runStartedAt: Math.min(job.runStartedAt ?? now, now) } : {}) }, now);
      this.known.set(job.id, { tenantId: job.tenantId, pool: job.pool, resource: job.resource, profile: job.profile, attempt: job.attempt, predictedMicros: job.predictedMicros, persisted: 0, pending: job.pendingReason });
      await this.persist(rec, {});
      if (holding && !this.o.dispatch.runsDieWithProcess && job.finishedAt === null) {
        // Workers keep running through a control-plane restart; re-adding the same attempt is a
        // no-op in the queue unless the last leader died before it enqueued the run.
        await this.o.dispatch.start({ jobId: job.id, tenantId: job.tenantId, attempt: job.attempt, resource: job.resource, profile: job.profile, resumeFromStep: job.durableStep, carried: carriedFrom(job) });
      }
      if (holding && this.o.dispatch.runsDieWithProcess && job.finishedAt === null) {
        // The in-process run host died with the last process: restart from the last checkpoint.
        const k = this.known.get(job.id)!;
        k.attempt = job.attempt + 1;
        await this.o.store.updateJob(job.id, { attempt: k.attempt }, [{ jobId: job.id, tenantId: job.tenantId, at: now, kind: 'restarted', data: { reason: 'control-plane-restart', fromStep: job.durableStep, lostSteps: Math.max(0, job.step - job.durableStep) } }]);
        await this.o.dispatch.start({ jobId: job.id, tenantId: job.tenantId, attempt: k.attempt, resource: job.resource, profile: job.profile, resumeFromStep: job.durableStep, lostSteps: Math.max(0, job.step - job.durableStep), carried: carriedFrom(job) });
      }
    }
    this.o.log.info('control plane restored', { liveJobs: live.length });
    await this.housekeeping();
  }

  private newScheduler(p: PoolConfig): TileScheduler {
    const admission: AdmissionCheck = (job, ctx) => {
      const limits = this.tenantLimits.get(job.tenant);
      if (!limits) return null;
      const k = this.known.get(job.id);
      const quota = p.unit === 'tile' ? limits.maxTiles : limits.maxGpus;
      const perSlot = p.unit === 'tile' ? 1 : p.devicesPerSlot;
      if (quota !== null && ((ctx.tilesInUseByTenant.get(job.tenant) ?? 0) + job.tiles) * perSlot > quota) return 'quota';
      if (limits.budgetMicros !== null && k && job.state !== 'preempted') {
        let committed = this.o.ledger.spentMicros(job.tenant);
        for (const other of this.known.values()) if (other.tenantId === job.tenant && other !== k && other.attempt > 0) committed += other.predictedMicros;
        if (committed + k.predictedMicros > limits.budgetMicros) return 'budget';
      }
      return null;
    };
    return new TileScheduler({ rows: p.rows, cols: p.cols, placement: 'best-fit', backfill: 'easy', order: 'priority-fair-share', preemption: true, admission });
  }

  private submission(job: JobRow) {
    const request: PlacementRequest = shapeOf(job.spec) ?? { tiles: job.slots };
    const every = job.profile.checkpointIntervalSteps * job.profile.stepTimeSeconds;
    return { id: job.id, tenant: job.tenantId, priority: job.priority, request, predictedSeconds: job.predictedSeconds, checkpointIntervalSeconds: every };
  }

  private admit(job: JobRow): void {
    const s = this.schedulers.get(job.pool)!;
    const rec = s.submit(this.submission(job), this.schedNow(s));
    this.maxSeq = Math.max(this.maxSeq, job.seq);
    this.known.set(job.id, { tenantId: job.tenantId, pool: job.pool, resource: job.resource, profile: job.profile, attempt: job.attempt, predictedMicros: job.predictedMicros, persisted: rec.history.length, pending: null });
  }

  private schedNow(s: TileScheduler): number {
    return Math.max(this.now(), s.now === -Infinity ? 0 : s.now);
  }

  private async housekeeping(): Promise<void> {
    if (this.stopped) return;
    if (!this.leader) {
      await this.tryLead();
      return;
    }
    await this.refreshLimits();
    await this.o.ledger.sync();
    for (const job of await this.o.store.finishedRuns()) {
      const s = this.schedulers.get(job.pool);
      const rec = s?.job(job.id);
      if (!s || !rec || rec.state !== 'running') continue;
      s.complete(job.id, Math.max(job.finishedAt!, s.now));
      await this.persist(s.job(job.id)!, {});
      this.known.delete(job.id);
    }
    const inbox = await this.o.store.inbox(this.maxSeq);
    for (const job of inbox.submitted) if (!this.known.has(job.id)) this.admit(job);
    for (const id of inbox.cancels) await this.cancelNow(id);
    for (const p of this.o.pools) await this.pass(p.name);
  }

  private async refreshLimits(): Promise<void> {
    for (const t of await this.o.store.listTenants()) this.tenantLimits.set(t.id, { maxTiles: t.maxTiles, maxGpus: t.maxGpus, budgetMicros: t.budgetMicros });
  }

  private async limits(tenantId: string) {
    let l = this.tenantLimits.get(tenantId);
    if (!l) {
      const t = await this.o.store.getTenant(tenantId);
      l = { maxTiles: t?.maxTiles ?? null, maxGpus: t?.maxGpus ?? null, budgetMicros: t?.budgetMicros ?? null };
      this.tenantLimits.set(tenantId, l);
    }
    return l;
  }

  private async cancelNow(jobId: string): Promise<void> {
    const k = this.known.get(jobId);
    if (!k) return;
    const s = this.schedulers.get(k.pool)!;
    const wasRunning = s.job(jobId)?.state === 'running';
    if (!s.cancel(jobId, this.schedNow(s))) return;
    await this.persist(s.job(jobId)!, {});
    if (wasRunning) await this.o.dispatch.signal(jobId, k.attempt, 'cancel');
    this.known.delete(jobId);
    await this.pass(k.pool);
  }

  /** One scheduling pass on a pool: persist every transition, then dispatch its actions. */
  private async pass(poolName: string): Promise<void> {
    const s = this.schedulers.get(poolName)!;
    const decision = s.schedule(this.schedNow(s));
    const pending = new Map(decision.pending.map((p) => [p.jobId, p.reason]));
    for (const action of decision.actions) await this.act(s, action);
    for (const rec of s.waitingJobs()) {
      const k = this.known.get(rec.id);
      if (!k) continue;
      const reason = pending.get(rec.id) ?? null;
      if (rec.history.length > k.persisted || reason !== k.pending) await this.persist(rec, {}, reason);
    }
  }

  private async act(s: TileScheduler, action: SchedulerAction): Promise<void> {
    const rec = s.job(action.jobId)!;
    const k = this.known.get(action.jobId)!;
    if (action.kind === 'checkpoint-then-preempt') {
      await this.persist(rec, {});
      await this.o.dispatch.signal(action.jobId, k.attempt, 'preempt');
      return;
    }
    const row = await this.o.store.job(null, action.jobId);
    k.attempt += 1;
    await this.persist(rec, { rect: action.rect, attempt: k.attempt, runStartedAt: s.now, restarts: rec.restarts }, null, { backfilled: action.backfilled, rect: action.rect });
    await this.o.dispatch.start({ jobId: action.jobId, tenantId: k.tenantId, attempt: k.attempt, resource: k.resource, profile: k.profile, resumeFromStep: row?.durableStep ?? 0, carried: row ? carriedFrom(row) : {} });
  }

  /** Writes the record's new transitions (and field changes) to the store in one transaction. */
  private async persist(rec: JobRecord, fields: Parameters<Store['updateJob']>[1], pendingReason: PendingReason | null = null, extra: Record<string, unknown> = {}): Promise<void> {
    const k = this.known.get(rec.id);
    const from = k?.persisted ?? 0;
    const fresh = rec.history.slice(from);
    const events: NewEvent[] = fresh.map((t, i) => ({ jobId: rec.id, tenantId: rec.tenant, at: t.at, kind: 'state', data: { state: t.state, reason: t.reason, ...(i === fresh.length - 1 ? extra : {}) } }));
    if (pendingReason !== (k?.pending ?? null)) events.push({ jobId: rec.id, tenantId: rec.tenant, at: rec.history[rec.history.length - 1]!.at, kind: 'pending', data: { reason: pendingReason } });
    const last = rec.history[rec.history.length - 1]!;
    const holdsTiles = rec.state === 'running';
    await this.o.store.updateJob(rec.id, { state: rec.state, stateReason: last.reason, pendingReason: TERMINAL.has(rec.state) || holdsTiles ? null : pendingReason, ...(holdsTiles ? {} : { rect: null }), ...fields }, events);
    if (k) {
      k.persisted = rec.history.length;
      k.pending = pendingReason;
    }
  }

  /** Turns a spec into pool, slots, devices, the engine's run profile and a predicted bill. */
  private resolve(spec: JobSpec) {
    const res = spec.resources;
    const poolName = res.pool ?? 'exapod';
    const pool = this.pool(poolName);
    if (!pool) throw new InputError('job', [issue('resources.pool', `unknown pool "${poolName}"; pools: ${this.o.pools.map((p) => p.name).join(', ')}`)]);
    let slots: number;
    let devices: number;
    if ('gpus' in res) {
      if (pool.unit !== 'gpu') throw new InputError('job', [issue('resources.gpus', `pool ${pool.name} has tiles; ask for tiles or a shape`)]);
      if (res.gpus > pool.devicesPerSlot && res.gpus % pool.devicesPerSlot !== 0) throw new InputError('job', [issue('resources.gpus', `must be a multiple of ${pool.devicesPerSlot} (whole nodes) or at most ${pool.devicesPerSlot}; got ${res.gpus}`)]);
      slots = Math.ceil(res.gpus / pool.devicesPerSlot);
      devices = res.gpus;
    } else {
      if (pool.unit !== 'tile') throw new InputError('job', [issue('resources', `pool ${pool.name} has GPUs; ask for { pool: ${pool.name}, gpus: N }`)]);
      if ('tiles' in res) slots = res.tiles;
      else {
        const [r, c] = res.shape.split('x').map(Number) as [number, number];
        if (!((r <= pool.rows && c <= pool.cols) || (c <= pool.rows && r <= pool.cols))) throw new InputError('job', [issue('resources.shape', `${res.shape} does not fit the ${pool.rows}x${pool.cols} grid`)]);
        slots = r * c;
      }
      if (slots > pool.rows * pool.cols) throw new InputError('job', [issue('resources.tiles', `the pool has ${pool.rows * pool.cols} tiles; got ${slots}`)]);
      devices = slots;
    }
    const { doc, prefix } = scenarioOf(spec, pool);
    let profile;
    try {
      profile = this.profiles.profile({ scenario: doc, devices, ...(spec.training ? { training: spec.training } : {}), checkpointInterval: spec.checkpointInterval });
    } catch (e) {
      if (e instanceof InputError) throw new InputError('job', e.issues.map((i) => ({ ...i, path: i.path === 'devices' || i.path.startsWith('system') ? 'resources' : i.path === 'training' || i.path === 'plan' || i.path.startsWith('plan.') ? i.path : `${prefix}${i.path}` })));
      throw e;
    }
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
    const predictedMicros = this.o.ledger.predictMicros(pool.resource, devices, predictedSeconds, profile.energyPerStepJ * profile.totalSteps);
    return { pool, slots, devices, profile: stored, predictedSeconds, predictedMicros };
  }
}

function shapeOf(spec: Record<string, unknown>): PlacementRequest | undefined {
  const res = spec.resources as Record<string, unknown> | undefined;
  if (typeof res?.shape !== 'string') return undefined;
  const [rows, cols] = res.shape.split('x').map(Number) as [number, number];
  return { shape: { rows, cols }, rotatable: true };
}

export function carriedFrom(job: JobRow): Record<string, number> {
  const a = job.accounting ?? {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) if (typeof v === 'number') out[k] = v;
  delete out.goodput;
  delete out.atRiskStepSeconds;
  return out;
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
  const { system, ...rest } = raw as Record<string, unknown>;
  const dojo = system && typeof system === 'object' && 'dojo' in system ? (system as Record<string, unknown>).dojo : undefined;
  const doc: Record<string, unknown> = { ...rest, system: { preset: pool.system, ...(dojo !== undefined && pool.unit === 'tile' ? { dojo } : {}) } };
  if (spec.plan !== undefined) doc.plan = spec.plan;
  if (doc.plan === undefined) doc.plan = 'auto';
  return { doc, prefix: 'scenario.' };
}
