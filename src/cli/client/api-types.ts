// The JSON the client reads, typed from the server's own view functions so the two cannot drift
// (the client ships in the same package as the server).
import type { entryView, eventView, invoiceView, jobView, tenantView, totalsView } from '../../service/api/views.js';

export type JobView = ReturnType<typeof jobView>;
export type EventView = ReturnType<typeof eventView>;
export type TenantView = ReturnType<typeof tenantView>;
export type InvoiceView = ReturnType<typeof invoiceView>;
export type EntryView = ReturnType<typeof entryView>;
export type TotalsView = ReturnType<typeof totalsView>;

export interface JobList {
  jobs: JobView[];
  /** Sequence number to page back from (`?before=`), or null on the last page. */
  next: number | null;
  counts: Record<string, number>;
}

export interface UsageView {
  tenant: string;
  /** Virtual milliseconds. */
  period: { index: number; start: number; end: number };
  currentPeriod: number;
  totals: TotalsView;
  spentUsd: string;
  entries: EntryView[];
}

export interface TenantCreated {
  tenant: TenantView;
  apiKey: string;
}
