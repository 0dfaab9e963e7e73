// A virtual-time simulation of the tile scheduler over a seeded synthetic job trace, to compare
// policy sets (FIFO, EASY backfill with best or first fit) by utilization and wait, against an
// upper bound on utilization from a relaxation that ignores contiguity. Deterministic per seed.
import { resolveRequest, exapodGridSize, type PlacementPolicy, type PlacementRequest } from './grid.js';
import { MinHeap } from '../../common/min-heap.js';
import type { QueueOrder } from './policy.js';
import { TileScheduler } from './scheduler.js';

/** mulberry32: a tiny seeded PRNG with a full 2³² period, uniform on [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TraceTenant {
  readonly name: string;
  readonly weight: number;
  /** Fraction of submissions from this tenant. */
  readonly submitFraction: number;
}

export interface TraceConfig {
  readonly seed: number;
  readonly jobs: number;
  /** Offered load: submitted tile-seconds per second over the grid's tiles. */
  readonly load?: number;
  readonly rows?: number;
  readonly cols?: number;
  readonly tenants?: readonly TraceTenant[];
  /** Fraction of jobs in priority class 1 (the rest are class 0). */
  readonly priorityFraction?: number;
  /** Fraction of jobs that ask for an explicit shape instead of a count. */
  readonly shapedFraction?: number;
  readonly medianSeconds?: number;
  /** σ of ln(duration). */
  readonly durationSigma?: number;
  /** Predictions overestimate by up to this fraction (uniform); 0 = exact predictions. */
  readonly overestimate?: number;
  readonly checkpointIntervalSeconds?: number;
}

export interface TraceJob {
  readonly id: string;
  readonly tenant: string;
  readonly priority: number;
  readonly request: PlacementRequest;
  readonly tiles: number;
  readonly submitAt: number;
  readonly durationSeconds: number;
  readonly predictedSeconds: number;
  readonly checkpointIntervalSeconds: number;
}

export interface Trace {
  readonly rows: number;
  readonly cols: number;
  readonly tenantWeights: Readonly<Record<string, number>>;
  readonly jobs: readonly TraceJob[];
}

/** [tiles, relative frequency]: mostly small jobs, tray multiples common, a few up to half the pod. */
const SIZE_MIX: readonly (readonly [number, number])[] = [
  [1, 14], [2, 12], [3, 6], [4, 12], [6, 12], [8, 8], [9, 3], [12, 8], [16, 5], [18, 4],
  [20, 3], [24, 5], [30, 2], [36, 2], [40, 1.5], [48, 1.5], [60, 1],
];
/** Explicit shapes jobs ask for (tray-aligned 2×3 multiples and squares), [rows, cols, frequency]. */
const SHAPE_MIX: readonly (readonly [number, number, number])[] = [
  [2, 3, 6], [2, 2, 4], [4, 3, 4], [2, 6, 3], [4, 6, 2], [3, 3, 2], [6, 6, 1], [6, 10, 0.5],
];
const DEFAULT_TENANTS: readonly TraceTenant[] = [
  { name: 'autopilot', weight: 4, submitFraction: 0.4 },
  { name: 'research', weight: 2, submitFraction: 0.3 },
  { name: 'video', weight: 1, submitFraction: 0.2 },
  { name: 'infra', weight: 1, submitFraction: 0.1 },
];

function pick<T>(rand: () => number, items: readonly T[], weightOf: (t: T) => number): T {
  let u = rand() * items.reduce((a, t) => a + weightOf(t), 0);
  for (const t of items) if ((u -= weightOf(t)) < 0) return t;
  return items[items.length - 1]!;
}

/** Box–Muller standard normal. */
const normal = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

/**
 * Jobs with sizes from SIZE_MIX (some as explicit shapes, a third of those pinned), log-normal
 * durations clamped to [5 min, 7 days], tenants by submit fraction, a few priority jobs, and
 * Poisson arrivals whose rate makes the offered load `load`.
 */
export function syntheticTrace(config: TraceConfig): Trace {
  const rand = mulberry32(config.seed);
  const { rows, cols } = config.rows && config.cols ? { rows: config.rows, cols: config.cols } : exapodGridSize();
  const tenants = config.tenants ?? DEFAULT_TENANTS;
  const median = config.medianSeconds ?? 3600;
  const sigma = config.durationSigma ?? 1;
  const drafts = Array.from({ length: config.jobs }, (_, i) => {
    let request: PlacementRequest;
    if (rand() < (config.shapedFraction ?? 0.2)) {
      const [r, c] = pick(rand, SHAPE_MIX, (s) => s[2]);
      request = { shape: { rows: r, cols: c }, rotatable: rand() >= 1 / 3 };
    } else request = { tiles: pick(rand, SIZE_MIX, (s) => s[1])[0] };
    const durationSeconds = Math.min(7 * 86_400, Math.max(300, median * Math.exp(sigma * normal(rand))));
    return {
      id: `j${i}`,
      tenant: pick(rand, tenants, (t) => t.submitFraction).name,
      priority: rand() < (config.priorityFraction ?? 0.03) ? 1 : 0,
      request,
      tiles: resolveRequest(request, rows, cols).tiles,
      durationSeconds,
      predictedSeconds: durationSeconds * (1 + (config.overestimate ?? 0) * rand()),
      checkpointIntervalSeconds: config.checkpointIntervalSeconds ?? 1800,
    };
  });
  const work = drafts.reduce((a, j) => a + j.tiles * j.durationSeconds, 0);
  const meanGap = work / ((config.load ?? 0.95) * rows * cols * Math.max(1, config.jobs));
  let t = 0;
  const jobs = drafts.map((j) => {
    const job: TraceJob = { ...j, submitAt: t };
    t += -Math.log(1 - rand()) * meanGap;
    return job;
  });
  return { rows, cols, tenantWeights: Object.fromEntries(tenants.map((x) => [x.name, x.weight])), jobs };
}

export interface TracePolicy {
  readonly name: string;
  readonly order: QueueOrder;
  readonly backfill: 'easy' | 'none';
  readonly placement: PlacementPolicy;
  readonly preemption: boolean;
}

export const POLICY_SETS: readonly TracePolicy[] = [
  { name: 'fifo', order: 'fifo', backfill: 'none', placement: 'first-fit', preemption: false },
  { name: 'easy-best-fit', order: 'priority-fair-share', backfill: 'easy', placement: 'best-fit', preemption: true },
  { name: 'easy-first-fit', order: 'priority-fair-share', backfill: 'easy', placement: 'first-fit', preemption: true },
];

export interface TraceResult {
  readonly policy: string;
  /** Busy tile-seconds / (healthy tiles × makespan). */
  readonly utilization: number;
  readonly meanWaitSeconds: number;
  readonly p95WaitSeconds: number;
  /** Last completion − first arrival. */
  readonly makespanSeconds: number;
  readonly busyTileSeconds: number;
  readonly preemptions: number;
  readonly backfilled: number;
}

interface Completion {
  readonly at: number;
  readonly job: number;
  readonly generation: number;
}

/** Runs the trace to completion under one policy set; waits count from submit to first start. */
export function simulateTrace(trace: Trace, policy: TracePolicy): TraceResult {
  const sched = new TileScheduler({ rows: trace.rows, cols: trace.cols, tenantWeights: trace.tenantWeights, ...policy });
  const jobs = trace.jobs;
  const index = new Map(jobs.map((j, i) => [j.id, i]));
  const firstStart = new Float64Array(jobs.length).fill(NaN);
  const runStart = new Float64Array(jobs.length);
  const generation = new Int32Array(jobs.length);
  const completions = new MinHeap<Completion>((a, b) => a.at < b.at || (a.at === b.at && a.job < b.job));
  let busy = 0;
  let preemptions = 0;
  let backfilled = 0;
  let lastEnd = 0;
  let next = 0;
  while (next < jobs.length || completions.size) {
    const now = Math.min(jobs[next]?.submitAt ?? Infinity, completions.peek()?.at ?? Infinity);
    while (completions.size && completions.peek()!.at === now) {
      const c = completions.pop()!;
      if (c.generation !== generation[c.job]) continue;
      const job = jobs[c.job]!;
      sched.complete(job.id, now);
      busy += (now - runStart[c.job]!) * job.tiles;
      lastEnd = now;
    }
    for (; next < jobs.length && jobs[next]!.submitAt === now; next++) {
      const j = jobs[next]!;
      sched.submit({ id: j.id, tenant: j.tenant, priority: j.priority, request: j.request, predictedSeconds: j.predictedSeconds, checkpointIntervalSeconds: j.checkpointIntervalSeconds }, now);
    }
    // Preempted jobs re-enter the queue; one more pass lets them use what is left right away.
    for (let again = true; again; ) {
      again = false;
      for (const action of sched.schedule(now).actions) {
        const i = index.get(action.jobId)!;
        generation[i]!++;
        if (action.kind === 'checkpoint-then-preempt') {
          busy += (now - runStart[i]!) * jobs[i]!.tiles;
          preemptions++;
          again = true;
          continue;
        }
        if (Number.isNaN(firstStart[i])) firstStart[i] = now;
        if (action.backfilled) backfilled++;
        runStart[i] = now;
        const remaining = jobs[i]!.durationSeconds - sched.job(action.jobId)!.workDoneSeconds;
        completions.push({ at: now + Math.max(0, remaining), job: i, generation: generation[i]! });
      }
    }
  }
  const waits = jobs.map((j, i) => firstStart[i]! - j.submitAt).sort((a, b) => a - b);
  const makespan = lastEnd - (jobs[0]?.submitAt ?? 0);
  return {
    policy: policy.name,
    utilization: busy / (sched.grid.healthyTiles * makespan),
    meanWaitSeconds: waits.reduce((a, w) => a + w, 0) / Math.max(1, waits.length),
    p95WaitSeconds: waits[Math.max(0, Math.ceil(0.95 * waits.length) - 1)] ?? 0,
    makespanSeconds: makespan,
    busyTileSeconds: busy,
    preemptions,
    backfilled,
  };
}

export interface TraceBound {
  /** No schedule's utilization can exceed this. */
  readonly utilization: number;
  readonly makespanSeconds: number;
  /** Trivial: waits are ≥ 0 (a schedule with every job starting on arrival is not excluded by the relaxation). */
  readonly meanWaitSeconds: number;
}

/**
 * Upper bound on utilization from a lower bound on makespan. Relax the grid to a pool of T
 * interchangeable tiles (no contiguity, no shapes): work submitted at or after time a_k cannot
 * start before a_k, so for every k the makespan is at least
 *   (a_k − a_0) + max(W(≥ a_k) / T, longest job submitted at or after a_k).
 * Since busy tile-seconds equal the total work W in every schedule (checkpoint-then-preempt loses
 * nothing here), utilization = W / (T · makespan) ≤ W / (T · that bound).
 */
export function traceUpperBound(trace: Trace): TraceBound {
  const tiles = trace.rows * trace.cols;
  const jobs = trace.jobs;
  const total = jobs.reduce((a, j) => a + j.tiles * j.durationSeconds, 0);
  let suffixWork = 0;
  let suffixLongest = 0;
  let makespan = 0;
  for (let k = jobs.length - 1; k >= 0; k--) {
    const j = jobs[k]!;
    suffixWork += j.tiles * j.durationSeconds;
    suffixLongest = Math.max(suffixLongest, j.durationSeconds);
    makespan = Math.max(makespan, j.submitAt - jobs[0]!.submitAt + Math.max(suffixWork / tiles, suffixLongest));
  }
  return { utilization: makespan > 0 ? Math.min(1, total / (tiles * makespan)) : 0, makespanSeconds: makespan, meanWaitSeconds: 0 };
}

