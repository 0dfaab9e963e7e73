// The tile scheduler: placement (exact shapes, rotation, other factorizations, unhealthy tiles,
// best vs first fit, the O(1) rectangle checks against brute force), pending reasons, EASY
// backfill around the head's reservation, weighted fair share with decay, checkpoint-then-preempt
// choosing the least work at risk, eviction from failed tiles, and legal state histories; then
// properties over random command sequences, and the seeded trace against FIFO and the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InputError } from '../../src/common/errors.js';
import { GridView, TileGrid, findPlacement, resolveRequest, type PlacementRequest, type Rect } from '../../src/service/scheduler/grid.js';
import { FairShareLedger, accrueUsage, compareQueued, decayUsage, orderQueue, type Queued } from '../../src/service/scheduler/policy.js';
import { LEGAL_TRANSITIONS, TileScheduler, type JobRecord, type ScheduleDecision, type SchedulerOptions } from '../../src/service/scheduler/scheduler.js';
import { POLICY_SETS, mulberry32, simulateTrace, syntheticTrace, traceUpperBound } from '../../src/service/scheduler/trace-sim.js';

/** A view from a picture: '#' blocked, '.' free. */
function viewOf(...rows: string[]): GridView {
  const cols = rows[0]!.length;
  return new GridView(rows.length, cols, Uint8Array.from(rows.join('').split(''), (ch) => (ch === '#' ? 1 : 0)));
}
const tilesOf = (r: Rect) => Array.from({ length: r.rows * r.cols }, (_, i) => ({ row: r.row + Math.floor(i / r.cols), col: r.col + (i % r.cols) }));
const starts = (d: ScheduleDecision) => d.actions.filter((a) => a.kind === 'start').map((a) => a.jobId);
const pendingOf = (d: ScheduleDecision, id: string) => d.pending.find((p) => p.jobId === id)?.reason;

/** Submits and starts one job at t = 0 on its own (first fit puts it top-left). */
function running(s: TileScheduler, id: string, request: PlacementRequest, predictedSeconds: number, extra: { priority?: number; checkpointIntervalSeconds?: number; at?: number } = {}): void {
  s.submit({ id, tenant: 't', request, predictedSeconds, ...extra }, extra.at ?? 0);
  assert.deepEqual(starts(s.schedule(extra.at ?? 0)), [id]);
}

// ---- placement ------------------------------------------------------------------------------

test('grid: the default grid is the ExaPod 10×12 from the Dojo hierarchy', () => {
  const g = new TileGrid();
  assert.equal(g.rows, 10);
  assert.equal(g.cols, 12);
  assert.equal(g.healthyTiles, 120);
});

test('placement: an exact shape lands top-left under first fit, as asked when pinned', () => {
  const rect = findPlacement(new TileGrid(), { shape: { rows: 2, cols: 3 }, rotatable: false }, 'first-fit');
  assert.deepEqual(rect, { row: 0, col: 0, rows: 2, cols: 3 });
});

test('placement: a shape rotates into the only slot that fits, unless rotation is pinned', () => {
  // Only a 3-tall, 2-wide slot is free: 2×3 must turn into 3×2.
  const view = viewOf('##..#', '##..#', '##..#');
  assert.deepEqual(findPlacement(view, { shape: { rows: 2, cols: 3 } }, 'first-fit'), { row: 0, col: 2, rows: 3, cols: 2 });
  assert.equal(findPlacement(view, { shape: { rows: 2, cols: 3 }, rotatable: false }, 'best-fit'), null);
});

test('placement: a tile count tries every factorization, squarest first', () => {
  assert.deepEqual(resolveRequest({ tiles: 12 }, 10, 12).shapes.map((s) => `${s.rows}x${s.cols}`), ['3x4', '4x3', '2x6', '6x2', '1x12']);
  // Only a 2×6 strip is free: 12 tiles go there as 2×6 although 3×4 is preferred.
  const strip = viewOf('######', '......', '......', '######');
  assert.deepEqual(findPlacement(strip, { tiles: 12 }, 'best-fit'), { row: 1, col: 0, rows: 2, cols: 6 });
  assert.deepEqual(findPlacement(new TileGrid(), { tiles: 12 }, 'first-fit'), { row: 0, col: 0, rows: 3, cols: 4 });
});

test('placement: a count with no rectangle on the grid at all is rounded up; bad requests are errors as data', () => {
  const r = resolveRequest({ tiles: 13 }, 10, 12); // neither 1×13 nor 13×1 fits
  assert.equal(r.requestedTiles, 13);
  assert.equal(r.tiles, 14);
  assert.deepEqual(r.shapes, [{ rows: 2, cols: 7 }, { rows: 7, cols: 2 }]);
  assert.equal(resolveRequest({ tiles: 11 }, 10, 12).tiles, 11); // 1×11 fits
  for (const [bad, path] of [
    [{ tiles: 0 }, 'tiles'],
    [{ tiles: 121 }, 'tiles'],
    [{ shape: { rows: 11, cols: 11 } }, 'shape'],
    [{ shape: { rows: 1.5, cols: 2 } }, 'shape.rows'],
  ] as const) {
    assert.throws(
      () => resolveRequest(bad, 10, 12),
      (e: unknown) => e instanceof InputError && e.issues[0]?.path === path,
    );
  }
  // 11×1 pinned does not fit 10 rows, but rotated to 1×11 it does.
  assert.deepEqual(resolveRequest({ shape: { rows: 11, cols: 1 } }, 10, 12).shapes, [{ rows: 1, cols: 11 }]);
});

test('placement: unhealthy tiles are never used', () => {
  const g = new TileGrid(4, 4);
  for (const t of [{ row: 0, col: 0 }, { row: 1, col: 2 }, { row: 3, col: 1 }]) g.setHealthy(t, false);
  const rect = findPlacement(g, { tiles: 4 }, 'first-fit')!;
  assert.ok(tilesOf(rect).every((t) => g.isHealthy(t)), JSON.stringify(rect));
  assert.equal(findPlacement(g, { tiles: 9 }, 'best-fit'), null); // 13 healthy tiles, but no healthy 3×3
});

test('placement: best fit fills the hole that fits exactly; first fit takes the first free spot', () => {
  const view = viewOf('...#.', '####.', '#####');
  assert.deepEqual(findPlacement(view, { tiles: 2 }, 'first-fit'), { row: 0, col: 0, rows: 1, cols: 2 });
  assert.deepEqual(findPlacement(view, { tiles: 2 }, 'best-fit'), { row: 0, col: 4, rows: 2, cols: 1 });
  // On an empty grid best fit goes to a corner (fewest exposed edges).
  const corner = findPlacement(new TileGrid(), { tiles: 6 }, 'best-fit')!;
  assert.ok((corner.row === 0 || corner.row + corner.rows === 10) && (corner.col === 0 || corner.col + corner.cols === 12), JSON.stringify(corner));
});

test('property: O(1) rectangle checks and placements agree with brute force on random grids', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 12 }), (rows, cols, seed, tiles) => {
      const rand = mulberry32(seed);
      const blocked = Uint8Array.from({ length: rows * cols }, () => (rand() < 0.35 ? 1 : 0));
      const view = new GridView(rows, cols, blocked);
      const isFree = (r: number, c: number, h: number, w: number) => {
        for (let i = r; i < r + h; i++) for (let j = c; j < c + w; j++) if (blocked[i * cols + j]) return false;
        return true;
      };
      let largest = 0;
      for (let h = 1; h <= rows; h++) {
        for (let w = 1; w <= cols; w++) {
          let exists = false;
          for (let r = 0; r + h <= rows; r++) for (let c = 0; c + w <= cols; c++) exists ||= isFree(r, c, h, w);
          assert.equal(view.canFit({ rows: h, cols: w }), exists, `${h}×${w}`);
          if (exists) largest = Math.max(largest, h * w);
        }
      }
      assert.equal(view.largestFreeRectangle(), largest);
      if (tiles > rows * cols) return;
      const request = resolveRequest({ tiles }, rows, cols);
      const anyFits = request.shapes.some((s) => view.canFit(s));
      for (const policy of ['first-fit', 'best-fit'] as const) {
        const rect = findPlacement(view, request, policy);
        assert.equal(rect !== null, anyFits);
        if (rect) {
          assert.ok(isFree(rect.row, rect.col, rect.rows, rect.cols) && rect.row + rect.rows <= rows && rect.col + rect.cols <= cols);
          assert.ok(request.shapes.some((s) => s.rows === rect.rows && s.cols === rect.cols));
        }
      }
    }),
    { numRuns: 150 },
  );
});

// ---- pending reasons, backfill --------------------------------------------------------------

test('pending: fragmentation when enough free tiles exist but no rectangle; capacity when too few', () => {
  const s = new TileScheduler({ rows: 4, cols: 4, placement: 'first-fit' });
  for (let i = 0; i < 16; i++) s.submit({ id: `one${i}`, tenant: 't', request: { tiles: 1 }, predictedSeconds: 100 }, 0);
  assert.equal(starts(s.schedule(0)).length, 16);
  for (const job of s.runningJobs()) if ((job.rect!.row === 0 || job.rect!.row === 3) && (job.rect!.col === 0 || job.rect!.col === 3)) s.complete(job.id, 1);
  s.submit({ id: 'four', tenant: 't', request: { tiles: 4 }, predictedSeconds: 10 }, 1);
  s.submit({ id: 'eight', tenant: 't', request: { tiles: 8 }, predictedSeconds: 10 }, 1);
  const d = s.schedule(1);
  assert.equal(pendingOf(d, 'four'), 'fragmentation'); // 4 free corners, no 2×2 / 1×4
  assert.equal(pendingOf(d, 'eight'), 'capacity');
  assert.equal(s.job('four')!.pendingReason, 'fragmentation');
});

test('EASY backfill: a short job fills the gap before the head reservation; a long one may not delay it', () => {
  const s = new TileScheduler({ rows: 2, cols: 4, placement: 'first-fit' });
  running(s, 'A', { shape: { rows: 2, cols: 2 } }, 100);
  s.submit({ id: 'head', tenant: 't', request: { tiles: 8 }, predictedSeconds: 50 }, 1);
  s.submit({ id: 'long', tenant: 't', request: { tiles: 4 }, predictedSeconds: 200 }, 1);
  s.submit({ id: 'short', tenant: 't', request: { tiles: 4 }, predictedSeconds: 40 }, 1);
  const d = s.schedule(1);
  assert.deepEqual(d.reservation, { jobId: 'head', at: 100, rect: { row: 0, col: 0, rows: 2, cols: 4 } });
  assert.equal(pendingOf(d, 'head'), 'capacity');
  assert.equal(pendingOf(d, 'long'), 'reservation');
  assert.deepEqual(d.actions, [{ kind: 'start', jobId: 'short', rect: { row: 0, col: 2, rows: 2, cols: 2 }, recovering: false, backfilled: true, expectedEndAt: 41 }]);
  s.complete('short', 41);
  assert.deepEqual(starts(s.schedule(41)), []); // the long job still waits
  s.complete('A', 100);
  assert.deepEqual(starts(s.schedule(100)), ['head']); // exactly at its reservation
});

test('EASY backfill: a long job may start where it does not touch the reserved rectangle', () => {
  const s = new TileScheduler({ rows: 2, cols: 6, placement: 'first-fit' });
  running(s, 'A', { shape: { rows: 2, cols: 4 } }, 100);
  s.submit({ id: 'head', tenant: 't', request: { shape: { rows: 2, cols: 4 } }, predictedSeconds: 50 }, 1);
  s.submit({ id: 'long', tenant: 't', request: { tiles: 4 }, predictedSeconds: 500 }, 1);
  const d = s.schedule(1);
  assert.deepEqual(d.reservation?.rect, { row: 0, col: 0, rows: 2, cols: 4 });
  assert.deepEqual(d.actions.map((a) => a.kind === 'start' && [a.jobId, a.rect.col, a.backfilled]), [['long', 4, true]]);
});

test('without backfill, jobs behind a blocked head wait with reason queue-order', () => {
  const s = new TileScheduler({ rows: 2, cols: 4, backfill: 'none', order: 'fifo' });
  running(s, 'A', { shape: { rows: 2, cols: 2 } }, 100);
  s.submit({ id: 'head', tenant: 't', request: { tiles: 8 }, predictedSeconds: 50 }, 1);
  s.submit({ id: 'small', tenant: 't', request: { tiles: 1 }, predictedSeconds: 1 }, 1);
  const d = s.schedule(1);
  assert.deepEqual(starts(d), []);
  assert.equal(d.reservation, null);
  assert.equal(pendingOf(d, 'small'), 'queue-order');
});

test('a job too big for the healthy tiles waits (capacity) without blocking the queue', () => {
  const s = new TileScheduler({ rows: 2, cols: 2, backfill: 'none' });
  s.markUnhealthy({ row: 0, col: 0 }, 0);
  s.submit({ id: 'big', tenant: 't', request: { tiles: 4 }, predictedSeconds: 10 }, 0);
  s.submit({ id: 'small', tenant: 't', request: { tiles: 2 }, predictedSeconds: 10 }, 0);
  const d = s.schedule(0);
  assert.equal(pendingOf(d, 'big'), 'capacity');
  assert.deepEqual(starts(d), ['small']);
});

test('admission: the caller supplies quota and budget reasons, asked at every pass', () => {
  const s = new TileScheduler({
    rows: 4,
    cols: 4,
    admission: (job, ctx) => (job.tenant === 'broke' ? 'budget' : (ctx.tilesInUseByTenant.get(job.tenant) ?? 0) + job.tiles > 4 ? 'quota' : null),
  });
  for (const id of ['q1', 'q2']) s.submit({ id, tenant: 'capped', request: { tiles: 4 }, predictedSeconds: 10 }, 0);
  s.submit({ id: 'b', tenant: 'broke', request: { tiles: 1 }, predictedSeconds: 10 }, 0);
  const d = s.schedule(0);
  assert.deepEqual(starts(d), ['q1']);
  assert.equal(pendingOf(d, 'q2'), 'quota');
  assert.equal(pendingOf(d, 'b'), 'budget');
  assert.equal(s.job('b')!.state, 'queued'); // never admitted
  s.complete('q1', 10);
  assert.deepEqual(starts(s.schedule(10)), ['q2']);
});

// ---- fair share ------------------------------------------------------------------------------

test('fair share: usage halves every half-life, and accrual is exact however it is split', () => {
  assert.equal(decayUsage(100, 3600, 3600), 50);
  assert.equal(decayUsage(100, 7200, 3600), 25);
  const h = 1000;
  const once = accrueUsage(0, 10, 300, h);
  const twice = accrueUsage(accrueUsage(0, 10, 100, h), 10, 200, h);
  assert.ok(Math.abs(once - twice) < 1e-9 * once);
  assert.ok(Math.abs(accrueUsage(0, 10, 1e-3, h) / (10 * 1e-3) - 1) < 1e-6); // a short interval adds its tile-seconds
  const ledger = new FairShareLedger(h, { heavy: 2 });
  ledger.advance(0);
  ledger.addInUse('heavy', 10);
  ledger.addInUse('light', 10);
  ledger.advance(500);
  ledger.addInUse('heavy', -10);
  ledger.addInUse('light', -10);
  assert.ok(Math.abs(ledger.share('heavy') * 2 - ledger.share('light')) < 1e-9, 'weight 2 halves the share');
  const before = ledger.usageOf('light');
  ledger.advance(500 + h);
  assert.ok(Math.abs(ledger.usageOf('light') - before / 2) < 1e-9);
  assert.throws(() => new FairShareLedger(h, { bad: 0 }), InputError);
});

test('fair share: priority class first, then lower share, then submit time', () => {
  const shares: Record<string, number> = { a: 10, b: 2, c: 2 };
  const job = (tenant: string, priority: number, submittedAt: number, seq: number): Queued & { id: string } => ({ id: `${tenant}${priority}@${submittedAt}`, tenant, priority, submittedAt, seq });
  const jobs = [job('a', 0, 0, 0), job('b', 0, 1, 1), job('c', 0, 2, 2), job('a', 1, 3, 3), job('b', 0, 4, 4)];
  const order = orderQueue(jobs, (t) => shares[t]!, 'priority-fair-share').map((j) => j.id);
  assert.deepEqual(order, ['a1@3', 'b0@1', 'c0@2', 'b0@4', 'a0@0']);
  assert.deepEqual(orderQueue(jobs, (t) => shares[t]!, 'fifo').map((j) => j.id), ['a0@0', 'b0@1', 'c0@2', 'a1@3', 'b0@4']);
  // The linear-time order equals sorting with the spelled-out comparator.
  const sorted = [...jobs].sort((x, y) => compareQueued(x, y, (t) => shares[t]!, 'priority-fair-share')).map((j) => j.id);
  assert.deepEqual(order, sorted);
});

test('fair share in the scheduler: after heavy use, a weighted tenant waits behind a fresh one', () => {
  const s = new TileScheduler({ rows: 2, cols: 2, tenantWeights: { big: 3 }, usageHalfLifeSeconds: 3600 });
  s.submit({ id: 'warm', tenant: 'small', request: { tiles: 4 }, predictedSeconds: 1000 }, 0);
  s.schedule(0);
  s.complete('warm', 1000);
  s.submit({ id: 'big1', tenant: 'big', request: { tiles: 4 }, predictedSeconds: 10 }, 1000);
  s.submit({ id: 'small1', tenant: 'small', request: { tiles: 4 }, predictedSeconds: 10 }, 1000);
  s.submit({ id: 'other1', tenant: 'other', request: { tiles: 4 }, predictedSeconds: 10 }, 1001);
  assert.ok(s.share('small') > 0 && s.share('big') === 0);
  assert.deepEqual(starts(s.schedule(1001)), ['big1']); // share 0, submitted first among the zero shares
  s.complete('big1', 1011);
  assert.deepEqual(starts(s.schedule(1011)), ['other1']); // other has share 0 < big's (used 40 tile-s / 3) < small's
});

// ---- preemption, failures, lifecycle --------------------------------------------------------

test('preemption: checkpoint-then-preempt the lower-priority job with the least work since its checkpoint', () => {
  const s = new TileScheduler({ rows: 2, cols: 4, placement: 'first-fit' });
  running(s, 'L1', { shape: { rows: 2, cols: 2 } }, 1000, { checkpointIntervalSeconds: 100 });
  running(s, 'L2', { shape: { rows: 2, cols: 2 } }, 1000, { checkpointIntervalSeconds: 100, at: 50 });
  s.submit({ id: 'P', tenant: 't', priority: 1, request: { tiles: 4 }, predictedSeconds: 60 }, 130);
  // At 130: L1 ran 130 s → 30 s since its checkpoint; L2 ran 80 s → 80 s. A 1×4 would hit both.
  const d = s.schedule(130);
  assert.deepEqual(d.actions, [
    { kind: 'checkpoint-then-preempt', jobId: 'L1', forJobId: 'P', reason: 'preempted-by-priority', workSinceCheckpointTileSeconds: 30 * 4 },
    { kind: 'start', jobId: 'P', rect: { row: 0, col: 0, rows: 2, cols: 2 }, recovering: false, backfilled: false, expectedEndAt: 190 },
  ]);
  const l1 = s.job('L1')!;
  assert.equal(l1.state, 'preempted');
  assert.deepEqual(l1.history.at(-1), { state: 'preempted', at: 130, reason: 'preempted-by-priority' });
  assert.equal(l1.workDoneSeconds, 130); // the checkpoint saved everything
  s.complete('P', 190);
  const again = s.schedule(190);
  assert.deepEqual(again.actions[0], { kind: 'start', jobId: 'L1', rect: { row: 0, col: 0, rows: 2, cols: 2 }, recovering: true, backfilled: false, expectedEndAt: 190 + 870 });
  assert.deepEqual(s.job('L1')!.history.slice(-2).map((h) => h.state), ['recovering', 'running']);
});

test('preemption never touches equal or higher classes', () => {
  const s = new TileScheduler({ rows: 2, cols: 2 });
  running(s, 'same', { tiles: 4 }, 1000, { priority: 1 });
  s.submit({ id: 'P', tenant: 't', priority: 1, request: { tiles: 4 }, predictedSeconds: 60 }, 10);
  const d = s.schedule(10);
  assert.deepEqual(d.actions, []);
  assert.equal(pendingOf(d, 'P'), 'capacity');
});

test('a failed tile evicts its job back to the last periodic checkpoint; the restart avoids the tile', () => {
  const s = new TileScheduler({ rows: 2, cols: 4, placement: 'first-fit', maxRestarts: 1 });
  running(s, 'J', { tiles: 4 }, 1000, { checkpointIntervalSeconds: 100 });
  const placedOn = s.job('J')!.rect!;
  const evicted = s.markUnhealthy({ row: placedOn.row, col: placedOn.col }, 250);
  assert.equal(evicted?.id, 'J');
  assert.equal(evicted!.state, 'preempted');
  assert.deepEqual(evicted!.history.at(-1), { state: 'preempted', at: 250, reason: 'tile-unhealthy' });
  assert.equal(evicted!.workDoneSeconds, 200); // 50 s since the checkpoint at 200 are lost
  s.schedule(250);
  const rect = s.job('J')!.rect!;
  assert.ok(tilesOf(rect).every((t) => s.grid.isHealthy(t)));
  assert.equal(s.job('J')!.expectedEndAt, 250 + 800);
  // A second eviction exceeds maxRestarts = 1: the job fails.
  s.markUnhealthy({ row: rect.row, col: rect.col }, 300);
  assert.equal(s.job('J')!.state, 'failed');
  assert.equal(s.markUnhealthy({ row: 0, col: 0 }, 300), null); // already unhealthy, nobody on it
});

test('lifecycle: cancel frees tiles and is idempotent; complete only applies to running jobs', () => {
  const s = new TileScheduler({ rows: 2, cols: 2 });
  running(s, 'R', { tiles: 4 }, 100);
  s.submit({ id: 'W', tenant: 't', request: { tiles: 4 }, predictedSeconds: 100 }, 5);
  s.schedule(5);
  assert.equal(s.cancel('W', 6), true);
  assert.equal(s.cancel('W', 6), false);
  assert.equal(s.cancel('R'), true);
  assert.equal(s.grid.view().freeTiles, 4);
  assert.throws(() => s.complete('R', 7), /not running/);
  assert.throws(() => s.schedule(1), /non-decreasing/);
  assert.throws(() => s.submit({ id: 'R', tenant: 't', request: { tiles: 1 }, predictedSeconds: 1 }, 8), (e: unknown) => e instanceof InputError && e.issues[0]?.path === 'id');
  assert.deepEqual(s.job('W')!.history.map((h) => h.state), ['queued', 'admitted', 'cancelled']);
  assert.deepEqual(s.job('R')!.history.map((h) => [h.state, h.reason]), [['queued', 'submitted'], ['admitted', 'admission-passed'], ['placing', 'placed'], ['running', 'started'], ['cancelled', 'cancelled']]);
});

// ---- properties over random command sequences -----------------------------------------------

const commandArb = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constant('submit' as const),
      tiles: fc.integer({ min: 1, max: 12 }),
      shape: fc.option(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))),
      rotatable: fc.boolean(),
      priority: fc.integer({ min: 0, max: 2 }),
      tenant: fc.constantFrom('a', 'b', 'c'),
      predicted: fc.integer({ min: 10, max: 300 }),
      checkpoint: fc.constantFrom(25, 100, undefined),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ k: fc.constant('complete' as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('unhealthy' as const), row: fc.nat(), col: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('healthy' as const), row: fc.nat(), col: fc.nat() }), weight: 1 },
);

function checkInvariants(s: TileScheduler): void {
  const { rows, cols } = s.grid;
  const owner = new Map<number, string>();
  for (const job of s.runningJobs()) {
    const r = job.rect!;
    assert.equal(job.state, 'running');
    assert.equal(r.rows * r.cols, job.tiles, `${job.id} holds as many tiles as it asked for`);
    assert.ok(job.shapes.some((sh) => sh.rows === r.rows && sh.cols === r.cols), `${job.id} has an allowed shape`);
    if ('tiles' in job.request && job.tiles !== job.request.tiles) assert.equal(resolveRequest({ tiles: job.request.tiles }, rows, cols).tiles, job.tiles);
    assert.ok(r.row >= 0 && r.col >= 0 && r.row + r.rows <= rows && r.col + r.cols <= cols);
    for (const t of tilesOf(r)) {
      const i = t.row * cols + t.col;
      assert.ok(!owner.has(i), `tile ${i} held by ${owner.get(i)} and ${job.id}`);
      owner.set(i, job.id);
      assert.ok(s.grid.isHealthy(t), `${job.id} on unhealthy tile ${i}`);
    }
  }
  assert.equal(s.grid.view().freeTiles + owner.size, s.grid.healthyTiles);
  for (const job of s.allJobs()) assertLegalHistory(job);
}

function assertLegalHistory(job: JobRecord): void {
  assert.equal(job.history[0]?.state, 'queued');
  for (let i = 1; i < job.history.length; i++) {
    const [a, b] = [job.history[i - 1]!, job.history[i]!];
    assert.ok(LEGAL_TRANSITIONS[a.state].includes(b.state), `${job.id}: ${a.state} → ${b.state}`);
    assert.ok(b.at >= a.at, `${job.id}: time went back`);
  }
  assert.equal(job.history.at(-1)!.state, job.state);
}

const overlaps = (a: Rect, b: Rect) => a.row < b.row + b.rows && b.row < a.row + a.rows && a.col < b.col + b.cols && b.col < a.col + a.cols;

/**
 * Replays a decision's actions on the previous occupancy: every start must fit where it lands,
 * and a backfilled start must leave the reserved rectangle alone or be due to end before it.
 */
function checkDecision(s: TileScheduler, before: Map<number, string>, d: ScheduleDecision): void {
  const held = new Map(before);
  for (const a of d.actions) {
    if (a.kind === 'checkpoint-then-preempt') {
      for (const [tile, id] of held) if (id === a.jobId) held.delete(tile);
      const victim = s.job(a.jobId)!;
      const forJob = s.job(a.forJobId)!;
      assert.ok(victim.priority < forJob.priority, 'only lower classes are preempted');
      continue;
    }
    for (const t of tilesOf(a.rect)) {
      const i = t.row * s.grid.cols + t.col;
      assert.ok(!held.has(i), `${a.jobId} started on tile ${i} held by ${held.get(i)}`);
      assert.ok(s.grid.isHealthy(t));
      held.set(i, a.jobId);
    }
    const r = d.reservation;
    if (a.backfilled) assert.ok(r && (!overlaps(a.rect, r.rect) || a.expectedEndAt <= r.at), `${a.jobId} backfilled into the reservation of ${r?.jobId}`);
  }
}

const occupancy = (s: TileScheduler) => {
  const m = new Map<number, string>();
  for (const j of s.runningJobs()) for (const t of tilesOf(j.rect!)) m.set(t.row * s.grid.cols + t.col, j.id);
  return m;
};

test('property: random submit/complete/cancel/markUnhealthy sequences keep placements disjoint, healthy and exact', () => {
  const optionsArb = fc.record({
    rows: fc.integer({ min: 3, max: 6 }),
    cols: fc.integer({ min: 3, max: 7 }),
    placement: fc.constantFrom('first-fit' as const, 'best-fit' as const),
    backfill: fc.constantFrom('easy' as const, 'none' as const),
    order: fc.constantFrom('fifo' as const, 'priority-fair-share' as const),
    preemption: fc.boolean(),
  });
  fc.assert(
    fc.property(optionsArb, fc.array(fc.tuple(commandArb, fc.integer({ min: 0, max: 30 })), { minLength: 10, maxLength: 60 }), (options: SchedulerOptions, commands) => {
      const s = new TileScheduler({ ...options, usageHalfLifeSeconds: 500 });
      const { rows, cols } = s.grid;
      let now = 0;
      let n = 0;
      for (const [cmd, dt] of commands) {
        now += dt;
        if (cmd.k === 'submit') {
          const request: PlacementRequest = cmd.shape ? { shape: { rows: cmd.shape[0], cols: cmd.shape[1] }, rotatable: cmd.rotatable } : { tiles: cmd.tiles };
          try {
            s.submit({ id: `j${n++}`, tenant: cmd.tenant, priority: cmd.priority, request, predictedSeconds: cmd.predicted, checkpointIntervalSeconds: cmd.checkpoint }, now);
          } catch (e) {
            assert.ok(e instanceof InputError, String(e)); // too big for this grid
          }
        } else if (cmd.k === 'complete') {
          const run = s.runningJobs();
          if (run.length) s.complete(run[cmd.pick % run.length]!.id, now);
        } else if (cmd.k === 'cancel') {
          const all = s.allJobs();
          if (all.length) s.cancel(all[cmd.pick % all.length]!.id, now);
        } else {
          const tile = { row: cmd.row % rows, col: cmd.col % cols };
          if (cmd.k === 'unhealthy') {
            const evicted = s.markUnhealthy(tile, now);
            if (evicted) assert.ok(['preempted', 'failed'].includes(evicted.state));
          } else s.markHealthy(tile, now);
        }
        checkInvariants(s);
        const before = occupancy(s);
        const d = s.schedule(now);
        checkDecision(s, before, d);
        checkInvariants(s);
        for (const p of d.pending) assert.ok(['queued', 'admitted', 'preempted'].includes(s.job(p.jobId)!.state));
      }
    }),
    { numRuns: 120 },
  );
});

// ---- the seeded trace -----------------------------------------------------------------------

test('trace: deterministic for a seed, with the configured mix', () => {
  const a = syntheticTrace({ seed: 5, jobs: 300 });
  assert.deepEqual(a, syntheticTrace({ seed: 5, jobs: 300 }));
  assert.notDeepEqual(a.jobs.map((j) => j.submitAt), syntheticTrace({ seed: 6, jobs: 300 }).jobs.map((j) => j.submitAt));
  assert.ok(a.jobs.every((j) => j.tiles >= 1 && j.tiles <= 60 && j.durationSeconds >= 300));
  assert.ok(a.jobs.some((j) => j.priority > 0) && a.jobs.some((j) => 'shape' in j.request));
  assert.equal(new Set(a.jobs.map((j) => j.tenant)).size, 4);
  assert.deepEqual(simulateTrace(a, POLICY_SETS[1]!), simulateTrace(a, POLICY_SETS[1]!));
});

test('trace bound: the makespan relaxation on a hand-made trace', () => {
  // 2 tiles; a 2-tile job for 10 s at t = 0 and a 1-tile job for 30 s at t = 5: makespan ≥ 5 + 30.
  const trace = {
    rows: 1,
    cols: 2,
    tenantWeights: {},
    jobs: [
      { id: 'a', tenant: 't', priority: 0, request: { tiles: 2 }, tiles: 2, submitAt: 0, durationSeconds: 10, predictedSeconds: 10, checkpointIntervalSeconds: 100 },
      { id: 'b', tenant: 't', priority: 0, request: { tiles: 1 }, tiles: 1, submitAt: 5, durationSeconds: 30, predictedSeconds: 30, checkpointIntervalSeconds: 100 },
    ],
  };
  const bound = traceUpperBound(trace);
  assert.equal(bound.makespanSeconds, 35);
  assert.equal(bound.utilization, 50 / (2 * 35));
  const run = simulateTrace(trace, POLICY_SETS[1]!);
  assert.equal(run.makespanSeconds, 40); // b waits for a: 10 + 30
  assert.ok(run.utilization <= bound.utilization);
});

test('trace: EASY backfill beats FIFO on utilization and mean wait, and both stay under the bound', () => {
  const trace = syntheticTrace({ seed: 1, jobs: 800, load: 0.95 });
  const bound = traceUpperBound(trace);
  const [fifo, easyBest, easyFirst] = POLICY_SETS.map((p) => simulateTrace(trace, p));
  for (const r of [fifo!, easyBest!, easyFirst!]) {
    assert.ok(r.utilization <= bound.utilization + 1e-12, `${r.policy}: ${r.utilization} > bound ${bound.utilization}`);
    assert.ok(r.meanWaitSeconds >= bound.meanWaitSeconds && r.p95WaitSeconds >= 0);
  }
  for (const easy of [easyBest!, easyFirst!]) {
    assert.ok(easy.utilization >= fifo!.utilization, `${easy.policy} utilization ${easy.utilization} < FIFO ${fifo!.utilization}`);
    assert.ok(easy.meanWaitSeconds <= fifo!.meanWaitSeconds, `${easy.policy} mean wait ${easy.meanWaitSeconds} > FIFO ${fifo!.meanWaitSeconds}`);
    assert.ok(easy.backfilled > 0);
  }
  const work = trace.jobs.reduce((a, j) => a + j.tiles * j.durationSeconds, 0);
  assert.ok(Math.abs(easyBest!.busyTileSeconds - work) < 1e-6 * work, 'checkpoint-then-preempt loses no work');
});
