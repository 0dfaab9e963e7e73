// A worker thread of the engine pool: evaluates one placed scenario per message and answers with
// the step report, the input problems (an InputError's issues) or a failure message, plus the
// milliseconds it spent so the pool can charge them to the tenant.
import { parentPort } from 'node:worker_threads';
import { InputError } from '../common/errors.js';
import type { EngineRequest } from '../service/api/job-pricer.js';
import { evaluatePlaced } from '../service/execution/job-runtime.js';

export interface WorkerTask {
  id: number;
  req: EngineRequest;
}

export type WorkerAnswer = { id: number; ms: number } & ({ report: unknown } | { input: { origin: string; issues: InputError['issues'] } } | { failure: string });

parentPort!.on('message', (task: WorkerTask) => {
  const started = performance.now();
  let answer: WorkerAnswer;
  try {
    const report = evaluatePlaced(task.req.scenario, task.req.devices, task.req.training);
    answer = { id: task.id, ms: performance.now() - started, report };
  } catch (e) {
    const ms = performance.now() - started;
    answer = e instanceof InputError ? { id: task.id, ms, input: { origin: e.origin, issues: e.issues } } : { id: task.id, ms, failure: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(answer);
});
