// The HTTP API's routes: one table of method, path, who may call it, the zod schemas of its
// body and query, and its handler. The router (app.ts) and the OpenAPI document (openapi.ts)
// are both built from this table.
import { z } from 'zod';
import { InputError, issue } from '../../common/errors.js';
import { parseOrThrow } from '../../common/zod-issues.js';
import { decimalUsd, usdToMicros } from '../../service/billing/money.js';
import { InvoiceRequestSchema, JobSpecSchema, ListJobsQuerySchema, TenantCreateSchema, TenantPatchSchema, TileHealthSchema, UsageQuerySchema } from '../../service/api/job-spec.js';
import { entryView, eventView, invoiceView, jobView, tenantView, totalsView } from '../../service/api/views.js';
import { isTerminal, JOB_STATES, type JobState } from '../../service/scheduler/job-states.js';
import type { Store } from '../../service/store/store.js';
import { newKey, type Principal } from './auth.js';
import type { Ctx, Deps, Route } from './types.js';
import { KEY_ROUTES } from './key-routes.js';
import { resumeAfter } from './last-event-id.js';
import { scanYaml } from './parse-limits.js';
import { HttpProblem, sendJson } from './problem.js';
import { streamEvents } from './sse.js';

export type { Ctx, Deps, Route };

const scopeOf = (p: Principal | null) => (p?.role === 'admin' ? null : p!.tenantId!);
const notFound = (what: string) => new HttpProblem(404, 'Not Found', `no ${what}`);

function queryObject(q: URLSearchParams): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of q) o[k] = v;
  return o;
}

function parseQuery<S extends z.ZodType>(schema: S, q: URLSearchParams): z.output<S> {
  return parseOrThrow(schema, queryObject(q), 'query');
}

export const ROUTES: Route[] = [
  {
    method: 'GET', path: '/health', summary: 'Liveness and readiness: 200 when the server can take requests', tag: 'ops', auth: 'none',
    responses: { '200': 'Ready', '503': 'Starting, shutting down, or the database not answering its probe' },
    handle: async ({ res }, d) => {
      if (!d.ready() || d.shuttingDown()) return sendJson(res, 503, { status: d.shuttingDown() ? 'shutting-down' : 'starting' });
      const db = d.database();
      if (!db.ok) return sendJson(res, 503, { status: 'database-unavailable', problem: db.problem });
      sendJson(res, 200, { status: 'ok', leader: d.controller.isLeader, virtualNow: d.controller.now() });
    },
  },
  {
    method: 'GET', path: '/ready', summary: 'Readiness alone (same as /health, for orchestrators that probe both)', tag: 'ops', auth: 'none',
    responses: { '200': 'Ready', '503': 'Not ready' },
    handle: async ({ res }, d) => sendJson(res, d.ready() && !d.shuttingDown() ? 200 : 503, { ready: d.ready() && !d.shuttingDown() }),
  },
  {
    method: 'GET', path: '/docs/openapi.json', summary: 'This API as an OpenAPI 3.1 document', tag: 'ops', auth: 'none',
    responses: { '200': 'The document' },
    handle: async ({ res }, d) => sendJson(res, 200, d.openapi()),
  },
  {
    method: 'GET', path: '/v1/me', summary: 'Who the API key belongs to', tag: 'tenants', auth: 'any',
    responses: { '200': 'Role and tenant' },
    handle: async ({ res, principal }, d) => {
      const tenant = principal!.tenantId ? await d.store.getTenant(principal!.tenantId) : undefined;
      sendJson(res, 200, { role: principal!.role, keyId: principal!.keyId, tenant: tenant ? tenantView(tenant) : null });
    },
  },
  {
    method: 'POST', path: '/v1/tenants', summary: 'Create a tenant and its first API key (printed once)', tag: 'tenants', auth: 'admin', body: TenantCreateSchema,
    responses: { '201': 'The tenant and its key', '409': 'Name taken' },
    handle: async ({ res, body }, d) => {
      const t = parseOrThrow(TenantCreateSchema, body, 'tenant');
      if (await d.store.tenantByName(t.name)) throw new HttpProblem(409, 'Conflict', `tenant name "${t.name}" is taken`, [issue('name', 'is taken')]);
      const tenant = await d.store.createTenant({ id: `ten_${newKey().id}`, name: t.name, maxTiles: t.maxTiles ?? null, maxGpus: t.maxGpus ?? null, budgetMicros: t.budgetUsd === undefined || t.budgetUsd === null ? null : usdToMicros(Math.round(t.budgetUsd * 1e6) / 1e6, 'budgetUsd'), weight: t.weight, ...(t.maxPriority !== undefined ? { maxPriority: t.maxPriority } : {}) });
      const key = newKey();
      await d.store.createApiKey({ id: key.id, tenantId: tenant.id, role: 'tenant', secretSha256: key.sha256, label: 'first key' });
      sendJson(res, 201, { tenant: tenantView(tenant), apiKey: key.token });
    },
  },
  {
    method: 'GET', path: '/v1/tenants', summary: 'List tenants', tag: 'tenants', auth: 'admin',
    responses: { '200': 'Tenants' },
    handle: async ({ res }, d) => sendJson(res, 200, { tenants: (await d.store.listTenants()).map(tenantView) }),
  },
  {
    method: 'PATCH', path: '/v1/tenants/{id}', summary: 'Change a tenant’s quotas, budget or fair-share weight', tag: 'tenants', auth: 'admin', body: TenantPatchSchema,
    responses: { '200': 'The tenant', '404': 'No such tenant' },
    handle: async ({ res, body, params }, d) => {
      const p = parseOrThrow(TenantPatchSchema, body, 'tenant');
      const patch: Parameters<Store['updateTenant']>[1] = {};
      if (p.maxTiles !== undefined) patch.maxTiles = p.maxTiles;
      if (p.maxGpus !== undefined) patch.maxGpus = p.maxGpus;
      if (p.budgetUsd !== undefined) patch.budgetMicros = p.budgetUsd === null ? null : usdToMicros(Math.round(p.budgetUsd * 1e6) / 1e6, 'budgetUsd');
      if (p.weight !== undefined) patch.weight = p.weight;
      if (p.maxPriority !== undefined) patch.maxPriority = p.maxPriority;
      const t = await d.store.updateTenant(params.id!, patch);
      if (!t) throw notFound('such tenant');
      sendJson(res, 200, { tenant: tenantView(t) });
    },
  },
  {
    method: 'POST', path: '/v1/tenants/{id}/keys', summary: 'Create another API key for a tenant (printed once)', tag: 'tenants', auth: 'admin',
    responses: { '201': 'The key', '404': 'No such tenant' },
    handle: async ({ res, params }, d) => {
      if (!(await d.store.getTenant(params.id!))) throw notFound('such tenant');
      const key = newKey();
      await d.store.createApiKey({ id: key.id, tenantId: params.id!, role: 'tenant', secretSha256: key.sha256, label: null });
      sendJson(res, 201, { apiKey: key.token, keyId: key.id });
    },
  },
  {
    method: 'POST', path: '/v1/jobs', summary: 'Submit a training job (an Idempotency-Key header makes retries safe)', tag: 'jobs', auth: 'any', body: JobSpecSchema,
    responses: { '201': 'Accepted and durably recorded', '200': 'Replay of an earlier submission with the same Idempotency-Key', '422': 'Invalid spec (fields named)' },
    handle: async ({ req, res, body, principal }, d) => {
      if (principal!.role === 'admin') throw new HttpProblem(403, 'Forbidden', 'jobs belong to tenants: submit with a tenant key');
      const key = req.headers['idempotency-key'];
      const idem = typeof key === 'string' ? key : null;
      if (idem !== null && !/^[\w.:-]{1,100}$/.test(idem)) throw new HttpProblem(400, 'Bad Request', 'invalid Idempotency-Key', [issue('Idempotency-Key', 'must be 1–100 characters of letters, digits, `.`, `_`, `:` and `-`')]);
      const scenario = (body as { scenario?: unknown } | null)?.scenario;
      if (typeof scenario === 'string') {
        const tooBig = scanYaml(scenario, 'scenario');
        if (tooBig.length) throw new InputError('job', tooBig);
      }
      // A client that hangs up while its job is priced frees the engine worker (issue 13.2): the
      // response closing before it was written aborts the pricing.
      const gone = new AbortController();
      res.once('close', () => {
        if (!res.writableEnded) gone.abort();
      });
      let submitted;
      try {
        submitted = await d.controller.submit(principal!.tenantId!, body, idem, gone.signal);
      } catch (e) {
        if (!gone.signal.aborted) throw e;
        res.statusCode = 499; // nginx's "client closed request", for the request log only: nobody reads it
        return;
      }
      const { job, created } = submitted;
      sendJson(res, created ? 201 : 200, jobView(job, d.controller.now()), { location: `/v1/jobs/${job.id}` });
    },
  },
  {
    method: 'GET', path: '/v1/jobs', summary: 'List jobs, newest first (a tenant sees only its own)', tag: 'jobs', auth: 'any', query: ListJobsQuerySchema,
    responses: { '200': 'A page of jobs and the cursor for the next' },
    handle: async ({ res, query, principal }, d) => {
      const q = parseQuery(ListJobsQuerySchema, query);
      const states = q.state?.split(',') ?? [];
      const bad = states.find((s) => !(JOB_STATES as readonly string[]).includes(s));
      if (bad) throw new InputError('query', [issue('state', `unknown state "${bad}"; allowed: ${JOB_STATES.join(', ')}`)]);
      const jobs = await d.store.listJobs(scopeOf(principal), { states: states as JobState[], limit: q.limit, ...(q.before !== undefined ? { beforeSeq: q.before } : {}) });
      const now = d.controller.now();
      sendJson(res, 200, { jobs: jobs.map((j) => jobView(j, now)), next: jobs.length === q.limit ? jobs[jobs.length - 1]!.seq : null, counts: await d.store.jobCounts(scopeOf(principal)) });
    },
  },
  {
    method: 'GET', path: '/v1/jobs/{id}', summary: 'A job: state, reasons, progress and ETA, prediction, accounting', tag: 'jobs', auth: 'any',
    responses: { '200': 'The job', '404': 'No such job for this tenant' },
    handle: async ({ res, params, principal }, d) => {
      const job = await d.store.job(scopeOf(principal), params.id!);
      if (!job) throw notFound('such job');
      sendJson(res, 200, jobView(job, d.controller.now()));
    },
  },
  {
    method: 'POST', path: '/v1/jobs/{id}/cancel', summary: 'Cancel a job (idempotent)', tag: 'jobs', auth: 'any',
    responses: { '200': 'The job after the cancel', '202': 'Cancel requested (this replica does not schedule)', '404': 'No such job for this tenant' },
    handle: async ({ res, params, principal }, d) => {
      const job = await d.controller.cancel(scopeOf(principal), params.id!);
      if (!job) throw notFound('such job');
      sendJson(res, isTerminal(job.state) ? 200 : 202, jobView(job, d.controller.now()));
    },
  },
  {
    method: 'GET', path: '/v1/jobs/{id}/events', summary: 'A job’s events: JSON (after=N), or a live Server-Sent Events stream with Accept: text/event-stream (resumes from Last-Event-ID)', tag: 'jobs', auth: 'any',
    query: z.object({ after: z.coerce.number().int().min(0).default(0) }).strict(),
    responses: { '200': 'Events (state transitions with reasons, pending reasons, starts, checkpoints, progress, failures, completion)', '400': 'Malformed Last-Event-ID', '404': 'No such job for this tenant', '429': 'Too many open streams (Retry-After)' },
    handle: async (ctx, d) => {
      const { after } = parseQuery(z.object({ after: z.coerce.number().int().min(0).default(0) }).strict(), ctx.query);
      const scope = scopeOf(ctx.principal);
      const job = await d.store.job(scope, ctx.params.id!);
      if (!job) throw notFound('such job');
      if (String(ctx.req.headers.accept ?? '').includes('text/event-stream')) {
        const from = resumeAfter(ctx.req.headers['last-event-id'], after);
        const release = d.streams.acquire(ctx.principal!.tenantId ?? 'admin');
        return streamEvents(ctx, d, scope, job.id, from, release);
      }
      const events = await d.store.events(scope, job.id, after);
      sendJson(ctx.res, 200, { events: events.map(eventView), next: events.length ? events[events.length - 1]!.id : after });
    },
  },
  {
    method: 'GET', path: '/v1/usage', summary: 'Billed usage in a period: totals by kind and the entries', tag: 'billing', auth: 'any', query: UsageQuerySchema,
    responses: { '200': 'Usage' },
    handle: async ({ res, query, principal }, d) => {
      const q = parseQuery(UsageQuerySchema, query);
      const tenant = principal!.role === 'admin' ? q.tenant : principal!.tenantId!;
      if (!tenant) throw new InputError('query', [issue('tenant', 'the admin must name a tenant')]);
      if (principal!.role !== 'admin' && q.tenant !== undefined && q.tenant !== tenant) throw notFound('such tenant');
      await d.ledger.sync();
      const current = d.ledger.periodAt(d.controller.now());
      const period = q.period === undefined ? current : d.ledger.ledger.period(q.period);
      const entries = d.ledger.ledger.entries().filter((e) => e.tenantId === tenant && e.periodStart === period.start);
      sendJson(res, 200, { tenant, period, currentPeriod: current.index, totals: totalsView(d.ledger.ledger.totals(tenant, period)), spentUsd: decimalUsd(d.ledger.spentMicros(tenant)), entries: entries.map(entryView) });
    },
  },
  {
    method: 'GET', path: '/v1/invoices', summary: 'Issued invoices', tag: 'billing', auth: 'any', query: UsageQuerySchema.pick({ tenant: true }),
    responses: { '200': 'Invoices' },
    handle: async ({ res, query, principal }, d) => {
      const q = parseQuery(UsageQuerySchema.pick({ tenant: true }), query);
      const tenant = principal!.role === 'admin' ? q.tenant : principal!.tenantId!;
      if (!tenant) throw new InputError('query', [issue('tenant', 'the admin must name a tenant')]);
      await d.ledger.sync();
      sendJson(res, 200, { invoices: d.ledger.invoices(tenant).map(invoiceView) });
    },
  },
  {
    method: 'POST', path: '/v1/invoices', summary: 'Issue a tenant’s invoice for a closed period (idempotent; later usage becomes an adjustment)', tag: 'billing', auth: 'admin', body: InvoiceRequestSchema,
    responses: { '201': 'The invoice', '422': 'The period is not closed yet' },
    handle: async ({ res, body }, d) => {
      const r = parseOrThrow(InvoiceRequestSchema, body, 'invoice');
      if (!(await d.store.getTenant(r.tenant))) throw notFound('such tenant');
      const period = d.ledger.ledger.period(r.period);
      const nowMs = Math.floor(d.controller.now() * 1000);
      if (period.end > nowMs) throw new InputError('invoice', [issue('period', `period ${r.period} ends at virtual ${period.end / 1000} s, after now (${nowMs / 1000} s)`)]);
      await d.store.appendLedgerOp({ idempotencyKey: `invoice:${r.tenant}:${r.period}`, tenantId: r.tenant, kind: 'invoice', payload: { period: r.period, issuedAtMs: nowMs } });
      await d.ledger.sync();
      sendJson(res, 201, invoiceView(d.ledger.ledger.invoice(r.tenant, period)));
    },
  },
  {
    method: 'GET', path: '/v1/pools', summary: 'Pools, their grids and which slots are busy (a tenant sees its own job ids only)', tag: 'pools', auth: 'any',
    responses: { '200': 'Pools' },
    handle: async ({ res, principal }, d) => {
      const pools = [];
      const mine = principal!.role === 'admin' ? null : new Set((await d.store.listJobs(principal!.tenantId!, { states: ['running'], limit: 500 })).map((j) => j.id));
      for (const p of d.controller.pools) {
        const g = d.controller.grid(p.name);
        const owners = g?.owners.map((o) => (o === null ? null : mine === null || mine.has(o) ? o : 'busy')) ?? null;
        pools.push({ ...p, grid: g ? { rows: g.rows, cols: g.cols, owners, unhealthy: g.unhealthy } : null });
      }
      sendJson(res, 200, { pools, virtualNow: d.controller.now() });
    },
  },
  {
    method: 'POST', path: '/v1/pools/{pool}/tiles/{row}/{col}/health', summary: 'Fault injection: mark a tile (slot) failed or repaired; the job on a failed tile restarts from its last checkpoint elsewhere', tag: 'pools', auth: 'admin', body: TileHealthSchema,
    responses: { '200': 'Done; names the evicted job' },
    handle: async ({ res, params, body }, d) => {
      const b = parseOrThrow(TileHealthSchema, body, 'tile');
      const r = await d.controller.setTileHealth(params.pool!, Number(params.row), Number(params.col), b.healthy);
      sendJson(res, 200, r);
    },
  },
  ...KEY_ROUTES,
];

