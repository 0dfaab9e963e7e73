// Worker thread for plan search: re-parses the scenario document it is sent (plain data, with any
// system file already inlined), evaluates its slice of candidate plans and posts progress and
// the slice's result back to parallel-search.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { parseScenario } from '../engine/scenario.js';
import { evaluateCandidates, type Objective, type SearchResult } from '../engine/search.js';
import type { Plan } from '../planner/plan.js';

export interface WorkerInput {
  document: unknown;
  origin: string;
  plans: Plan[];
  top: number;
  objective: Objective;
  progressEvery: number;
}

export type WorkerMessage =
  | { type: 'progress'; done: number }
  | { type: 'result'; result: SearchResult }
  | { type: 'error'; message: string };

function run(port: NonNullable<typeof parentPort>, input: WorkerInput): void {
  const post = (m: WorkerMessage) => port.postMessage(m);
  try {
    const scenario = parseScenario(input.document, input.origin);
    const result = evaluateCandidates(scenario, input.plans, {
      top: input.top,
      objective: input.objective,
      progressEvery: input.progressEvery,
      onProgress: (done) => post({ type: 'progress', done }),
    });
    post({ type: 'result', result });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

if (parentPort) run(parentPort, workerData as WorkerInput);
