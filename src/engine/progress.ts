// Progress of the engine's batch work (a sweep's re-runs, the claims' searches): each runs
// synchronously for seconds to minutes, so callers that show progress (the CLI's periodic stderr
// lines) pass a callback told after every evaluation how many of how many are done.

/** Called after each evaluation: evaluations done, the total, and the one just finished. */
export type OnProgress = (done: number, total: number, label: string) => void;

/** Counts finished evaluations against a total known before the first. */
export interface ProgressCounter {
  /** One evaluation finished. */
  done(label: string): void;
  /** `count` planned evaluations will not run (e.g. a claim that cannot be evaluated). */
  skip(count: number, label: string): void;
}

export function progressCounter(total: number, onProgress?: OnProgress): ProgressCounter {
  let done = 0;
  const advance = (count: number, label: string) => {
    done = Math.min(total, done + count);
    onProgress?.(done, total, label);
  };
  return { done: (label) => advance(1, label), skip: advance };
}
