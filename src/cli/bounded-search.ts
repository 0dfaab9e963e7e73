// Evaluating a slice of candidate plans with an optional deadline (`plan --max-seconds`): the
// slice is timed in chunks and the chunks' best plans merged, so the search can stop between
// chunks and still return the best plans among those it examined. Used by the in-process search
// and by each worker thread (the deadline is wall-clock time, shared by all threads).
import { evaluateCandidates, mergeSearchResults, type Objective, type SearchResult } from '../engine/search.js';
import type { Scenario } from '../engine/scenario.js';
import type { Plan } from '../planner/plan.js';

/** Candidates between deadline checks: ~0.1 ms each, so a check every few milliseconds. */
const CHUNK = 64;

export interface BoundedSearchResult extends SearchResult {
  /** Candidates actually examined (all of them unless the deadline cut the search short). */
  examined: number;
  cutShort: boolean;
}

export interface BoundedSearchOptions {
  top: number;
  objective: Objective;
  /** Date.now() after which no new chunk is started. */
  deadlineMs?: number;
  progressEvery: number;
  onProgress?: (done: number, total: number) => void;
}

export function evaluateBounded(s: Scenario, plans: Plan[], opts: BoundedSearchOptions): BoundedSearchResult {
  const { top, objective } = opts;
  if (opts.deadlineMs === undefined) {
    const all = evaluateCandidates(s, plans, { top, objective, progressEvery: opts.progressEvery, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    return { ...all, examined: plans.length, cutShort: false };
  }
  const parts: SearchResult[] = [];
  let examined = 0;
  // At least one chunk, so even a deadline already past (a slow start) yields some ranked plans.
  do {
    parts.push(evaluateCandidates(s, plans.slice(examined, examined + CHUNK), { top, objective }));
    examined = Math.min(plans.length, examined + CHUNK);
    opts.onProgress?.(examined, plans.length);
  } while (examined < plans.length && Date.now() < opts.deadlineMs);
  const merged = mergeSearchResults(parts, top, objective);
  return { ...merged, candidates: plans.length, examined, cutShort: examined < plans.length };
}
