// Run dispatch through Redis (BullMQ): the control plane enqueues one queue job per run attempt
// and workers (`opendojo worker`) execute it. A worker that dies loses its lock; BullMQ hands
// the run to another worker, which resumes from the last checkpoint in the database. Signals
// (preempt, cancel, a failed tile) need no channel: workers watch the job's row.
import { Queue } from 'bullmq';
import type { RunDispatch } from '../../service/api/controller.js';
import type { Logger } from '../../service/api/logger.js';
import type { RunAssignment } from '../../service/api/run-host.js';
import { redisConnection } from './connection.js';

export const RUN_QUEUE = 'opendojo-runs';

export class QueueDispatch implements RunDispatch {
  readonly runsDieWithProcess = false;
  private readonly queue: Queue;

  constructor(redisUrl: string, private readonly log: Logger) {
    this.queue = new Queue(RUN_QUEUE, { connection: redisConnection(redisUrl) });
  }

  async start(a: RunAssignment): Promise<void> {
    // One queue job per attempt: a duplicate add (a retried dispatch) is ignored by BullMQ.
    await this.queue.add('run', a, { jobId: `${a.jobId}.${a.attempt}`, removeOnComplete: 1000, removeOnFail: 1000, attempts: 1 });
    this.log.debug('run enqueued', { job: a.jobId, attempt: a.attempt });
  }

  async signal(): Promise<void> {
    // Workers read the job's state from the database (see worker.ts).
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
