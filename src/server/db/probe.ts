// Database liveness for /health without a query per probe request. PGlite is one connection that
// runs each query synchronously on the event loop, so a `select 1` per /health waited behind
// every submission's writes (issue 13.12: /health p50 429 ms under load) and load balancers
// polling /health added to that queue. Instead one probe runs every `everyMs` (never two at
// once) and /health reads its last outcome: healthy while the last probe succeeded and
// finished within `staleMs`, so a database that stops answering turns /health to 503 within
// `staleMs` even if the probe query itself never returns.
import type { Sql } from '../../service/store/sql.js';

export interface DbProbeOptions {
  /** Wall ms between probes; default 1,000. */
  everyMs?: number;
  /** Wall ms after the last successful probe beyond which the database counts as down; default 10,000. */
  staleMs?: number;
  /** Wall clock in ms (tests pass their own). */
  now?: () => number;
}

export interface DbHealth {
  ok: boolean;
  /** Why not, when not ok. */
  problem: string | null;
}

export class DbProbe {
  private lastOkAtMs: number | null = null;
  private lastError: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly everyMs: number;
  private readonly staleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly sql: Pick<Sql, 'query'>,
    o: DbProbeOptions = {},
  ) {
    this.everyMs = o.everyMs ?? 1_000;
    this.staleMs = o.staleMs ?? 10_000;
    this.now = o.now ?? (() => performance.now());
  }

  /** Runs the first probe (so /health is right from the start) and schedules the rest. */
  async start(): Promise<void> {
    await this.probeOnce();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One probe now; its outcome is what `health()` reports until the next one. */
  async probeOnce(): Promise<void> {
    try {
      await this.sql.query('select 1');
      this.lastOkAtMs = this.now();
      this.lastError = null;
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
    }
  }

  health(): DbHealth {
    if (this.lastError !== null) return { ok: false, problem: `the database probe failed: ${this.lastError}` };
    if (this.lastOkAtMs === null) return { ok: false, problem: 'the database has not been probed yet' };
    const ageMs = this.now() - this.lastOkAtMs;
    if (ageMs > this.staleMs) return { ok: false, problem: `the database has not answered a probe for ${Math.round(ageMs)} ms (limit ${this.staleMs} ms)` };
    return { ok: true, problem: null };
  }

  private schedule(): void {
    if (this.stopped) return;
    // The next probe starts only after this one ends, so a slow database never piles probes up.
    this.timer = setTimeout(() => void this.probeOnce().finally(() => this.schedule()), this.everyMs);
    this.timer.unref();
  }
}
