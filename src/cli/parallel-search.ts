// Plan search across worker threads: enumerate the candidates once in the main thread, deal them
// round-robin to N workers (neighbouring candidates cost about the same, so slices balance), and
// merge the slices' best plans. With one worker everything runs in-process.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { enumerateScenarioPlans, evaluateCandidates, mergeSearchResults, type Objective, type SearchResult } from '../engine/search.js';
import type { Plan } from '../planner/plan.js';
import type { SearchSpace } from '../planner/space.js';
import { createProgress } from './progress.js';
import type { LoadedScenario } from './read-file.js';
import type { WorkerInput, WorkerMessage } from './search-worker.js';

export const MAX_WORKERS = 8;
export const defaultWorkers = (): number => Math.min(availableParallelism(), MAX_WORKERS);

export interface ParallelSearchOptions {
  workers: number;
  top: number;
  objective: Objective;
  space?: SearchSpace;
  /** Label of the stderr progress bar (drawn only on a terminal). */
  label?: string;
}

export interface ParallelSearchResult extends SearchResult {
  elapsedSeconds: number;
  /** Worker threads actually used (never more than there are candidates). */
  workers: number;
}

const PROGRESS_EVERY = 64;

function runWorker(input: WorkerInput, onProgress: (done: number) => void): Promise<SearchResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./search-worker.js', import.meta.url), { workerData: input });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.done);
      else if (m.type === 'result') settle(() => resolve(m.result));
      else settle(() => reject(new Error(`search worker: ${m.message}`)));
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`search worker exited with code ${code} before reporting`))));
  });
}

export async function parallelSearch(loaded: LoadedScenario, opts: ParallelSearchOptions): Promise<ParallelSearchResult> {
  const started = performance.now();
  const { plans, prunedDivisibility } = enumerateScenarioPlans(loaded.scenario, opts.space);
  const workers = Math.max(1, Math.min(opts.workers, plans.length));
  const progress = createProgress(opts.label ?? 'searching');
  let merged: SearchResult;
  try {
    if (workers === 1) {
      merged = evaluateCandidates(loaded.scenario, plans, { top: opts.top, objective: opts.objective, progressEvery: PROGRESS_EVERY, onProgress: (d, t) => progress.update(d, t) });
    } else {
      const slices: Plan[][] = Array.from({ length: workers }, () => []);
      plans.forEach((p, i) => slices[i % workers]!.push(p));
      const done = new Array<number>(workers).fill(0);
      const parts = await Promise.all(
        slices.map((slice, w) =>
          runWorker({ document: loaded.document, origin: loaded.origin, plans: slice, top: opts.top, objective: opts.objective, progressEvery: PROGRESS_EVERY }, (d) => {
            done[w] = d;
            progress.update(done.reduce((a, b) => a + b, 0), plans.length);
          }),
        ),
      );
      merged = mergeSearchResults(parts, opts.top, opts.objective);
    }
  } finally {
    progress.finish();
  }
  return { ...merged, prunedDivisibility, elapsedSeconds: (performance.now() - started) / 1000, workers };
}

/** The stderr summary line printed after a search. */
export function searchSummary(r: ParallelSearchResult): string {
  return `${r.candidates} candidates, ${r.prunedDivisibility} pruned by divisibility, ${r.prunedMemory} pruned by memory, ${r.evaluated} evaluated in ${r.elapsedSeconds.toFixed(2)} s on ${r.workers} worker${r.workers === 1 ? '' : 's'}`;
}
