// The job life cycle's states and the sets every layer asks about ("is it over?", "does it hold
// tiles?"). One owner for these facts: the scheduler's transition table, the store's SQL, the
// control plane, the HTTP views and the CLI's follow loop all read them from here.

export const JOB_STATES = ['queued', 'admitted', 'placing', 'running', 'preempted', 'recovering', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves. */
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
export const TERMINAL: ReadonlySet<JobState> = new Set(TERMINAL_STATES);

/** States in which a job holds a rectangle of tiles (loading, running or restoring). */
export const HOLDING_STATES: readonly JobState[] = ['placing', 'running', 'recovering'];
export const HOLDING: ReadonlySet<JobState> = new Set(HOLDING_STATES);

/** Waiting for tiles: in the scheduler's queue. */
export const WAITING_STATES: readonly JobState[] = ['queued', 'admitted', 'preempted'];

/** True for a state that ends the job; accepts any string so event payloads can be tested too. */
export function isTerminal(state: unknown): boolean {
  return TERMINAL.has(state as JobState);
}

/** States a job can still leave: everything but the terminal ones. */
export const LIVE_STATES: readonly JobState[] = JOB_STATES.filter((s) => !TERMINAL.has(s));
