// The JSON the API returns for jobs, tenants and usage. Progress is computed at read time from
// the last durable report: the step advances with virtual time at the predicted step rate, up
// to the next checkpoint boundary (what a run host that is still alive must have reached).
import { decimalUsd } from '../billing/money.js';
import type { Invoice, LedgerEntry, Totals } from '../billing/ledger.js';
import { isTerminal } from '../scheduler/job-states.js';
import type { JobEventRow, JobRow, TenantRow } from '../store/store.js';

// Every money field in every view is a decimal string of dollars named `…Usd` (docs/api.md,
// "Money"): exact for the ledger's bigint micro-dollars, never "$…" (that is for the CLI's humans).
const usd = (micros: bigint) => decimalUsd(micros, 6);

/** The run host's accounting with its engine cost estimate (a float of dollars) as API money. */
function accountingView(a: Record<string, unknown> | null): Record<string, unknown> | null {
  if (a === null || typeof a.costUsd !== 'number') return a;
  return { ...a, costUsd: usd(BigInt(Math.round(a.costUsd * 1e6))) };
}

export function liveStep(job: JobRow, now: number): number {
  const p = job.profile;
  if (job.state === 'succeeded') return p.totalSteps;
  if (job.state !== 'running' || job.stepAt === null) return job.step;
  const advanced = job.step + Math.floor(Math.max(0, now - job.stepAt) / p.stepTimeSeconds);
  const boundary = Math.min(p.totalSteps, (Math.floor(job.durableStep / p.checkpointIntervalSteps) + 1) * p.checkpointIntervalSteps);
  return Math.min(advanced, Math.max(boundary, job.step), p.totalSteps);
}

export function jobView(job: JobRow, now: number) {
  const p = job.profile;
  const step = liveStep(job, now);
  const remainingSteps = p.totalSteps - step;
  const remainingCheckpoints = Math.max(0, Math.ceil((p.totalSteps - job.durableStep) / p.checkpointIntervalSteps) - 1);
  const etaSeconds = job.state === 'running' ? remainingSteps * p.stepTimeSeconds + remainingCheckpoints * p.checkpointWriteSeconds : null;
  const spec = job.spec;
  return {
    id: job.id,
    name: job.name,
    tenant: job.tenantId,
    state: job.state,
    stateReason: job.stateReason,
    pendingReason: job.pendingReason,
    cancelRequested: job.cancelRequested && !isTerminal(job.state),
    priority: job.priority,
    submittedAt: job.submittedAt,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    resources: { pool: job.pool, resource: job.resource, devices: job.devices, slots: job.slots, rect: job.rect, ...(typeof (spec.resources as Record<string, unknown>)?.shape === 'string' ? { shape: (spec.resources as Record<string, unknown>).shape } : {}) },
    prediction: {
      stepTimeSeconds: p.stepTimeSeconds,
      totalSteps: p.totalSteps,
      runSeconds: job.predictedSeconds,
      billUsd: usd(job.predictedMicros),
      checkpointIntervalSteps: p.checkpointIntervalSteps,
      checkpointWriteSeconds: p.checkpointWriteSeconds,
      ...(p.mfu !== undefined ? { mfu: p.mfu } : {}),
      ...(p.plan !== undefined ? { plan: p.plan } : {}),
      // The tenant's own physics (efficiency, prices, Dojo assumptions): a prediction, never the bill.
      ...(p.whatIf ? { whatIf: { stepTimeSeconds: p.whatIf.stepTimeSeconds, runSeconds: p.whatIf.runSeconds, mfu: p.whatIf.mfu, billUsd: usd(BigInt(p.whatIf.billMicros)) } } : {}),
    },
    progress: {
      step,
      durableStep: job.durableStep,
      totalSteps: p.totalSteps,
      fraction: step / p.totalSteps,
      attempt: job.attempt,
      restarts: job.restarts,
      etaSeconds,
      etaAt: etaSeconds === null ? null : now + etaSeconds,
    },
    accounting: accountingView(job.accounting),
    finishedAt: job.finishedAt,
    spec,
  };
}

export function eventView(e: JobEventRow) {
  return { id: e.id, at: e.at, kind: e.kind, ...e.data, createdAt: e.createdAt };
}

export function tenantView(t: TenantRow) {
  return { id: t.id, name: t.name, maxTiles: t.maxTiles, maxGpus: t.maxGpus, budgetUsd: t.budgetMicros === null ? null : usd(t.budgetMicros), weight: t.weight, maxPriority: t.maxPriority, createdAt: t.createdAt };
}

export function entryView(e: LedgerEntry) {
  return { id: e.id, jobId: e.jobId, kind: e.kind, resource: e.resource, unit: e.unit, quantity: e.quantity.toString(), unitPriceUsd: usd(e.unitPriceMicros), amountUsd: usd(e.amountMicros), periodStart: e.periodStart, at: e.at, ...(e.lateUsage ? { lateUsage: e.lateUsage } : {}) };
}

export function totalsView(t: Totals) {
  return { amountUsd: usd(t.amountMicros), byKind: Object.fromEntries(Object.entries(t.byKind).map(([k, v]) => [k, usd(v)])), entryCount: t.entryCount };
}

export function invoiceView(i: Invoice) {
  return {
    id: i.id,
    tenant: i.tenantId,
    period: i.period,
    issuedAt: i.issuedAt,
    lines: i.lines.map((l) => ({ jobId: l.jobId, kind: l.kind, resource: l.resource, unit: l.unit, quantity: l.quantity.toString(), amountUsd: usd(l.amountMicros) })),
    subtotalUsd: usd(i.subtotalMicros),
    discountUsd: usd(i.discountMicros),
    minimumTopUpUsd: usd(i.minimumTopUpMicros),
    totalUsd: usd(i.totalMicros),
  };
}
