// How many of a job's events the service keeps (issue 13 scope 4). Routine events (progress and
// checkpoints) repeat all run long, so only the newest of them are kept; life-cycle events
// (started, restarted, failed, preempted, cancelled, succeeded, state changes) are few per job
// and are what a reader needs to know what happened, so every one is kept for the life of the
// job row. The store prunes as it writes a routine event and records the highest id it pruned,
// so a stream replaying from a pruned id can say where its history starts. See docs/execution.md.

/** Event kinds that are pruned beyond the newest `ROUTINE_EVENTS_KEPT_PER_JOB` of a job. */
export const ROUTINE_EVENT_KINDS: readonly string[] = ['progress', 'checkpointed'];

/** Newest routine events kept per job: with progress every ~1% of a run, a full run's bar, and
 * at the progress cap (4 per wall second) 25 s of a long job's history. */
export const ROUTINE_EVENTS_KEPT_PER_JOB = 100;
