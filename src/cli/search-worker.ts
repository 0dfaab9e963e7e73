// Worker thread for plan search: parses the scenario document it is given at start (plain data,
// with any system file already inlined) while the main thread enumerates candidates, then
// evaluates the slice of plans it is sent, posting progress and the slice's result back to
// parallel-search.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { parseScenario, type Scenario } from '../engine/scenario.js';
import type { Objective } from '../engine/search.js';
import type { Plan } from '../planner/plan.js';
import { evaluateBounded, type BoundedSearchResult } from './bounded-search.js';

export interface WorkerInit {
  document: unknown;
  origin: string;
  top: number;
  objective: Objective;
  progressEvery: number;
  /** Date.now() after which the worker stops and reports the best plans so far. */
  deadlineMs?: number;
}

/** Main → worker: the slice of candidates to evaluate. */
export interface WorkerTask {
  plans: Plan[];
}

/** Worker → main. */
export type WorkerMessage =
  | { type: 'progress'; done: number }
  | { type: 'result'; result: BoundedSearchResult }
  | { type: 'error'; message: string };

function start(port: NonNullable<typeof parentPort>, init: WorkerInit): void {
  const post = (m: WorkerMessage) => port.postMessage(m);
  let scenario: Scenario | undefined;
  let parseError: string | undefined;
  try {
    scenario = parseScenario(init.document, init.origin);
  } catch (e) {
    parseError = e instanceof Error ? e.message : String(e);
  }
  port.once('message', (task: WorkerTask) => {
    try {
      if (!scenario) throw new Error(parseError);
      const result = evaluateBounded(scenario, task.plans, {
        top: init.top,
        objective: init.objective,
        progressEvery: init.progressEvery,
        ...(init.deadlineMs !== undefined ? { deadlineMs: init.deadlineMs } : {}),
        onProgress: (done) => post({ type: 'progress', done }),
      });
      post({ type: 'result', result });
    } catch (e) {
      post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
}

if (parentPort) start(parentPort, workerData as WorkerInit);
