// The service's durable state, as repository functions over the Sql seam. Every job query that
// a tenant can reach takes the tenant id and filters on it in SQL (`scope`): a tenant's key can
// never read, list or change another tenant's rows, and an unknown and a foreign job id look the
// same (not found). `scope: null` is the admin's view.
import { HOLDING_STATES, TERMINAL_STATES, type JobState } from '../scheduler/job-states.js';
import type { PendingReason } from '../scheduler/scheduler.js';
import type { Rect } from '../scheduler/grid.js';
import { ROUTINE_EVENT_KINDS, ROUTINE_EVENTS_KEPT_PER_JOB } from '../execution/event-retention.js';
import type { RunProfile } from '../execution/job-runtime.js';
import type { Sql } from './sql.js';

export type Role = 'admin' | 'tenant';
/** A tenant id, or null for the admin role (all tenants). */
export type Scope = string | null;

export interface TenantRow {
  id: string;
  name: string;
  maxTiles: number | null;
  maxGpus: number | null;
  budgetMicros: bigint | null;
  weight: number;
  /** Highest priority class the tenant may ask for (classes 0..maxPriority); set by the admin. */
  maxPriority: number;
  createdAt: string;
}

/** Classes granted to a tenant the admin did not set (the column default). Classes above are
 * reserved: preempting other tenants' jobs at those classes takes an admin's grant. */
export const DEFAULT_MAX_PRIORITY = 5;

export interface ApiKeyRow {
  id: string;
  tenantId: string | null;
  role: Role;
  secretSha256: string;
  label: string | null;
  revoked: boolean;
}

/** An API key as listed: never its hash. */
export interface ApiKeyInfo {
  id: string;
  tenantId: string | null;
  role: Role;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

function apiKeyInfoFrom(row: Record<string, unknown>): ApiKeyInfo {
  return { id: String(row.id), tenantId: (row.tenant_id ?? null) as string | null, role: row.role as Role, label: (row.label ?? null) as string | null, createdAt: iso(row.created_at), revokedAt: row.revoked_at === null || row.revoked_at === undefined ? null : iso(row.revoked_at) };
}

/** The tenant's own prediction when it sent physics of its own (efficiency, prices, `system.dojo`
 * assumptions): shown next to the job, never billed. */
export interface WhatIf {
  stepTimeSeconds: number;
  energyPerStepJ: number;
  mfu: number;
  runSeconds: number;
  /** Decimal micro-dollars (JSON has no bigint). */
  billMicros: string;
}

/** The run profile as stored with the job: the executor's numbers, the plan and MFU for display. */
export type StoredProfile = Omit<RunProfile, 'plan' | 'report'> & { plan?: unknown; mfu?: number; whatIf?: WhatIf };

export interface JobRow {
  id: string;
  seq: number;
  tenantId: string;
  name: string | null;
  spec: Record<string, unknown>;
  profile: StoredProfile;
  pool: string;
  resource: string;
  devices: number;
  slots: number;
  priority: number;
  predictedSeconds: number;
  predictedMicros: bigint;
  state: JobState;
  stateReason: string;
  pendingReason: PendingReason | null;
  submittedAt: number;
  createdAt: string;
  updatedAt: string;
  rect: Rect | null;
  attempt: number;
  restarts: number;
  runStartedAt: number | null;
  step: number;
  durableStep: number;
  stepAt: number | null;
  accounting: Record<string, unknown> | null;
  finishedAt: number | null;
  cancelRequested: boolean;
}

export interface JobEventRow {
  id: number;
  jobId: string;
  at: number;
  kind: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** What a submission writes; everything else in a JobRow starts at its column default. */
export type NewJob = Pick<JobRow, 'id' | 'tenantId' | 'name' | 'spec' | 'profile' | 'pool' | 'resource' | 'devices' | 'slots' | 'priority' | 'predictedSeconds' | 'predictedMicros' | 'submittedAt'> & { idempotencyKey: string | null };

export interface JobUpdate {
  state?: JobState;
  stateReason?: string;
  pendingReason?: PendingReason | null;
  rect?: Rect | null;
  attempt?: number;
  restarts?: number;
  runStartedAt?: number | null;
  finishedAt?: number | null;
}

export interface NewEvent {
  jobId: string;
  tenantId: string;
  at: number;
  kind: string;
  data: Record<string, unknown>;
}

export interface LedgerOpRow {
  seq: number;
  idempotencyKey: string;
  tenantId: string;
  kind: 'usage' | 'adjustment' | 'invoice';
  payload: Record<string, unknown>;
}

export { TERMINAL_STATES };

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function tenantFrom(r: Record<string, unknown>): TenantRow {
  return {
    id: String(r.id),
    name: String(r.name),
    maxTiles: numOrNull(r.max_tiles),
    maxGpus: numOrNull(r.max_gpus),
    budgetMicros: r.budget_micros === null || r.budget_micros === undefined ? null : BigInt(String(r.budget_micros)),
    weight: num(r.weight),
    maxPriority: r.max_priority === null || r.max_priority === undefined ? DEFAULT_MAX_PRIORITY : num(r.max_priority),
    createdAt: iso(r.created_at),
  };
}

function jobFrom(r: Record<string, unknown>): JobRow {
  return {
    id: String(r.id),
    seq: num(r.seq),
    tenantId: String(r.tenant_id),
    name: r.name === null ? null : String(r.name),
    spec: r.spec as Record<string, unknown>,
    profile: r.profile as StoredProfile,
    pool: String(r.pool),
    resource: String(r.resource),
    devices: num(r.devices),
    slots: num(r.slots),
    priority: num(r.priority),
    predictedSeconds: num(r.predicted_seconds),
    predictedMicros: BigInt(String(r.predicted_micros)),
    state: r.state as JobState,
    stateReason: String(r.state_reason),
    pendingReason: (r.pending_reason ?? null) as PendingReason | null,
    submittedAt: num(r.submitted_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    rect: (r.rect ?? null) as Rect | null,
    attempt: num(r.attempt),
    restarts: num(r.restarts),
    runStartedAt: numOrNull(r.run_started_at),
    step: num(r.step),
    durableStep: num(r.durable_step),
    stepAt: numOrNull(r.step_at),
    accounting: (r.accounting ?? null) as Record<string, unknown> | null,
    finishedAt: numOrNull(r.finished_at),
    cancelRequested: r.cancel_requested_at !== null && r.cancel_requested_at !== undefined,
  };
}

const UPDATE_COLUMNS: Record<keyof JobUpdate, string> = {
  state: 'state',
  stateReason: 'state_reason',
  pendingReason: 'pending_reason',
  rect: 'rect',
  attempt: 'attempt',
  restarts: 'restarts',
  runStartedAt: 'run_started_at',
  finishedAt: 'finished_at',
};

export class Store {
  constructor(readonly sql: Sql) {}

  // ---- meta -------------------------------------------------------------------------------

  async getMeta<T>(key: string): Promise<T | undefined> {
    const r = await this.sql.query<{ value: T }>('select value from meta where key = $1', [key]);
    return r.rows[0]?.value;
  }

  /** Sets the value unless one is there; returns the value that is stored. */
  async initMeta<T>(key: string, value: T): Promise<T> {
    await this.sql.query('insert into meta (key, value) values ($1, $2::jsonb) on conflict (key) do nothing', [key, JSON.stringify(value)]);
    return (await this.getMeta<T>(key)) as T;
  }

  // ---- tenants and keys -----------------------------------------------------------------

  async createTenant(t: Omit<TenantRow, 'createdAt' | 'maxPriority'> & { maxPriority?: number }): Promise<TenantRow> {
    const r = await this.sql.query(
      'insert into tenants (id, name, max_tiles, max_gpus, budget_micros, weight, max_priority) values ($1, $2, $3, $4, $5, $6, $7) returning *',
      [t.id, t.name, t.maxTiles, t.maxGpus, t.budgetMicros === null ? null : t.budgetMicros.toString(), t.weight, t.maxPriority ?? DEFAULT_MAX_PRIORITY],
    );
    return tenantFrom(r.rows[0]!);
  }

  async tenantByName(name: string): Promise<TenantRow | undefined> {
    const r = await this.sql.query('select * from tenants where name = $1', [name]);
    return r.rows[0] ? tenantFrom(r.rows[0]) : undefined;
  }

  async getTenant(id: string): Promise<TenantRow | undefined> {
    const r = await this.sql.query('select * from tenants where id = $1', [id]);
    return r.rows[0] ? tenantFrom(r.rows[0]) : undefined;
  }

  async listTenants(): Promise<TenantRow[]> {
    return (await this.sql.query('select * from tenants order by created_at, id')).rows.map(tenantFrom);
  }

  async updateTenant(id: string, patch: Partial<Pick<TenantRow, 'maxTiles' | 'maxGpus' | 'budgetMicros' | 'weight' | 'maxPriority'>>): Promise<TenantRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const add = (col: string, v: unknown) => {
      params.push(v);
      sets.push(`${col} = $${params.length}`);
    };
    if ('maxTiles' in patch) add('max_tiles', patch.maxTiles);
    if ('maxGpus' in patch) add('max_gpus', patch.maxGpus);
    if ('budgetMicros' in patch) add('budget_micros', patch.budgetMicros === null || patch.budgetMicros === undefined ? null : patch.budgetMicros.toString());
    if ('weight' in patch) add('weight', patch.weight);
    if ('maxPriority' in patch) add('max_priority', patch.maxPriority);
    if (!sets.length) return this.getTenant(id);
    const r = await this.sql.query(`update tenants set ${sets.join(', ')} where id = $1 returning *`, params);
    return r.rows[0] ? tenantFrom(r.rows[0]) : undefined;
  }

  async createApiKey(k: Omit<ApiKeyRow, 'revoked'>): Promise<void> {
    await this.sql.query('insert into api_keys (id, tenant_id, role, secret_sha256, label) values ($1, $2, $3, $4, $5)', [k.id, k.tenantId, k.role, k.secretSha256, k.label]);
  }

  async apiKey(id: string): Promise<ApiKeyRow | undefined> {
    const r = await this.sql.query<Record<string, unknown>>('select * from api_keys where id = $1', [id]);
    const row = r.rows[0];
    if (!row) return undefined;
    return { id: String(row.id), tenantId: (row.tenant_id ?? null) as string | null, role: row.role as Role, secretSha256: String(row.secret_sha256), label: (row.label ?? null) as string | null, revoked: row.revoked_at !== null && row.revoked_at !== undefined };
  }

  async countAdminKeys(): Promise<number> {
    const r = await this.sql.query<{ n: number }>("select count(*)::int as n from api_keys where role = 'admin' and revoked_at is null");
    return num(r.rows[0]?.n ?? 0);
  }

  // ---- jobs -------------------------------------------------------------------------------

  /** Inserts a job and its first event atomically. With an idempotency key already used by this
   * tenant, inserts nothing and returns the existing job (`created: false`). */
  async insertJob(j: NewJob, firstEvent: Omit<NewEvent, 'jobId' | 'tenantId'>): Promise<{ job: JobRow; created: boolean }> {
    return this.sql.transaction(async (tx) => {
      const r = await tx.query(
        `insert into jobs (id, tenant_id, name, idempotency_key, spec, profile, pool, resource, devices, slots, priority,
           predicted_seconds, predicted_micros, state, state_reason, submitted_at)
         values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, 'queued', 'submitted', $14)
         on conflict (tenant_id, idempotency_key) do nothing returning *`,
        [j.id, j.tenantId, j.name, j.idempotencyKey, JSON.stringify(j.spec), JSON.stringify(j.profile), j.pool, j.resource, j.devices, j.slots, j.priority, j.predictedSeconds, j.predictedMicros.toString(), j.submittedAt],
      );
      if (!r.rows[0]) {
        const existing = await tx.query('select * from jobs where tenant_id = $1 and idempotency_key = $2', [j.tenantId, j.idempotencyKey]);
        return { job: jobFrom(existing.rows[0]!), created: false };
      }
      await tx.query('insert into job_events (job_id, tenant_id, at, kind, data) values ($1, $2, $3, $4, $5::jsonb)', [j.id, j.tenantId, firstEvent.at, firstEvent.kind, JSON.stringify(firstEvent.data)]);
      return { job: jobFrom(r.rows[0]), created: true };
    });
  }

  async job(scope: Scope, id: string): Promise<JobRow | undefined> {
    const r = scope === null ? await this.sql.query('select * from jobs where id = $1', [id]) : await this.sql.query('select * from jobs where id = $1 and tenant_id = $2', [id, scope]);
    return r.rows[0] ? jobFrom(r.rows[0]) : undefined;
  }

  /** Newest first; `beforeSeq` pages back. */
  async listJobs(scope: Scope, opts: { states?: readonly JobState[]; limit: number; beforeSeq?: number }): Promise<JobRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (scope !== null) {
      params.push(scope);
      where.push(`tenant_id = $${params.length}`);
    }
    if (opts.states?.length) {
      params.push(opts.states);
      where.push(`state = any($${params.length}::text[])`);
    }
    if (opts.beforeSeq !== undefined) {
      params.push(opts.beforeSeq);
      where.push(`seq < $${params.length}`);
    }
    params.push(opts.limit);
    const r = await this.sql.query(`select * from jobs ${where.length ? `where ${where.join(' and ')}` : ''} order by seq desc limit $${params.length}`, params);
    return r.rows.map(jobFrom);
  }

  /** Jobs the control plane must restore after a restart, in submit order. */
  async liveJobs(): Promise<JobRow[]> {
    const r = await this.sql.query('select * from jobs where state <> all($1::text[]) order by seq', [TERMINAL_STATES]);
    return r.rows.map(jobFrom);
  }

  /** Applies field changes and appends events in one transaction; `onlyIf` guards the update
   * (e.g. a state or attempt) and returns false without writing anything when it fails. */
  async updateJob(id: string, update: JobUpdate, events: readonly NewEvent[], onlyIf?: { attempt?: number; states?: readonly JobState[] }): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const params: unknown[] = [id];
      const sets = ['updated_at = now()'];
      for (const [k, col] of Object.entries(UPDATE_COLUMNS) as [keyof JobUpdate, string][]) {
        if (!(k in update)) continue;
        const v = update[k];
        params.push(k === 'rect' ? (v === null ? null : JSON.stringify(v)) : v);
        sets.push(k === 'rect' ? `${col} = $${params.length}::jsonb` : `${col} = $${params.length}`);
      }
      const guards = ['id = $1'];
      if (onlyIf?.attempt !== undefined) {
        params.push(onlyIf.attempt);
        guards.push(`attempt = $${params.length}`);
      }
      if (onlyIf?.states) {
        params.push(onlyIf.states);
        guards.push(`state = any($${params.length}::text[])`);
      }
      const r = await tx.query(`update jobs set ${sets.join(', ')} where ${guards.join(' and ')}`, params);
      if (r.rowCount !== 1) return false;
      for (const e of events) await tx.query('insert into job_events (job_id, tenant_id, at, kind, data) values ($1, $2, $3, $4, $5::jsonb)', [e.jobId, e.tenantId, e.at, e.kind, JSON.stringify(e.data)]);
      return true;
    });
  }

  /** A run host's progress report for the attempt it runs; ignored once the job moved on. The
   * usage metered since the host's previous report is appended in the same transaction, so the
   * ledger and the stored accounting never disagree, whatever moment the process dies at
   * (`usageEvenIfStale`: a closing event's usage is appended even when the job moved on, since
   * the devices were held). Returns whether the job row took the report. */
  async recordProgress(id: string, attempt: number, p: { step: number; durableStep: number; at: number; accounting: Record<string, unknown> }, also: { event?: NewEvent; usage?: readonly Omit<LedgerOpRow, 'seq'>[]; usageEvenIfStale?: boolean } = {}): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const r = await tx.query(
        `update jobs set step = $3, durable_step = greatest(durable_step, $4), step_at = $5, accounting = $6::jsonb, updated_at = now()
         where id = $1 and attempt = $2 and finished_at is null`,
        [id, attempt, p.step, p.durableStep, p.at, JSON.stringify(p.accounting)],
      );
      const current = r.rowCount === 1;
      if (current && also.event) {
        await tx.query('insert into job_events (job_id, tenant_id, at, kind, data) values ($1, $2, $3, $4, $5::jsonb)', [also.event.jobId, also.event.tenantId, also.event.at, also.event.kind, JSON.stringify(also.event.data)]);
        if (ROUTINE_EVENT_KINDS.includes(also.event.kind)) await pruneRoutineEvents(tx, id);
      }
      if (current || also.usageEvenIfStale) for (const op of also.usage ?? []) await insertLedgerOp(tx, op);
      return current;
    });
  }

  /** Marks the attempt's run finished (all steps done). True exactly once per job. */
  async finishRun(id: string, attempt: number, at: number): Promise<boolean> {
    const r = await this.sql.query('update jobs set finished_at = $3, updated_at = now() where id = $1 and attempt = $2 and finished_at is null and state = any($4::text[])', [id, attempt, at, HOLDING_STATES]);
    return r.rowCount === 1;
  }

  /** Jobs whose run finished but whose state does not say so yet (the control plane's inbox). */
  async finishedRuns(): Promise<JobRow[]> {
    const r = await this.sql.query('select * from jobs where finished_at is not null and state = any($1::text[]) order by finished_at', [HOLDING_STATES]);
    return r.rows.map(jobFrom);
  }

  async events(scope: Scope, jobId: string, afterId: number, limit = 500): Promise<JobEventRow[]> {
    const r =
      scope === null
        ? await this.sql.query('select * from job_events where job_id = $1 and id > $2 order by id limit $3', [jobId, afterId, limit])
        : await this.sql.query('select * from job_events where job_id = $1 and tenant_id = $2 and id > $3 order by id limit $4', [jobId, scope, afterId, limit]);
    return r.rows.map((e) => ({ id: num(e.id), jobId: String(e.job_id), at: num(e.at), kind: String(e.kind), data: e.data as Record<string, unknown>, createdAt: iso(e.created_at) }));
  }

  /** Where a job's kept history starts: the highest event id pruned (0 if none) and the oldest
   * event kept. Undefined if the job is not in scope. */
  async eventRetention(scope: Scope, jobId: string): Promise<{ prunedThrough: number; oldestKeptId: number | null; keptPerJob: number } | undefined> {
    const r = await this.sql.query<{ pruned: unknown; oldest: unknown }>(
      'select j.events_pruned_through as pruned, (select min(e.id) from job_events e where e.job_id = j.id) as oldest from jobs j where j.id = $1 and ($2::text is null or j.tenant_id = $2)',
      [jobId, scope],
    );
    const row = r.rows[0];
    return row ? { prunedThrough: num(row.pruned), oldestKeptId: numOrNull(row.oldest), keptPerJob: ROUTINE_EVENTS_KEPT_PER_JOB } : undefined;
  }

  async jobCounts(scope: Scope): Promise<Record<string, number>> {
    const r = scope === null ? await this.sql.query<{ state: string; n: number }>('select state, count(*)::int as n from jobs group by state') : await this.sql.query<{ state: string; n: number }>('select state, count(*)::int as n from jobs where tenant_id = $1 group by state', [scope]);
    return Object.fromEntries(r.rows.map((x) => [x.state, num(x.n)]));
  }

  /** Records a tenant's cancel request (replicas that do not run the scheduler). */
  async requestCancel(scope: Scope, id: string): Promise<boolean> {
    const r =
      scope === null
        ? await this.sql.query('update jobs set cancel_requested_at = coalesce(cancel_requested_at, now()) where id = $1 and state <> all($2::text[])', [id, TERMINAL_STATES])
        : await this.sql.query('update jobs set cancel_requested_at = coalesce(cancel_requested_at, now()) where id = $1 and state <> all($2::text[]) and tenant_id = $3', [id, TERMINAL_STATES, scope]);
    return r.rowCount === 1;
  }

  /** Live jobs with a pending cancel request, and jobs submitted after `afterSeq` (the leader's inbox). */
  async inbox(afterSeq: number): Promise<{ cancels: string[]; submitted: JobRow[] }> {
    const c = await this.sql.query<{ id: string }>('select id from jobs where cancel_requested_at is not null and state <> all($1::text[])', [TERMINAL_STATES]);
    const s = await this.sql.query("select * from jobs where seq > $1 and state = 'queued' order by seq", [afterSeq]);
    return { cancels: c.rows.map((r) => String(r.id)), submitted: s.rows.map(jobFrom) };
  }

  // ---- ledger -----------------------------------------------------------------------------

  /** Appends a ledger operation once per idempotency key; false if the key was already used. */
  async appendLedgerOp(op: Omit<LedgerOpRow, 'seq'>): Promise<boolean> {
    return insertLedgerOp(this.sql, op);
  }

  async ledgerOpsAfter(seq: number, limit = 5000): Promise<LedgerOpRow[]> {
    const r = await this.sql.query('select * from ledger_ops where seq > $1 order by seq limit $2', [seq, limit]);
    return r.rows.map((o) => ({ seq: num(o.seq), idempotencyKey: String(o.idempotency_key), tenantId: String(o.tenant_id), kind: o.kind as LedgerOpRow['kind'], payload: o.payload as Record<string, unknown> }));
  }

  // ---- tiles ------------------------------------------------------------------------------

  async setTileHealth(pool: string, row: number, col: number, healthy: boolean): Promise<void> {
    await this.sql.query('insert into tile_health (pool, tile_row, tile_col, healthy) values ($1, $2, $3, $4) on conflict (pool, tile_row, tile_col) do update set healthy = $4, changed_at = now()', [pool, row, col, healthy]);
  }

  async unhealthyTiles(): Promise<{ pool: string; row: number; col: number }[]> {
    const r = await this.sql.query('select pool, tile_row, tile_col from tile_health where not healthy order by pool, tile_row, tile_col');
    return r.rows.map((t) => ({ pool: String(t.pool), row: num(t.tile_row), col: num(t.tile_col) }));
  }

  // ---- API key lifecycle (issue 13 scope 7: revocation and rotation) ----------------------

  /** Keys without their hashes, oldest first; a tenant scope sees only its own. */
  async listApiKeys(scope: Scope): Promise<ApiKeyInfo[]> {
    const r = await this.sql.query('select id, tenant_id, role, label, created_at, revoked_at from api_keys where ($1::text is null or tenant_id = $1) order by created_at, id', [scope]);
    return r.rows.map(apiKeyInfoFrom);
  }

  /** Revokes a key (idempotent: the first revocation time stays); undefined if not in scope. */
  async revokeApiKey(scope: Scope, id: string): Promise<ApiKeyInfo | undefined> {
    const r = await this.sql.query('update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 and ($2::text is null or tenant_id = $2) returning id, tenant_id, role, label, created_at, revoked_at', [id, scope]);
    return r.rows[0] ? apiKeyInfoFrom(r.rows[0]) : undefined;
  }

  /** In one transaction: a new key with the old one's tenant, role and label, and the old one
   * revoked. Undefined if the key is not in scope, 'revoked' if it already was. */
  async rotateApiKey(scope: Scope, id: string, next: { id: string; secretSha256: string }): Promise<{ old: ApiKeyInfo; next: ApiKeyInfo } | 'revoked' | undefined> {
    return this.sql.transaction(async (tx) => {
      const cur = (await tx.query('select * from api_keys where id = $1 and ($2::text is null or tenant_id = $2) for update', [id, scope])).rows[0];
      if (!cur) return undefined;
      if (cur.revoked_at !== null && cur.revoked_at !== undefined) return 'revoked';
      const made = await tx.query('insert into api_keys (id, tenant_id, role, secret_sha256, label) values ($1, $2, $3, $4, $5) returning id, tenant_id, role, label, created_at, revoked_at', [next.id, cur.tenant_id, cur.role, next.secretSha256, cur.label]);
      const old = await tx.query('update api_keys set revoked_at = now() where id = $1 returning id, tenant_id, role, label, created_at, revoked_at', [id]);
      return { old: apiKeyInfoFrom(old.rows[0]!), next: apiKeyInfoFrom(made.rows[0]!) };
    });
  }
}

async function insertLedgerOp(sql: Pick<Sql, 'query'>, op: Omit<LedgerOpRow, 'seq'>): Promise<boolean> {
  const r = await sql.query('insert into ledger_ops (idempotency_key, tenant_id, kind, payload) values ($1, $2, $3, $4::jsonb) on conflict (idempotency_key) do nothing', [op.idempotencyKey, op.tenantId, op.kind, JSON.stringify(op.payload)]);
  return r.rowCount === 1;
}

/** Deletes a job's routine events older than its newest `ROUTINE_EVENTS_KEPT_PER_JOB` and raises
 * its pruned-through mark; life-cycle events are never touched. Bounded: it reads the job's
 * events through the (job_id, id) index and deletes at most the one or few just pushed out. */
async function pruneRoutineEvents(sql: Pick<Sql, 'query'>, jobId: string): Promise<void> {
  await sql.query(
    `with doomed as (
       delete from job_events where job_id = $1 and kind = any($2::text[]) and id <= (
         select id from job_events where job_id = $1 and kind = any($2::text[]) order by id desc offset $3 limit 1)
       returning id)
     update jobs set events_pruned_through = greatest(events_pruned_through, (select max(id) from doomed))
     where id = $1 and exists (select 1 from doomed)`,
    [jobId, ROUTINE_EVENT_KINDS, ROUTINE_EVENTS_KEPT_PER_JOB],
  );
}
