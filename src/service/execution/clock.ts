// Virtual clocks for the execution layer. Time is in seconds, like the scheduler's `now`.
// `ManualClock` runs as fast as possible: a discrete-event queue the caller advances (trace
// replay, what-if). `ScaledClock` maps virtual time onto an injected real timer at a speedup
// (1 = real time), so this module stays pure and tests drive it with a fake timer.

export type ClockHandle = number;

export interface VirtualClock {
  /** Current virtual time (s). */
  now(): number;
  /** Runs `fn(at)` at virtual time `at`; a time in the past runs at the next opportunity. */
  schedule(at: number, fn: (at: number) => void): ClockHandle;
  /** Cancels a pending callback; false if it already ran or was cancelled. */
  cancel(handle: ClockHandle): boolean;
}

import { MinHeap } from '../../common/min-heap.js';

interface QueuedEvent {
  at: number;
  seq: number;
  fn: (at: number) => void;
}

const before = (a: QueuedEvent, b: QueuedEvent): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** As fast as possible: nothing happens until the caller advances time. Events at equal times
 * run in the order they were scheduled; an event may schedule more, including at the same time. */
export class ManualClock implements VirtualClock {
  private time: number;
  private seq = 0;
  // Ordered by (time, insertion order); cancelled events are skipped lazily.
  private readonly heap = new MinHeap<QueuedEvent>(before);
  private readonly live = new Set<ClockHandle>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  schedule(at: number, fn: (at: number) => void): ClockHandle {
    if (Number.isNaN(at)) throw new RangeError('schedule: time is NaN');
    const handle = this.seq++;
    this.heap.push({ at: Math.max(at, this.time), seq: handle, fn });
    this.live.add(handle);
    return handle;
  }

  cancel(handle: ClockHandle): boolean {
    return this.live.delete(handle);
  }

  /** Pending (uncancelled) callbacks. */
  get pending(): number {
    return this.live.size;
  }

  /** Time of the next pending callback, if any. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heap.peek()?.at;
  }

  /** Runs every callback due at or before `t`, in order, then sets the time to `t`. Returns how many ran. */
  runUntil(t: number): number {
    if (t < this.time) throw new RangeError(`runUntil(${t}): the clock is already at ${this.time}`);
    let ran = 0;
    for (;;) {
      this.dropCancelled();
      const next = this.heap.peek();
      if (!next || next.at > t) break;
      this.heap.pop();
      this.live.delete(next.seq);
      this.time = next.at;
      next.fn(next.at);
      ran++;
    }
    this.time = t;
    return ran;
  }

  /** Runs until the queue is empty (or `maxEvents` ran, a guard against self-rescheduling loops). */
  runAll(maxEvents = 1e7): number {
    let ran = 0;
    for (let at = this.nextAt(); at !== undefined; at = this.nextAt()) {
      if (ran >= maxEvents) throw new RangeError(`runAll: more than ${maxEvents} events; is a callback rescheduling itself forever?`);
      const next = this.heap.pop()!;
      this.live.delete(next.seq);
      this.time = next.at;
      next.fn(next.at);
      ran++;
    }
    return ran;
  }

  private dropCancelled(): void {
    while (this.heap.size && !this.live.has(this.heap.peek()!.seq)) this.heap.pop();
  }
}

/** The real timer a `ScaledClock` drives: `now()` in milliseconds (Date.now, performance.now). */
export interface RealTimer {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real time (speedup 1) or accelerated (speedup 3600: one virtual hour per real second).
 * Virtual time = start + (real ms elapsed) / 1000 × speedup. */
export class ScaledClock implements VirtualClock {
  private readonly realStartMs: number;
  private readonly timers = new Map<ClockHandle, unknown>();
  private seq = 0;

  constructor(
    readonly speedup: number,
    private readonly realTimer: RealTimer,
    private readonly virtualStart = 0,
  ) {
    if (!(speedup > 0) || !Number.isFinite(speedup)) throw new RangeError(`speedup must be a positive finite number; got ${speedup} (use ManualClock for as-fast-as-possible)`);
    this.realStartMs = realTimer.now();
  }

  now(): number {
    return this.virtualStart + ((this.realTimer.now() - this.realStartMs) / 1000) * this.speedup;
  }

  /** Real milliseconds until virtual time `at` (0 if it has passed). */
  realDelayMs(at: number): number {
    return Math.max(0, ((at - this.now()) * 1000) / this.speedup);
  }

  schedule(at: number, fn: (at: number) => void): ClockHandle {
    if (Number.isNaN(at)) throw new RangeError('schedule: time is NaN');
    const handle = this.seq++;
    const real = this.realTimer.setTimeout(() => {
      if (!this.timers.delete(handle)) return;
      // The callback gets the time it was scheduled for, not the (slightly later) time it fired.
      fn(at);
    }, this.realDelayMs(at));
    this.timers.set(handle, real);
    return handle;
  }

  cancel(handle: ClockHandle): boolean {
    const real = this.timers.get(handle);
    if (real === undefined && !this.timers.has(handle)) return false;
    this.timers.delete(handle);
    this.realTimer.clearTimeout(real);
    return true;
  }
}
