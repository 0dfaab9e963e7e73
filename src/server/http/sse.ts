// Server-Sent Events for one job: polls the store for events after the last id sent (so it works
// on any replica), writes them as `id`/`event`/`data` frames, and ends after the terminal state.
// A comment line every 15 s keeps proxies from closing an idle stream. Every stream, however it
// stops (terminal state, shutdown, client gone, a failed poll), ends with `event: end` and gives
// its slot back to the gate.
import type { Scope } from '../../service/store/store.js';
import { eventView } from '../../service/api/views.js';
import { isTerminal } from '../../service/scheduler/job-states.js';
import { ROUTINE_EVENT_KINDS } from '../../service/execution/event-retention.js';
import type { Ctx, Deps } from './types.js';

const POLL_MS = 200;

export async function streamEvents(ctx: Ctx, d: Deps, scope: Scope, jobId: string, after: number, release: () => void): Promise<void> {
  const { res, req } = ctx;
  let closed = false;
  req.on('close', () => (closed = true));
  try {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': stream open\n\n');
    // Replay from before the retention limit starts at the oldest kept event, and says so
    // (no `id:`, so a reconnect's Last-Event-ID is unchanged). See docs/execution.md.
    const kept = await d.store.eventRetention(scope, jobId);
    if (kept && after < kept.prunedThrough) res.write(`event: pruned\ndata: ${JSON.stringify({ lastEventId: after, prunedThrough: kept.prunedThrough, oldestKeptId: kept.oldestKeptId, prunedKinds: ROUTINE_EVENT_KINDS, keptPerJob: kept.keptPerJob })}\n\n`);
    let last = after;
    let quietSince = Date.now();
    while (!closed && !d.shuttingDown()) {
      const events = await d.store.events(scope, jobId, last);
      let ended = false;
      for (const e of events) {
        res.write(`id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(eventView(e))}\n\n`);
        last = e.id;
        if (e.kind === 'state' && isTerminal(e.data.state)) ended = true;
      }
      if (ended) break;
      if (events.length) quietSince = Date.now();
      else if (Date.now() - quietSince > 15_000) {
        res.write(': keep-alive\n\n');
        quietSince = Date.now();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    // On a failed poll the error still reaches the request log; the client sees a clean end.
    release();
    if (!res.writableEnded) {
      res.write('event: end\ndata: {}\n\n');
      res.end();
    }
  }
}
