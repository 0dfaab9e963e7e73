// How many of a job's events the service keeps (issue 13 scope 4). Progress events repeat all
// run long and each supersedes the last, so only the newest of them are kept. Every other event
// is kept for the life of the job row: life-cycle events (started, restarted, failed, preempted,
// cancelled, succeeded, state changes) are few per job and say what happened, and checkpoints
// are the job's durable history, already bounded to one per minimum checkpoint interval
// (MIN_CHECKPOINT_INTERVAL_SECONDS in api/job-pricer.ts). The store prunes as it writes a routine event and records the highest id it pruned,
// so a stream replaying from a pruned id can say where its history starts. See docs/execution.md.

/** Event kinds pruned beyond the newest `ROUTINE_EVENTS_KEPT_PER_JOB` of a job. */
export const ROUTINE_EVENT_KINDS: readonly string[] = ['progress'];

/** Newest progress events kept per job: progress is written every ~1% of a run, so a full run's
 * bar; at the progress cap (4 per wall second) the last 25 s of a long job. */
export const ROUTINE_EVENTS_KEPT_PER_JOB = 100;
