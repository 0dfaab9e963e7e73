// Metering: turns a run's segments (devices held from start to end, in virtual seconds) into
// usage segments for the ledger, a piece at a time. Every time a run host writes a job's
// accounting it also meters the time since the previous write, in the same transaction, so the
// ledger always holds exactly the device time the stored accounting counts. Before this, usage
// was metered only when a segment closed, so a kill -9 lost the open segment from the ledger
// while the next host carried its device time in the accounting (issue 13: 1,420,414
// milli-device-seconds billed against 234,428,376 used). Piece boundaries are whole virtual
// milliseconds, and consecutive pieces share them, so a segment's pieces telescope to its length.
import type { UsageSegment } from './ledger.js';

export interface MeteredSegment {
  devices: number;
  /** Virtual seconds. */
  start: number;
  /** Absent while the segment is open: it is metered up to `nowSeconds`. */
  end?: number;
}

/** Where metering stopped: segment `index` is metered up to `untilMs` (earlier ones in full). */
export interface MeterCursor {
  index: number;
  untilMs: number | null;
}

export interface MeterContext {
  tenantId: string;
  jobId: string;
  attempt: number;
  resource: string;
  /** IT power while running, W (energy per step / step time). */
  powerW: number;
}

/**
 * The usage since `cursor` (segments from `cursor.index` on, each up to its end or `nowSeconds`),
 * and the cursor after it. Idempotency keys name the attempt, segment and piece start, so a
 * retried write records nothing twice.
 */
export function meterSince(segments: readonly MeteredSegment[], cursor: MeterCursor, nowSeconds: number, ctx: MeterContext): { usage: UsageSegment[]; cursor: MeterCursor } {
  const usage: UsageSegment[] = [];
  let { index, untilMs } = cursor;
  for (; index < segments.length; index++, untilMs = null) {
    const s = segments[index]!;
    const startMs = Math.max(untilMs ?? -Infinity, Math.round(s.start * 1000));
    const endMs = Math.round((s.end ?? nowSeconds) * 1000);
    if (endMs > startMs) {
      const idempotencyKey = `usage:${ctx.jobId}:${ctx.attempt}:${index}:${startMs}`;
      const energyJoules = Math.round((ctx.powerW * (endMs - startMs)) / 1000);
      usage.push({ idempotencyKey, tenantId: ctx.tenantId, jobId: ctx.jobId, resource: ctx.resource, devices: s.devices, startMs, endMs, energyJoules });
    }
    // An open segment stays the cursor's: the next write meters it further.
    if (s.end === undefined) return { usage, cursor: { index, untilMs: Math.max(endMs, startMs) } };
  }
  return { usage, cursor: { index, untilMs: null } };
}
