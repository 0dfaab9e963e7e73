// The CLI client of the training service (docs/api.md): submit, jobs, job, cancel, usage,
// invoices and tenants, over HTTP with the key from --api-key, OPENDOJO_API_KEY or the config
// file. The server's 4xx answers become InputErrors (exit 2, fields listed); a job followed to
// failure or cancellation exits 1.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { InputError, issue } from '../../common/errors.js';
import type { InvoiceView, JobList, JobView, TenantCreated, TenantView, UsageView } from '../client/api-types.js';
import { processSources, resolveConfig, type ConnectionFlags } from '../client/config.js';
import { followJob, type Followed } from '../client/follow.js';
import { ApiClient, ApiError } from '../client/http-client.js';
import * as r from '../client/render.js';
import { buildJobSpec, type SubmitFlags } from '../client/submit-spec.js';
import * as f from '../format.js';
import { readDataFile } from '../read-file.js';
import { parseIntFlag, parsePositiveFlag } from './service-flags.js';

interface Common extends ConnectionFlags {
  json?: boolean;
}

/** Adds the connection flags and --json to a client command. */
function clientCommand(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'service URL (else $OPENDOJO_SERVER, else the config file)')
    .option('--api-key <key>', 'API key (else $OPENDOJO_API_KEY, else the config file)')
    .option('--config <file>', 'JSON config file with {"server", "apiKey"} (else $OPENDOJO_CONFIG, else ~/.config/opendojo/config.json)')
    .option('--json', 'print the raw JSON');
}

function connect(opts: ConnectionFlags): ApiClient {
  const c = resolveConfig(processSources({ server: opts.server, apiKey: opts.apiKey, config: opts.config }));
  return new ApiClient({ server: c.server, apiKey: c.apiKey });
}

/** Runs an action, turning the server's refusals (4xx but 429) into input errors (exit 2). */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) {
        const p = e.problem;
        const issues = e.issues.length ? e.issues.map((i) => issue(i.field, i.message)) : [issue('', p.detail ?? p.title ?? `HTTP ${e.status}`)];
        throw new InputError(`${e.method} ${e.path} → ${[e.status, p.title].filter(Boolean).join(' ')}${e.issues.length && p.detail ? ` (${p.detail})` : ''}`, issues);
      }
      throw e;
    }
  };
}

const positiveNumber = (flag: string) => (v: string) => parsePositiveFlag(v, flag);
const intIn = (flag: string, min: number, max: number) => (v: string) => parseIntFlag(v, flag, min, max);
const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

/** A tenant given by id (ten_…) or, for the admin, by name. */
async function tenantId(client: ApiClient, t: string): Promise<string> {
  if (t.startsWith('ten_')) return t;
  const { tenants } = await client.get<{ tenants: TenantView[] }>('/v1/tenants');
  const hit = tenants.find((x) => x.name === t);
  if (!hit) throw new InputError('--tenant', [issue('tenant', `no tenant named "${t}"; tenants: ${tenants.map((x) => x.name).join(', ') || '(none)'}`)]);
  return hit.id;
}

function readSpecFile(file: string): { origin: string; doc: unknown } {
  if (file !== '-') return { origin: file, doc: readDataFile(file) };
  try {
    return { origin: 'stdin', doc: YAML.parse(readFileSync(0, 'utf8')) };
  } catch (e) {
    throw new InputError('stdin', [issue('', `not a YAML/JSON job spec: ${(e as Error).message.split('\n')[0]}`)]);
  }
}

/** Follows a job to its end; text and exit code (0 succeeded, 1 failed or cancelled) for emit. */
async function follow(client: ApiClient, job: JobView, asJson: boolean, emit: f.Emit, prefix = ''): Promise<void> {
  const tty = process.stdout.isTTY === true;
  if (prefix && !asJson) process.stdout.write(`${prefix}\n`);
  const done: Followed = await followJob(client, job, { write: (s) => process.stdout.write(s), tty, quiet: asJson, warn: (s) => process.stderr.write(s) });
  const j = done.job;
  const a = (j.accounting ?? {}) as Record<string, number>;
  const ok = j.state === 'succeeded';
  const text = () =>
    `job ${j.id} ${j.state}${j.finishedAt !== null ? ` at ${r.elapsed(j.finishedAt - j.submittedAt)} virtual` : ''}: step ${f.int(j.progress.step)}/${f.int(j.progress.totalSteps)}, goodput ${f.percent(a.goodput ?? 1)}${a.failures ? `, ${a.failures} failures` : ''}${a.preemptions ? `, ${a.preemptions} preemptions` : ''}`;
  emit({ json: done, text, exitCode: ok ? 0 : 1 }, asJson);
}

export function registerClient(program: Command, emit: f.Emit): void {
  clientCommand(program.command('submit [file]'))
    .description('Submit a training job to the service: a job spec FILE (YAML or JSON, - for stdin) and/or flags; prints the id, state, placement, predicted run time and bill')
    .option('--name <name>', 'a label for people')
    .option('--model <name>', 'model preset (see `opendojo models`)')
    .option('--steps <n>', 'optimizer steps', f.positiveInt('--steps'))
    .option('--tokens <n>', 'training tokens', positiveNumber('tokens'))
    .option('--samples <n>', 'training samples', positiveNumber('samples'))
    .option('--tiles <n>', 'tiles (any rectangle of this area)', f.positiveInt('--tiles'))
    .option('--shape <RxC>', 'an exact rectangle of tiles, e.g. 2x3')
    .option('--gpus <n>', 'GPUs on a GPU pool (with --pool)', f.positiveInt('--gpus'))
    .option('--pool <name>', 'pool: exapod (default) or h100')
    .option('--plan <auto>', 'auto: the planner picks the fastest plan that fits')
    .option('--priority <n>', 'priority class 0–9 (higher may preempt lower)', intIn('priority', 0, 9))
    .option('--checkpoint-steps <n>', 'checkpoint every N steps', f.positiveInt('--checkpoint-steps'))
    .option('--checkpoint-seconds <s>', 'checkpoint every S seconds of (virtual) run time', positiveNumber('checkpoint-seconds'))
    .option('--max-budget <usd>', 'refuse the job if its predicted bill is over this', positiveNumber('max-budget'))
    .option('--idempotency-key <key>', 'makes a retried submission return the first job instead of a second one')
    .option('--follow', 'then follow the job like `opendojo job ID --follow`')
    .addHelpText('after', f.helpExamples([
      ['opendojo submit --model gpt3-1.7b --steps 2000 --tiles 6 --name "gpt small"', 'a small GPT on six Dojo tiles'],
      ['opendojo submit job.yaml --priority 5 --follow', 'a spec file with a flag laid over it, followed to the end'],
      ['opendojo submit --model llama3-8b --tokens 1e9 --pool h100 --gpus 16', 'on the H100 pool'],
    ]))
    .action(action(async (file: string | undefined, opts: Common & SubmitFlags & { idempotencyKey?: string; follow?: boolean }) => {
      const spec = buildJobSpec(opts, file !== undefined ? readSpecFile(file) : undefined);
      const client = connect(opts);
      const res = await client.post<JobView>('/v1/jobs', spec, opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {});
      const job = res.body;
      const summary = () => r.renderSubmitted(job, res.status === 200);
      if (opts.follow) return follow(client, job, opts.json === true, emit, summary());
      emit({ json: job, text: summary }, opts.json === true);
    }));

  clientCommand(program.command('jobs'))
    .description('List your jobs (all jobs with an admin key), newest first')
    .option('--state <states>', 'only these states, comma-separated (queued, running, succeeded, …)')
    .option('--limit <n>', 'at most N jobs', intIn('limit', 1, 500), 50)
    .addHelpText('after', f.helpExamples([['opendojo jobs', 'the latest 50 jobs'], ['opendojo jobs --state queued,running --limit 10', 'what is waiting or running']]))
    .action(action(async (opts: Common & { state?: string; limit: number }) => {
      const list = await connect(opts).get<JobList>('/v1/jobs', { state: opts.state, limit: opts.limit });
      emit({ json: list, text: () => r.renderJobs(list.jobs, list.counts, list.next !== null) }, opts.json === true);
    }));

  clientCommand(program.command('job <id>'))
    .description('A job: state and reasons, placement, progress and ETA, prediction and accounting; --follow streams its events until it ends (exit 0 succeeded, 1 failed or cancelled)')
    .option('--follow', 'stream events: a progress bar on a terminal, plain lines otherwise')
    .addHelpText('after', f.helpExamples([['opendojo job job_0123456789abcdef', 'details'], ['opendojo job job_0123456789abcdef --follow', 'watch it to the end']]))
    .action(action(async (id: string, opts: Common & { follow?: boolean }) => {
      const client = connect(opts);
      const job = await client.get<JobView>(jobPath(id));
      if (opts.follow) return follow(client, job, opts.json === true, emit, opts.json ? '' : r.renderJob(job));
      emit({ json: job, text: () => r.renderJob(job) }, opts.json === true);
    }));

  clientCommand(program.command('cancel <id>'))
    .description('Cancel a job (idempotent; a running job stops at once and is billed to that point)')
    .action(action(async (id: string, opts: Common) => {
      const res = await connect(opts).post<JobView>(`${jobPath(id)}/cancel`);
      const j = res.body;
      const text = () =>
        res.status === 202 ? `job ${j.id}: cancel requested (the scheduling replica stops it shortly)` : j.state === 'cancelled' ? `job ${j.id} cancelled` : `job ${j.id} had already ended: ${j.state}`;
      emit({ json: j, text }, opts.json === true);
    }));

  clientCommand(program.command('usage'))
    .description('Billed usage in a billing period: totals by kind and the ledger entries')
    .option('--tenant <tenant>', 'admin: whose usage (tenant id or name)')
    .option('--period <n>', 'billing period index (default the current one)', intIn('period', 0, 1_000_000))
    .action(action(async (opts: Common & { tenant?: string; period?: number }) => {
      const client = connect(opts);
      const u = await client.get<UsageView>('/v1/usage', { tenant: opts.tenant ? await tenantId(client, opts.tenant) : undefined, period: opts.period });
      emit({ json: u, text: () => r.renderUsage(u) }, opts.json === true);
    }));

  clientCommand(program.command('invoices'))
    .description('Issued invoices')
    .option('--tenant <tenant>', 'admin: whose invoices (tenant id or name)')
    .action(action(async (opts: Common & { tenant?: string }) => {
      const client = connect(opts);
      const out = await client.get<{ invoices: InvoiceView[] }>('/v1/invoices', { tenant: opts.tenant ? await tenantId(client, opts.tenant) : undefined });
      emit({ json: out, text: () => r.renderInvoices(out.invoices) }, opts.json === true);
    }));

  const tenants = program.command('tenants').description('Tenants and their API keys (admin key)');
  clientCommand(tenants.command('list', { isDefault: true }))
    .description('List tenants (the default)')
    .action(action(async (opts: Common) => {
      const out = await connect(opts).get<{ tenants: TenantView[] }>('/v1/tenants');
      emit({ json: out, text: () => r.renderTenants(out.tenants) }, opts.json === true);
    }));
  clientCommand(tenants.command('create <name>'))
    .description("Create a tenant and print its first API key (shown once: only its hash is stored)")
    .option('--max-tiles <n>', 'most tiles held at once', intIn('max-tiles', 0, 1_000_000))
    .option('--max-gpus <n>', 'most GPUs held at once', intIn('max-gpus', 0, 10_000_000))
    .option('--budget <usd>', 'spend limit, USD', positiveNumber('budget'))
    .option('--weight <w>', 'fair-share weight (default 1)', positiveNumber('weight'))
    .addHelpText('after', f.helpExamples([['opendojo tenants create acme --max-tiles 60 --budget 250000', 'a tenant with a quota and a budget']]))
    .action(action(async (name: string, opts: Common & { maxTiles?: number; maxGpus?: number; budget?: number; weight?: number }) => {
      const body = { name, maxTiles: opts.maxTiles, maxGpus: opts.maxGpus, budgetUsd: opts.budget, weight: opts.weight };
      const { body: created } = await connect(opts).post<TenantCreated>('/v1/tenants', body);
      emit({ json: created, text: () => `${r.renderTenant(created.tenant)}\n\nAPI key (shown once; store it now):\n${created.apiKey}` }, opts.json === true);
    }));
  clientCommand(tenants.command('keys <tenant>'))
    .description('Create another API key for a tenant (id or name) and print it once')
    .action(action(async (tenant: string, opts: Common) => {
      const client = connect(opts);
      const id = await tenantId(client, tenant);
      const { body } = await client.post<{ apiKey: string }>(`/v1/tenants/${encodeURIComponent(id)}/keys`);
      emit({ json: { tenant: id, ...body }, text: () => `new API key for ${id} (shown once; store it now):\n${body.apiKey}` }, opts.json === true);
    }));
}
