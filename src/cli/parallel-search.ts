// Plan search across worker threads: enumerate the candidates once in the main thread, deal them
// round-robin to N workers (neighbouring candidates cost about the same, so slices balance), and
// merge the slices' best plans. Workers are started before enumerating so their start-up (engine
// import, scenario parse) overlaps it. With one worker everything runs in-process.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { enumerateScenarioPlans, mergeSearchResults, type Objective } from '../engine/search.js';
import type { Plan } from '../planner/plan.js';
import type { SearchSpace } from '../planner/space.js';
import { evaluateBounded, type BoundedSearchResult } from './bounded-search.js';
import { createProgress } from './progress.js';
import type { LoadedScenario } from './read-file.js';
import type { WorkerInit, WorkerMessage, WorkerTask } from './search-worker.js';

export const MAX_WORKERS = 8;
export const defaultWorkers = (): number => Math.min(availableParallelism(), MAX_WORKERS);
/** A worker costs ~0.3 s to start (engine import, scenario parse) and a candidate ~0.1 ms to
 * time, so threads only pay off past roughly this many candidates (see `npm run bench`). */
export const CANDIDATES_PER_WORKER = 8000;

export interface ParallelSearchOptions {
  /** A thread count, or 'auto': in-process for small searches, one worker per core for large ones. */
  workers: number | 'auto';
  top: number;
  objective: Objective;
  space?: SearchSpace;
  /** Label of the stderr progress bar (on a terminal) or periodic progress lines (otherwise). */
  label?: string;
  /** Stop after about this many seconds with the best plans among the candidates examined. */
  maxSeconds?: number;
}

export interface ParallelSearchResult extends BoundedSearchResult {
  elapsedSeconds: number;
  /** Worker threads actually used (never more than there are candidates). */
  workers: number;
}

const PROGRESS_EVERY = 64;

interface SearchWorker {
  run(plans: Plan[]): Promise<BoundedSearchResult>;
  stop(): void;
}

/** Start a worker now (it loads the engine and parses the scenario meanwhile); send it work later. */
function startWorker(init: WorkerInit, onProgress: (done: number) => void): SearchWorker {
  const worker = new Worker(new URL('./search-worker.js', import.meta.url), { workerData: init });
  let finish: { resolve: (r: BoundedSearchResult) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    finish?.reject(failure);
    finish = undefined;
  };
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'progress') onProgress(m.done);
    else if (m.type === 'result') {
      finish?.resolve(m.result);
      finish = undefined;
    } else fail(new Error(`search worker: ${m.message}`));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`search worker exited with code ${code} before reporting`)));
  return {
    run(plans) {
      return new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        finish = { resolve, reject };
        const task: WorkerTask = { plans };
        worker.postMessage(task);
      });
    },
    stop: () => void worker.terminate(),
  };
}

export async function parallelSearch(loaded: LoadedScenario, opts: ParallelSearchOptions): Promise<ParallelSearchResult> {
  const started = performance.now();
  const progress = createProgress(opts.label ?? 'searching');
  const deadlineMs = opts.maxSeconds === undefined ? undefined : Date.now() + opts.maxSeconds * 1000;
  const init: WorkerInit = { document: loaded.document, origin: loaded.origin, top: opts.top, objective: opts.objective, progressEvery: PROGRESS_EVERY, ...(deadlineMs !== undefined ? { deadlineMs } : {}) };
  let total = 0;
  let done: number[] = [];
  const spawn = (n: number) => {
    done = new Array<number>(n).fill(0);
    return n > 1 ? done.map((_, w) => startWorker(init, (d) => { done[w] = d; progress.update(done.reduce((a, b) => a + b, 0), total); })) : [];
  };
  // A fixed count starts workers at once so they boot while this thread enumerates; 'auto'
  // enumerates first and starts workers only if the search is big enough to repay them.
  let pool = typeof opts.workers === 'number' ? spawn(opts.workers) : [];
  let merged: BoundedSearchResult;
  let prunedDivisibility: number;
  let used = 1;
  try {
    const enumeration = enumerateScenarioPlans(loaded.scenario, opts.space, opts.objective);
    const plans = enumeration.plans;
    prunedDivisibility = enumeration.prunedDivisibility;
    total = plans.length;
    if (opts.workers === 'auto') pool = spawn(Math.min(defaultWorkers(), Math.floor(plans.length / CANDIDATES_PER_WORKER)));
    used = Math.max(1, Math.min(pool.length, plans.length));
    if (pool.length <= 1 || used === 1) {
      merged = evaluateBounded(loaded.scenario, plans, { top: opts.top, objective: opts.objective, progressEvery: PROGRESS_EVERY, ...(deadlineMs !== undefined ? { deadlineMs } : {}), onProgress: (d, t) => progress.update(d, t) });
    } else {
      const slices: Plan[][] = Array.from({ length: used }, () => []);
      plans.forEach((p, i) => slices[i % used]!.push(p));
      const parts = await Promise.all(slices.map((slice, w) => pool[w]!.run(slice)));
      const examined = parts.reduce((a, p) => a + p.examined, 0);
      merged = { ...mergeSearchResults(parts, opts.top, opts.objective), examined, cutShort: parts.some((p) => p.cutShort) };
    }
  } finally {
    for (const w of pool) w.stop();
    progress.finish();
  }
  return { ...merged, prunedDivisibility, elapsedSeconds: (performance.now() - started) / 1000, workers: used };
}

/** The stderr summary line printed after a search. */
export function searchSummary(r: ParallelSearchResult): string {
  const cut = r.cutShort ? `search cut short by --max-seconds: ${r.examined} of ${r.candidates} candidates examined; ` : '';
  return `${cut}${r.candidates} candidates, ${r.prunedDivisibility} pruned by divisibility, ${r.prunedMemory} pruned by memory, ${r.evaluated} evaluated in ${r.elapsedSeconds.toFixed(2)} s on ${r.workers} worker${r.workers === 1 ? '' : 's'}`;
}
