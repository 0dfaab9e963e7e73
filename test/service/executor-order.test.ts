// Out-of-order clock callbacks (found by the issue 13 soak): a ScaledClock fires callbacks in
// real-timer order, which under event-loop lag is not always virtual-time order. Here a clock
// under the test's control fires a progress timer at 80 s before the past-due phase end at 50 s.
// Reference: what was already reported may not be taken back — event times are monotonic and
// the device-seconds of the finished job equal devices × the latest time reported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClockHandle, VirtualClock } from '../../src/service/execution/clock.js';
import { JobExecutor, type ExecutionEvent } from '../../src/service/execution/executor.js';

class HandFiredClock implements VirtualClock {
  time = 0;
  readonly pending = new Map<ClockHandle, { at: number; fn: (at: number) => void }>();
  private seq = 0;
  now(): number {
    return this.time;
  }
  schedule(at: number, fn: (at: number) => void): ClockHandle {
    this.pending.set(this.seq, { at, fn });
    return this.seq++;
  }
  cancel(h: ClockHandle): boolean {
    return this.pending.delete(h);
  }
  /** Fires the pending callback scheduled for `at`, whatever else is due. */
  fire(at: number): void {
    const [h, cb] = [...this.pending].find(([, c]) => c.at === at)!;
    this.pending.delete(h);
    cb.fn(at);
  }
}

describe('executor under out-of-order clock callbacks', () => {
  it('never reports a time earlier than one already reported; the segment ends at the latest', () => {
    const clock = new HandFiredClock();
    const events: ExecutionEvent[] = [];
    const ex = new JobExecutor(clock, { onEvent: (e) => events.push(e) });
    ex.start({ id: 'j', profile: { devices: 4, stepTimeSeconds: 1, totalSteps: 50, energyPerStepJ: 10, costPerStepUsd: 0, checkpointIntervalSteps: 100, checkpointBytes: 0, checkpointWriteSeconds: 0, restartSeconds: 0 }, progressIntervalSeconds: 10 });
    clock.time = 70; // the loop lagged: virtual time ran past the phase end (50 s)
    clock.fire(10); // progress, rescheduled from now: at 80
    clock.time = 85;
    clock.fire(80); // fires before the past-due phase end
    clock.fire(50); // the phase end: the job succeeds
    const times = events.map((e) => e.at);
    assert.deepEqual(times, [0, 10, 80, 80]);
    assert.equal(events.at(-1)!.kind, 'succeeded');
    assert.equal(ex.accounting('j').deviceSeconds, 4 * 80);
  });
});
