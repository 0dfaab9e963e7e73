// Progress of long work on stderr. On a terminal: a one-line bar redrawn at most every 50 ms and
// erased when done. Otherwise (a pipe, a CI log): a plain line every few seconds, so a slow search
// is visibly alive in logs without flooding them; quick work prints nothing.
import type { WriteStream } from 'node:tty';

export interface Progress {
  /** `detail` names the item just finished (e.g. which sweep value), shown after the count. */
  update(done: number, total: number, detail?: string): void;
  finish(): void;
}

const WIDTH = 30;
/** Seconds between progress lines when stderr is not a terminal (OPENDOJO_PROGRESS_SECONDS overrides). */
export const PROGRESS_LINE_SECONDS = 5;

function lineInterval(): number {
  const env = Number(process.env.OPENDOJO_PROGRESS_SECONDS);
  return Number.isFinite(env) && env > 0 ? env : PROGRESS_LINE_SECONDS;
}

/** Periodic plain lines: `searching plans: 1,200/4,032 (30%) after 5 s`, then ` — detail` if given. */
function lineProgress(label: string, stream: NodeJS.WriteStream): Progress {
  const started = Date.now();
  const everyMs = lineInterval() * 1000;
  let next = started + everyMs;
  return {
    update(done, total, detail) {
      const now = Date.now();
      if (now < next || done >= total) return;
      next = now + everyMs;
      const percent = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : '';
      stream.write(`${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${percent} after ${Math.round((now - started) / 1000)} s${detail ? ` — ${detail}` : ''}\n`);
    },
    finish() {},
  };
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return lineProgress(label, stream);
  const tty = stream as WriteStream;
  let last = 0;
  let drawn = false;
  return {
    update(done, total, detail) {
      const now = Date.now();
      if (now - last < 50 && done < total) return;
      last = now;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(fraction * WIDTH);
      const bar = `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total}`;
      // The detail changes length between redraws: clear the line, and cut it to the terminal width.
      const line = detail ? `${bar} — ${detail}` : bar;
      tty.clearLine(0);
      tty.write(`\r${tty.columns ? line.slice(0, tty.columns - 1) : line}`);
      drawn = true;
    },
    finish() {
      if (!drawn) return;
      tty.clearLine(0);
      tty.cursorTo(0);
    },
  };
}
