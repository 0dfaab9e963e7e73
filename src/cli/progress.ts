// A one-line progress bar on stderr, drawn only when stderr is a terminal (piped or captured
// output stays clean), redrawn at most every 50 ms and erased when done.
import type { WriteStream } from 'node:tty';

export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

const WIDTH = 30;
const silent: Progress = { update: () => {}, finish: () => {} };

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silent;
  const tty = stream as WriteStream;
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 50 && done < total) return;
      last = now;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(fraction * WIDTH);
      tty.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total}`);
      drawn = true;
    },
    finish() {
      if (!drawn) return;
      tty.clearLine(0);
      tty.cursorTo(0);
    },
  };
}
