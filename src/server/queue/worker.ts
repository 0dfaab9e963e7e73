// `opendojo worker`: executes runs from the Redis queue. Each run is a JobExecutor on the
// shared virtual clock (a RunHost) writing to PostgreSQL. The worker watches the job's row to
// learn of cancels, preemptions and failed tiles. A run delivered again after its worker died
// (BullMQ's stalled-job recovery) resumes from the last durable checkpoint; the steps the dead
// worker computed after it count as lost work. The finished mark is written once per attempt,
// so every job completes exactly once however often its run is delivered.
import { Worker, type Job } from 'bullmq';
import { carriedFrom } from '../../service/api/controller.js';
import type { Logger } from '../../service/api/logger.js';
import { RunHost, type RunAssignment, type RunSignal } from '../../service/api/run-host.js';
import { serviceClock } from '../clock.js';
import { openStore } from '../open-store.js';
import { redisConnection } from './connection.js';
import { RUN_QUEUE } from './dispatch.js';

export interface WorkerOptions {
  database: string;
  redis: string;
  concurrency?: number;
  /** How long a dead worker's runs stay locked before another worker takes them (ms). */
  lockMs?: number;
  pollMs?: number;
  log: Logger;
  name?: string;
}

export interface RunningWorker {
  close(): Promise<void>;
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const opened = await openStore({ database: o.database });
  const { store } = opened;
  const clock = await serviceClock(store);
  const host = new RunHost(store, clock, o.log);
  const pollMs = o.pollMs ?? 200;
  const lockMs = o.lockMs ?? 10_000;
  let stopping = false;

  const process = async (job: Job<RunAssignment>): Promise<string> => {
    let a = job.data;
    const row = await store.job(null, a.jobId);
    if (!row || row.attempt !== a.attempt || row.finishedAt !== null || row.state !== 'running') return 'superseded';
    if ((job.attemptsStarted ?? 1) > 1) {
      // Delivered again (its worker died): resume from what the store says is durable.
      const lost = Math.max(0, row.step - row.durableStep);
      a = { ...a, resumeFromStep: row.durableStep, lostSteps: lost, carried: carriedFrom(row) };
      await store.updateJob(a.jobId, {}, [{ jobId: a.jobId, tenantId: a.tenantId, at: clock.now(), kind: 'restarted', data: { reason: 'worker-lost', attempt: a.attempt, fromStep: row.durableStep, lostSteps: lost, worker: o.name ?? null } }], { attempt: a.attempt });
    }
    o.log.info('run started', { job: a.jobId, attempt: a.attempt, fromStep: a.resumeFromStep, worker: o.name });
    host.start(a);
    let signalled = false;
    while (host.has(a.jobId, a.attempt)) {
      await new Promise((r) => setTimeout(r, pollMs));
      if (stopping) return 'abandoned';
      const now = await store.job(null, a.jobId);
      if (signalled || !now) continue;
      let signal: RunSignal | undefined;
      if (now.attempt !== a.attempt || now.state === 'cancelled') signal = 'cancel';
      else if (now.state === 'preempted') signal = now.stateReason === 'tile-unhealthy' ? 'fail' : 'preempt';
      else if (now.state === 'failed') signal = 'fail';
      if (signal) {
        host.signal(a.jobId, a.attempt, signal);
        signalled = true;
      }
    }
    await host.flush();
    return 'done';
  };

  const worker = new Worker<RunAssignment, string>(RUN_QUEUE, process, {
    connection: redisConnection(o.redis),
    concurrency: o.concurrency ?? 16,
    lockDuration: lockMs,
    stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
    maxStalledCount: 100,
  });
  worker.on('error', (e) => o.log.error('worker error', { error: e.message }));
  await worker.waitUntilReady();
  o.log.info('worker ready', { queue: RUN_QUEUE, worker: o.name, lockMs });
  return {
    close: async () => {
      stopping = true;
      host.abandonAll();
      await worker.close(true);
      await host.flush();
      await opened.close();
    },
  };
}
