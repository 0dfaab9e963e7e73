// The engine off the event loop: every engine call made for a request runs in a worker thread
// with a work budget — a deadline after which the worker is terminated (and replaced), and a heap
// limit (worker resourceLimits). A refusal caused by the budget is an InputError (HTTP 422) that
// says which budget and what to change. Engine time is charged to the tenant: a token bucket of
// engine-milliseconds per tenant, refilled at a steady rate; a tenant whose bucket is empty gets
// 429 with Retry-After before any work is queued. Callers may cancel a call with an AbortSignal:
// a queued call is dropped, a running one terminates its worker.
import { Worker } from 'node:worker_threads';
import { InputError, issue } from '../common/errors.js';
import { cancelled, type EngineCall, type EngineRequest } from '../service/api/job-pricer.js';
import type { StepReport } from '../simulators/report.js';
import type { WorkerAnswer } from './engine-worker.js';
import { HttpProblem } from './http/problem.js';

export interface EnginePoolOptions {
  /** Worker threads; default 1 (the server shares its cores with the event loop and the run host). */
  workers?: number;
  /** Wall milliseconds one evaluation may take; default 20,000. */
  deadlineMs?: number;
  /** Heap limit of a worker (MB); default 512. */
  maxOldGenerationMb?: number;
  /** Engine-milliseconds a tenant may spend at once (bucket size); default 20,000. */
  tenantBurstMs?: number;
  /** Engine-milliseconds a tenant earns per wall second; default 500 (half a core). */
  tenantRefillMsPerSecond?: number;
  /** Calls waiting for a worker beyond which new ones are refused with 503; default 64. */
  maxQueued?: number;
}

interface Task {
  id: number;
  req: EngineRequest;
  resolve: (r: StepReport) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  timer: ReturnType<typeof setTimeout> | null;
  startedAt: number;
}

export class EnginePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private nextId = 1;
  private closed = false;
  readonly o: Required<EnginePoolOptions>;

  constructor(options: EnginePoolOptions = {}) {
    this.o = { workers: 1, deadlineMs: 20_000, maxOldGenerationMb: 512, tenantBurstMs: 20_000, tenantRefillMsPerSecond: 500, maxQueued: 64, ...options };
    for (let i = 0; i < this.o.workers; i++) this.slots.push(this.spawn());
  }

  /** The pool as the pricer's engine seam. */
  readonly call: EngineCall = (req, signal) => this.run(req, signal);

  /** Calls waiting for a worker and calls running (both 0 when the pool is idle). */
  load(): { queued: number; active: number } {
    return { queued: this.queue.length, active: this.slots.filter((s) => s.task !== null).length };
  }

  /** Runs one evaluation in a worker; rejects with 429 when the tenant's bucket is empty. */
  run(req: EngineRequest, signal?: AbortSignal): Promise<StepReport> {
    if (this.closed) return Promise.reject(new HttpProblem(503, 'Service Unavailable', 'the engine pool is shutting down'));
    if (signal?.aborted) return Promise.reject(cancelled());
    if (req.tenantId !== undefined) {
      const b = this.bucket(req.tenantId);
      if (b.tokens <= 0) {
        const seconds = Math.ceil((1 - b.tokens) / this.o.tenantRefillMsPerSecond);
        return Promise.reject(new HttpProblem(429, 'Too Many Requests', `this tenant's engine time is used up (${this.o.tenantBurstMs} engine-ms, refilled at ${this.o.tenantRefillMsPerSecond} ms/s); identical requests are answered from the cache`, [], { 'retry-after': String(seconds) }));
      }
    }
    if (this.queue.length >= this.o.maxQueued) return Promise.reject(new HttpProblem(503, 'Service Unavailable', `${this.queue.length} evaluations are waiting for the engine`, [], { 'retry-after': '1' }));
    return new Promise<StepReport>((resolve, reject) => {
      const task: Task = { id: this.nextId++, req, resolve, reject, signal };
      signal?.addEventListener('abort', () => this.abort(task), { once: true });
      this.queue.push(task);
      this.pump();
    });
  }

  /** A tenant's bucket, refilled for the time since it was last read. */
  bucket(tenantId: string): { tokens: number } {
    const now = performance.now();
    let b = this.buckets.get(tenantId);
    if (!b) {
      b = { tokens: this.o.tenantBurstMs, at: now };
      this.buckets.set(tenantId, b);
    }
    b.tokens = Math.min(this.o.tenantBurstMs, b.tokens + ((now - b.at) / 1000) * this.o.tenantRefillMsPerSecond);
    b.at = now;
    return b;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new HttpProblem(503, 'Service Unavailable', 'the engine pool is shutting down'));
    await Promise.all(this.slots.map(async (s) => {
      s.task?.reject(new HttpProblem(503, 'Service Unavailable', 'the engine pool is shutting down'));
      s.task = null;
      if (s.timer) clearTimeout(s.timer);
      await s.worker.terminate();
    }));
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./engine-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: this.o.maxOldGenerationMb } });
    const slot: Slot = { worker, task: null, timer: null, startedAt: 0 };
    worker.on('message', (a: WorkerAnswer) => this.answered(slot, a));
    worker.on('error', (e: Error & { code?: string }) => {
      const memory = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.replace(slot, memory ? budgetError(`the evaluation needed more than the ${this.o.maxOldGenerationMb} MB memory budget`) : new Error(`engine worker failed: ${e.message}`));
    });
    worker.unref();
    return slot;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task || !this.queue.length) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.startedAt = performance.now();
      slot.timer = setTimeout(() => this.replace(slot, budgetError(`the evaluation did not finish within the ${this.o.deadlineMs / 1000} s work budget`)), this.o.deadlineMs);
      const { tenantId: _t, ...req } = task.req;
      slot.worker.postMessage({ id: task.id, req });
    }
  }

  private answered(slot: Slot, a: WorkerAnswer): void {
    const task = slot.task;
    if (!task || task.id !== a.id) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.task = null;
    slot.timer = null;
    this.charge(task, a.ms);
    if ('report' in a) task.resolve(a.report as StepReport);
    else if ('input' in a) task.reject(new InputError(a.input.origin, a.input.issues));
    else task.reject(new Error(`engine failure: ${a.failure}`));
    this.pump();
  }

  private charge(task: Task, ms: number): void {
    if (task.req.tenantId !== undefined) this.bucket(task.req.tenantId).tokens -= ms;
  }

  /** Ends a slot's task with `error`, terminates its worker and starts a fresh one. */
  private replace(slot: Slot, error: unknown): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    const task = slot.task;
    if (slot.timer) clearTimeout(slot.timer);
    slot.task = null;
    if (task) {
      // A refused or cancelled evaluation still cost the engine the time it ran: charge it.
      this.charge(task, performance.now() - slot.startedAt);
      task.reject(error);
    }
    void slot.worker.terminate();
    if (this.closed) return;
    this.slots[i] = this.spawn();
    this.pump();
  }

  private abort(task: Task): void {
    const q = this.queue.indexOf(task);
    if (q >= 0) {
      this.queue.splice(q, 1);
      task.reject(cancelled());
      return;
    }
    const slot = this.slots.find((s) => s.task === task);
    if (slot) this.replace(slot, cancelled());
  }
}

function budgetError(what: string): InputError {
  return new InputError('job', [issue('model', `${what}; ask for a smaller model, fewer devices or a concrete plan instead of plan: auto`)]);
}
