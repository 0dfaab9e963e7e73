// `--follow`: a job's live events until it finishes. On a terminal, one line rewritten in place
// (bar, percent, step/total, ETA in virtual time, state) with event lines printed above it;
// otherwise plain lines, progress only every 10% so logs stay short. Returns the final job.
import * as f from '../format.js';
import type { EventView, JobView } from './api-types.js';
import type { ApiClient } from './http-client.js';
import { eventLine } from './render.js';

export interface FollowOutput {
  write(text: string): void;
  /** Draw the rewritten progress line (a terminal); plain lines otherwise. */
  tty: boolean;
  /** Collect events only, print nothing (--json). */
  quiet: boolean;
  warn(text: string): void;
}

export interface Followed {
  job: JobView;
  events: EventView[];
}

const BAR = 24;
const REDRAW_MS = 50;
const CLEAR = '\r\x1b[K';

/** The progress line: "[#####-----]  42.5%  850/2,000  ETA 25.9 min virtual  running". */
export function progressLine(step: number, total: number, stepTimeSeconds: number, state: string): string {
  const fraction = total > 0 ? Math.min(1, step / total) : 1;
  const filled = Math.round(fraction * BAR);
  const eta = state === 'running' ? `  ETA ${f.duration(Math.max(0, total - step) * stepTimeSeconds)} virtual` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${f.percent(fraction).padStart(6)}  ${f.int(step)}/${f.int(total)}${eta}  ${state}`;
}

export async function followJob(client: ApiClient, start: JobView, out: FollowOutput): Promise<Followed> {
  const total = start.prediction.totalSteps;
  const stepTime = start.prediction.stepTimeSeconds;
  // The view's step is an estimate; the replayed events re-trace it from the durable one.
  let step = start.progress.durableStep;
  let state = start.state;
  let lastDraw = 0;
  let barShown = false;
  let printedDecile = -1;
  const events: EventView[] = [];

  const draw = (force: boolean) => {
    if (!out.tty || out.quiet) return;
    const now = Date.now();
    if (!force && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    out.write(`${CLEAR}${progressLine(step, total, stepTime, state)}`);
    barShown = true;
  };
  const print = (line: string) => {
    if (out.quiet) return;
    out.write(out.tty && barShown ? `${CLEAR}${line}\n` : `${line}\n`);
    if (out.tty) draw(true);
  };

  const stream = client.jobEvents(start.id, { onReconnect: (last) => out.warn(`event stream dropped; resuming after event ${last}\n`) });
  for await (const ev of stream) {
    const e = { id: ev.id, kind: ev.kind, ...ev.data } as EventView;
    events.push(e);
    const d = ev.data;
    if (typeof d.step === 'number') step = d.step;
    if (ev.kind === 'state' && typeof d.state === 'string') state = d.state as JobView['state'];
    if (ev.kind === 'progress') {
      const decile = Math.floor((step / total) * 10);
      if (out.tty) draw(false);
      else if (decile > printedDecile) {
        printedDecile = decile;
        print(eventLine(e, start.submittedAt, total)!);
      }
      continue;
    }
    print(eventLine(e, start.submittedAt, total)!);
  }
  if (out.tty && barShown && !out.quiet) out.write(CLEAR);
  const job = await client.get<JobView>(`/v1/jobs/${encodeURIComponent(start.id)}`);
  return { job, events };
}
