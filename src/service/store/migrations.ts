// Schema migrations, applied in order and recorded in schema_migrations. The same statements
// run on PGlite and PostgreSQL. Money is stored as decimal text of integer micro-dollars (exact
// on both drivers, which parse int8 differently); virtual times are seconds since the service
// epoch (double precision); wall times are timestamptz.
import type { Sql } from './sql.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenants, keys, jobs, events, ledger',
    sql: `
create table meta (
  key text primary key,
  value jsonb not null
);
create table tenants (
  id text primary key,
  name text not null unique,
  max_tiles integer,
  max_gpus integer,
  budget_micros text,
  weight double precision not null default 1,
  created_at timestamptz not null default now()
);
create table api_keys (
  id text primary key,
  tenant_id text references tenants(id),
  role text not null check (role in ('admin', 'tenant')),
  secret_sha256 text not null,
  label text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  check ((role = 'admin') = (tenant_id is null))
);
create table jobs (
  id text primary key,
  seq bigserial unique,
  tenant_id text not null references tenants(id),
  name text,
  idempotency_key text,
  spec jsonb not null,
  profile jsonb not null,
  pool text not null,
  resource text not null,
  devices integer not null,
  slots integer not null,
  priority integer not null,
  predicted_seconds double precision not null,
  predicted_micros text not null,
  state text not null,
  state_reason text not null,
  pending_reason text,
  submitted_at double precision not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  rect jsonb,
  attempt integer not null default 0,
  restarts integer not null default 0,
  run_started_at double precision,
  step integer not null default 0,
  durable_step integer not null default 0,
  step_at double precision,
  accounting jsonb,
  finished_at double precision,
  cancel_requested_at timestamptz,
  unique (tenant_id, idempotency_key)
);
create index jobs_tenant_seq on jobs (tenant_id, seq);
create index jobs_state on jobs (state);
create table job_events (
  id bigserial primary key,
  job_id text not null references jobs(id),
  tenant_id text not null,
  at double precision not null,
  kind text not null,
  data jsonb not null,
  created_at timestamptz not null default now()
);
create index job_events_job on job_events (job_id, id);
create table ledger_ops (
  seq bigserial primary key,
  idempotency_key text not null unique,
  tenant_id text not null,
  kind text not null check (kind in ('usage', 'adjustment', 'invoice')),
  payload jsonb not null,
  created_at timestamptz not null default now()
);
create table tile_health (
  pool text not null,
  tile_row integer not null,
  tile_col integer not null,
  healthy boolean not null,
  changed_at timestamptz not null default now(),
  primary key (pool, tile_row, tile_col)
);
`,
  },
  // Control-plane migrations (priority classes, event retention) are numbered from 10 so that
  // migrations for keys and authentication can take 2–9 without a clash.
  {
    version: 10,
    name: 'control plane: priority classes granted per tenant',
    sql: `
alter table tenants add column max_priority integer not null default 5;
`,
  },
  // Billing and events (issue 13, second round) are numbered from 20.
  {
    version: 20,
    name: 'event retention: the highest event id pruned per job',
    sql: `
alter table jobs add column events_pruned_through bigint not null default 0;
`,
  },
];

/** Applies the migrations not yet applied, all in one transaction. On PostgreSQL a
 * transaction-scoped advisory lock serialises replicas starting at the same time. Returns the
 * versions applied. */
export async function migrate(sql: Sql): Promise<number[]> {
  return sql.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.query('select pg_advisory_xact_lock(741002)');
    await tx.query('create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())');
    const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
