// Human renderings of the service's JSON: jobs, events, usage, invoices and tenants. Times on
// the service's clock are virtual (the server runs faster than the wall clock; docs/api.md),
// so they are labelled as such; wall-clock stamps are the server's createdAt.
import * as f from '../format.js';
import type { Plan } from '../../planner/plan.js';
import type { EventView, InvoiceView, JobView, TenantView, UsageView } from './api-types.js';

/** Why a waiting job has not started, in the scheduler's terms (docs/scheduler.md). */
export const PENDING_REASONS: Record<string, string> = {
  quota: "the tenant's tile/GPU quota is held by its other jobs",
  budget: "starting it would take the tenant over its budget",
  capacity: 'not enough free healthy tiles (or nodes) in the pool',
  fragmentation: 'enough free tiles, but no free rectangle of the shape it needs',
  reservation: "it fits now, but would delay the head job's reservation (EASY backfill)",
  'queue-order': 'a job ahead of it is blocked',
};

/** "50000.500000" (the API's money: decimal strings of dollars, docs/api.md "Money") → 50000.5,
 * for display only; anything else (a server that breaks the rule) is NaN. */
export const usdNumber = (s: string): number => (/^-?\d+\.\d+$/.test(s) ? Number(s) : NaN);
/** API money for people: "$" and rounding happen here, never on the wire; a malformed amount is shown as sent. */
const money = (s: string) => (Number.isNaN(usdNumber(s)) ? s : f.usd(usdNumber(s)));

const pad2 = (n: number) => String(Math.floor(n)).padStart(2, '0');

/** Virtual seconds since the job's submission as "+H:MM:SS" ("+3d 04:05:06" past a day). */
export function elapsed(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const hms = `${Math.floor((s % 86400) / 3600)}:${pad2((s % 3600) / 60)}:${pad2(s % 60)}`;
  return d ? `+${d}d ${hms.padStart(8, '0')}` : `+${hms}`;
}

/** A point on the service's virtual clock: "day 1, 20:02:24". */
export function virtualAt(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `day ${Math.floor(s / 86400)}, ${pad2((s % 86400) / 3600)}:${pad2((s % 3600) / 60)}:${pad2(s % 60)}`;
}

const wallAt = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')}Z`;

export function stateText(j: Pick<JobView, 'state' | 'pendingReason' | 'cancelRequested'>): string {
  if (j.pendingReason) return `${j.state} (${j.pendingReason})`;
  return j.cancelRequested ? `${j.state} (cancel requested)` : j.state;
}

export function placementText(j: JobView): string {
  const r = j.resources;
  const where = r.rect ? `, ${r.rect.rows}×${r.rect.cols} at row ${r.rect.row}, col ${r.rect.col}` : '';
  const slots = r.slots !== r.devices ? ` on ${r.slots} slots` : '';
  return `${r.pool}: ${f.int(r.devices)} devices${slots}${where}`;
}

function planText(j: JobView): string | undefined {
  const p = j.prediction.plan as Plan | undefined;
  if (!p || typeof p !== 'object' || typeof p.tp !== 'number') return undefined;
  const mfu = j.prediction.mfu !== undefined ? ` (MFU ${f.percent(j.prediction.mfu)})` : '';
  return `${f.compactPlan(p)}${mfu}`;
}

const predictionText = (j: JobView) =>
  `${f.duration(j.prediction.runSeconds)} virtual (${f.int(j.prediction.totalSteps)} steps × ${f.seconds(j.prediction.stepTimeSeconds)}), bill ${money(j.prediction.billUsd)}`;

/** After a submission: id, state, placement, predicted run time and bill. */
export function renderSubmitted(j: JobView, replay: boolean): string {
  const pairs: [string, string][] = [
    ['state', `${stateText(j)}${j.pendingReason ? ` — ${PENDING_REASONS[j.pendingReason] ?? ''}` : ''}`],
    ['placement', j.resources.rect ? placementText(j) : `${j.resources.pool}: ${f.int(j.resources.devices)} devices, not placed yet`],
    ['predicted run', predictionText(j)],
  ];
  const plan = planText(j);
  if (plan) pairs.push(['plan', plan]);
  const head = `job ${j.id}${j.name ? ` "${j.name}"` : ''} ${replay ? 'was already submitted with this idempotency key' : 'submitted'}`;
  return `${head}\n${f.fields(pairs)}`;
}

export function renderJob(j: JobView): string {
  const p = j.progress;
  const a = (j.accounting ?? {}) as Record<string, number>;
  const pairs: [string, string][] = [
    ['tenant', j.tenant],
    ['state', `${j.state} (${j.stateReason})${j.cancelRequested ? ', cancel requested' : ''}`],
  ];
  if (j.pendingReason) pairs.push(['pending', `${j.pendingReason}: ${PENDING_REASONS[j.pendingReason] ?? ''}`]);
  pairs.push(
    ['priority', String(j.priority)],
    ['placement', placementText(j)],
    ['progress', `${f.percent(p.fraction)}, step ${f.int(p.step)}/${f.int(p.totalSteps)} (checkpointed ${f.int(p.durableStep)}), attempt ${p.attempt}, ${p.restarts} restart${p.restarts === 1 ? '' : 's'}`],
  );
  if (p.etaSeconds !== null) pairs.push(['ETA', `${f.duration(p.etaSeconds)} virtual`]);
  pairs.push(['predicted', predictionText(j)]);
  const plan = planText(j);
  if (plan) pairs.push(['plan', plan]);
  if (j.accounting) {
    const lost = a.lostStepSeconds ? `, ${f.duration(a.lostStepSeconds)} of compute lost` : '';
    pairs.push(['accounting', `goodput ${f.percent(a.goodput ?? 1)}, ${a.failures ?? 0} failures, ${a.preemptions ?? 0} preemptions${lost}`]);
  }
  pairs.push(['submitted', `${wallAt(j.createdAt)} (virtual ${virtualAt(j.submittedAt)})`]);
  if (j.finishedAt !== null) pairs.push(['finished', `virtual ${virtualAt(j.finishedAt)} (${elapsed(j.finishedAt - j.submittedAt)} after submission)`]);
  return `job ${j.id}${j.name ? ` "${j.name}"` : ''}\n${f.fields(pairs)}`;
}

export function renderJobs(jobs: JobView[], counts: Record<string, number>, more: boolean): string {
  if (!jobs.length) return 'no jobs';
  const rows = jobs.map((j) => [j.id, j.name ?? '', stateText(j), `${j.resources.pool}/${j.resources.devices}`, f.percent(j.progress.fraction, 0), wallAt(j.createdAt)]);
  const table = f.table([{ header: 'id' }, { header: 'name' }, { header: 'state' }, { header: 'pool/devices' }, { header: 'progress', align: 'right' }, { header: 'submitted' }], rows);
  const totals = Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ');
  return `${table}\n\n${totals ? `all jobs: ${totals}` : ''}${more ? `\n(more: raise --limit)` : ''}`;
}

/** One line for an event of a job's stream; undefined for events only a progress bar shows. */
export function eventLine(e: EventView, submittedAt: number, totalSteps: number): string | undefined {
  const d = e as Record<string, unknown>;
  const step = typeof d.step === 'number' ? `step ${f.int(d.step)}/${f.int(totalSteps)}` : '';
  const at = elapsed(e.at - submittedAt).padEnd(9);
  const text = (() => {
    switch (e.kind) {
      case 'state': {
        const rect = d.rect as { row: number; col: number; rows: number; cols: number } | undefined;
        const where = rect ? ` on ${rect.rows}×${rect.cols} at row ${rect.row}, col ${rect.col}${d.backfilled ? ' (backfilled)' : ''}` : '';
        return `state ${String(d.state)} (${String(d.reason)})${where}`;
      }
      case 'pending':
        return d.reason ? `pending: ${String(d.reason)} — ${PENDING_REASONS[String(d.reason)] ?? ''}` : 'no longer pending';
      case 'started':
        return `run started, attempt ${String(d.attempt)}, ${step}`;
      case 'progress':
        return `progress ${step}`;
      case 'checkpointed':
        return `checkpoint written at ${step}`;
      case 'failed':
        return `run failed at ${step}; resumes from step ${f.int(Number(d.durableStep))}${typeof d.lostStepSeconds === 'number' ? ` (${f.duration(d.lostStepSeconds)} of compute lost)` : ''}`;
      case 'preempted':
        return `preempted at ${step} (checkpointed)`;
      case 'restarted':
        return `restarted, attempt ${String(d.attempt)}, from ${step}`;
      case 'succeeded':
        return `run finished, ${step}`;
      case 'cancelled':
        return `run cancelled at ${step}`;
      default:
        return `${e.kind} ${JSON.stringify(d)}`;
    }
  })();
  return `${at} ${text}`;
}

export function renderUsage(u: UsageView): string {
  const days = (ms: number) => (Number.isInteger(ms / 86_400_000) ? String(ms / 86_400_000) : f.num(ms / 86_400_000));
  const kinds = Object.entries(u.totals.byKind).map(([k, v]): [string, string] => [k, money(v)]);
  kinds.push(['total', `${money(u.totals.amountUsd)} (${u.totals.entryCount} entries; spent to date ${money(u.spentUsd)})`]);
  const head = `usage of ${u.tenant}, period ${u.period.index} (virtual days ${days(u.period.start)}–${days(u.period.end)}${u.period.index === u.currentPeriod ? ', current' : ''})`;
  if (!u.entries.length) return `${head}\n${f.fields(kinds)}`;
  const rows = u.entries.map((e) => [e.jobId ?? '', e.kind, e.resource, quantityText(e.quantity, e.unit), money(e.amountUsd)]);
  const table = f.table([{ header: 'job' }, { header: 'kind' }, { header: 'resource' }, { header: 'quantity', align: 'right' }, { header: 'amount', align: 'right' }], rows, '  ');
  return `${head}\n${f.fields(kinds)}\n\n${table}`;
}

/** Ledger units (docs/billing.md) shown in the units prices are quoted in. */
const UNIT_DISPLAY: Record<string, [number, string]> = {
  'milli-device-seconds': [3_600_000, 'device-h'],
  joules: [3_600_000, 'kWh'],
  'milli-GB-seconds': [2_592_000_000, 'GB-month'],
};

function quantityText(q: string, unit: string): string {
  const d = UNIT_DISPLAY[unit];
  return d ? `${f.num(Number(q) / d[0])} ${d[1]}` : `${q} ${unit}`;
}

export function renderInvoices(list: InvoiceView[]): string {
  if (!list.length) return 'no invoices yet (an admin issues them for closed periods: POST /v1/invoices)';
  const rows = list.map((i) => [i.id, String(i.period.index), String(i.lines.length), money(i.subtotalUsd), money(i.discountUsd), money(i.minimumTopUpUsd), money(i.totalUsd)]);
  const right = (header: string) => ({ header, align: 'right' as const });
  return f.table([{ header: 'invoice' }, right('period'), right('lines'), right('subtotal'), right('discount'), right('minimum'), right('total')], rows);
}

export function renderTenants(list: TenantView[]): string {
  if (!list.length) return 'no tenants';
  const limit = (n: number | null) => (n === null ? '-' : f.int(n));
  const rows = list.map((t) => [t.id, t.name, limit(t.maxTiles), limit(t.maxGpus), t.budgetUsd === null ? '-' : money(t.budgetUsd), String(t.weight), wallAt(t.createdAt)]);
  const right = (header: string) => ({ header, align: 'right' as const });
  return f.table([{ header: 'id' }, { header: 'name' }, right('max tiles'), right('max GPUs'), right('budget'), right('weight'), { header: 'created' }], rows);
}

export function renderTenant(t: TenantView): string {
  const limit = (n: number | null) => (n === null ? 'no limit' : f.int(n));
  return `tenant ${t.name} (${t.id})\n${f.fields([
    ['max tiles', limit(t.maxTiles)],
    ['max GPUs', limit(t.maxGpus)],
    ['budget', t.budgetUsd === null ? 'no limit' : money(t.budgetUsd)],
    ['weight', String(t.weight)],
  ])}`;
}
