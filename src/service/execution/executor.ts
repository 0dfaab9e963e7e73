// Runs jobs on a virtual clock from their run profiles. A run segment (one placement) is a
// sequence of phases: restoring (on a restart), then computing up to the next checkpoint
// boundary, writing the checkpoint, computing again, … until the last step. Progress is
// durable only at a checkpoint (or completion). A failure loses the compute since the last
// durable point; a preemption finishes the step in flight, writes a checkpoint and stops.
// Only phase ends are clock events, so a 100k-step job costs a few events per checkpoint.
import type { ClockHandle, VirtualClock } from './clock.js';
import type { RunProfile } from './job-runtime.js';

export type ExecutionEventKind = 'started' | 'checkpointed' | 'progress' | 'failed' | 'preempted' | 'restarted' | 'succeeded' | 'cancelled';

export interface ExecutionEvent {
  kind: ExecutionEventKind;
  jobId: string;
  at: number;
  /** Steps completed (durable or not) at `at`. */
  step: number;
  durableStep: number;
  /** `failed`: step-seconds lost by this failure. */
  lostStepSeconds?: number;
}

/** `stopped`: failed or preempted, waiting for the scheduler to place it again. */
export type ExecutionState = 'running' | 'stopping' | 'stopped' | 'succeeded';

export interface RunSegment {
  devices: number;
  start: number;
  /** Absent while the segment is open. */
  end?: number;
}

export interface JobAccounting {
  /** Compute time of steps that became durable (step-seconds). */
  usefulStepSeconds: number;
  /** Compute time lost to failures (back to the last checkpoint, partial steps included). */
  lostStepSeconds: number;
  /** Compute since the last durable point: useful if the next checkpoint lands, lost if not. */
  atRiskStepSeconds: number;
  checkpointSeconds: number;
  restartSeconds: number;
  /** useful / (useful + lost + checkpoint + restart); 1 before any time is spent. */
  goodput: number;
  deviceSeconds: number;
  energyJ: number;
  costUsd: number;
  failures: number;
  preemptions: number;
  segments: readonly RunSegment[];
}

export interface JobProgress {
  state: ExecutionState;
  step: number;
  durableStep: number;
  totalSteps: number;
  fraction: number;
  /** Expected completion time if nothing else happens; undefined while stopped. */
  eta?: number;
  accounting: JobAccounting;
}

type Phase =
  | { kind: 'restoring'; start: number; end: number }
  | { kind: 'computing'; start: number; end: number; fromStep: number; toStep: number }
  | { kind: 'checkpointing'; start: number; end: number; step: number };

interface JobRun {
  id: string;
  profile: RunProfile;
  state: ExecutionState;
  durableStep: number;
  phase?: Phase;
  timer?: ClockHandle;
  progressTimer?: ClockHandle;
  useful: number;
  lost: number;
  atRisk: number;
  checkpoint: number;
  restart: number;
  failures: number;
  preemptions: number;
  segments: { devices: number; start: number; end?: number; joulesPerSecond: number; usdPerSecond: number }[];
  /** Overrides the executor's progress interval for this job. */
  progressEvery?: number;
  /** Time of the latest event emitted. A scaled clock fires callbacks in real-timer order, which
   * under event-loop lag is not always virtual-time order (a past-due phase end can run after a
   * progress timer with a later time); event times and segment ends never go back before it, so
   * usage metered at one event is never taken back by a later one (issue 13 soak). */
  lastEventAt?: number;
}

export interface ExecutorOptions {
  onEvent?: (e: ExecutionEvent) => void;
  /** Emit `progress` every this many virtual seconds while a job runs. */
  progressIntervalSeconds?: number;
}

const EPS = 1e-9;

export class JobExecutor {
  private readonly jobs = new Map<string, JobRun>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly opts: ExecutorOptions = {},
  ) {}

  /** Starts a job, or restarts a stopped one on its new placement (the profile for the new
   * devices; its step count must match, i.e. the plan keeps its global batch). A job this
   * executor has never seen starts from `resumeFromStep` (a checkpoint another executor wrote,
   * e.g. before a worker was lost), through a restore phase. */
  start(job: { id: string; profile: RunProfile; resumeFromStep?: number; progressIntervalSeconds?: number }, now = this.clock.now()): void {
    const p = job.profile;
    if (!(p.stepTimeSeconds > 0) || !Number.isInteger(p.totalSteps) || p.totalSteps < 1 || !Number.isInteger(p.checkpointIntervalSteps) || p.checkpointIntervalSteps < 1) {
      throw new RangeError(`job ${job.id}: profile needs stepTimeSeconds > 0 and integer totalSteps, checkpointIntervalSteps ≥ 1`);
    }
    let run = this.jobs.get(job.id);
    const resume = job.resumeFromStep ?? 0;
    if (!Number.isInteger(resume) || resume < 0 || resume >= p.totalSteps) throw new RangeError(`job ${job.id}: resumeFromStep must be an integer in [0, ${p.totalSteps}); got ${resume}`);
    const restarting = run !== undefined || resume > 0;
    if (run) {
      if (run.state !== 'stopped') throw new Error(`job ${job.id} is ${run.state}; only a stopped job can restart`);
      if (p.totalSteps !== run.profile.totalSteps) throw new RangeError(`job ${job.id}: the new profile has ${p.totalSteps} steps, the job ${run.profile.totalSteps}`);
      run.profile = p;
      run.state = 'running';
    } else {
      run = { id: job.id, profile: p, state: 'running', durableStep: resume, useful: 0, lost: 0, atRisk: 0, checkpoint: 0, restart: 0, failures: 0, preemptions: 0, segments: [] };
      this.jobs.set(job.id, run);
    }
    if (job.progressIntervalSeconds !== undefined) run.progressEvery = job.progressIntervalSeconds;
    run.segments.push({ devices: p.devices, start: now, joulesPerSecond: p.energyPerStepJ / p.stepTimeSeconds, usdPerSecond: p.costPerStepUsd / p.stepTimeSeconds });
    if (restarting) this.enter(run, { kind: 'restoring', start: now, end: now + p.restartSeconds });
    else this.enterComputing(run, now);
    this.emit(run, restarting ? 'restarted' : 'started', now);
    this.scheduleProgress(run, now);
  }

  /** Fault injection: a tile under the job failed at `now`. The job stops, loses everything
   * since its last checkpoint and waits to be placed again. Returns the step-seconds lost. */
  fail(jobId: string, now = this.clock.now()): number {
    const run = this.get(jobId);
    if (run.state !== 'running' && run.state !== 'stopping') throw new Error(`job ${jobId} is ${run.state}; only a running job can fail`);
    const ph = run.phase!;
    const t = Math.min(Math.max(now, ph.start), ph.end);
    if (ph.kind === 'restoring') run.restart += t - ph.start;
    else if (ph.kind === 'checkpointing') run.checkpoint += t - ph.start;
    else run.atRisk += t - ph.start;
    const lost = run.atRisk;
    run.lost += lost;
    run.atRisk = 0;
    run.failures++;
    this.stop(run, now);
    this.emit(run, 'failed', now, lost);
    return lost;
  }

  /** Checkpoint, then stop: the step in flight finishes, a checkpoint is written unless nothing
   * is new since the last one, and the tiles are free at the returned time. */
  preempt(jobId: string, now = this.clock.now()): number {
    const run = this.get(jobId);
    if (run.state === 'stopping') return run.phase!.end + (run.phase!.kind === 'computing' ? run.profile.checkpointWriteSeconds : 0);
    if (run.state !== 'running') throw new Error(`job ${jobId} is ${run.state}; only a running job can be preempted`);
    const ph = run.phase!;
    run.preemptions++;
    if (ph.kind === 'restoring') {
      run.restart += now - ph.start;
      this.stop(run, now);
      this.emit(run, 'preempted', now);
      return now;
    }
    run.state = 'stopping';
    if (ph.kind === 'checkpointing') return ph.end;
    const stepNow = Math.min(ph.toStep, Math.ceil(ph.fromStep + (now - ph.start) / run.profile.stepTimeSeconds - EPS));
    if (stepNow === run.durableStep) {
      this.stop(run, now);
      this.emit(run, 'preempted', now);
      return now;
    }
    this.clock.cancel(run.timer!);
    const end = ph.start + (stepNow - ph.fromStep) * run.profile.stepTimeSeconds;
    this.enter(run, { ...ph, toStep: stepNow, end });
    return stepNow === run.profile.totalSteps ? end : end + run.profile.checkpointWriteSeconds;
  }

  /** Stops a job for good (the tenant cancelled it): compute since the last checkpoint is
   * thrown away (counted as lost) and the segment ends now. No-op on a job already stopped. */
  cancel(jobId: string, now = this.clock.now()): void {
    const run = this.get(jobId);
    if (run.state === 'succeeded') return;
    if (run.state === 'running' || run.state === 'stopping') {
      const ph = run.phase!;
      const t = Math.min(Math.max(now, ph.start), ph.end);
      if (ph.kind === 'restoring') run.restart += t - ph.start;
      else if (ph.kind === 'checkpointing') run.checkpoint += t - ph.start;
      else run.atRisk += t - ph.start;
      run.lost += run.atRisk;
      run.atRisk = 0;
      this.stop(run, now);
    }
    this.emit(run, 'cancelled', now);
  }

  /** Forgets a job (after its outcome is durable elsewhere), so a long-lived executor stays small. */
  forget(jobId: string): void {
    const run = this.jobs.get(jobId);
    if (run && run.state !== 'stopped' && run.state !== 'succeeded') this.stop(run, this.clock.now());
    this.jobs.delete(jobId);
  }

  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  state(jobId: string): ExecutionState {
    return this.get(jobId).state;
  }

  progress(jobId: string, now = this.clock.now()): JobProgress {
    const run = this.get(jobId);
    const p = run.profile;
    const step = this.stepAt(run, now);
    const res: JobProgress = { state: run.state, step, durableStep: run.durableStep, totalSteps: p.totalSteps, fraction: step / p.totalSteps, accounting: this.accounting(jobId, now) };
    const eta = this.eta(run, now);
    if (eta !== undefined) res.eta = eta;
    return res;
  }

  accounting(jobId: string, now = this.clock.now()): JobAccounting {
    const run = this.get(jobId);
    let { restart, checkpoint, atRisk } = run;
    const ph = run.phase;
    if (ph && (run.state === 'running' || run.state === 'stopping')) {
      const dt = Math.min(Math.max(now, ph.start), ph.end) - ph.start;
      if (ph.kind === 'restoring') restart += dt;
      else if (ph.kind === 'checkpointing') checkpoint += dt;
      else atRisk += dt;
    }
    let deviceSeconds = 0;
    let energyJ = 0;
    let costUsd = 0;
    const segments: RunSegment[] = [];
    for (const s of run.segments) {
      const dur = Math.max(0, (s.end ?? now) - s.start);
      deviceSeconds += s.devices * dur;
      energyJ += s.joulesPerSecond * dur;
      costUsd += s.usdPerSecond * dur;
      segments.push(s.end === undefined ? { devices: s.devices, start: s.start } : { devices: s.devices, start: s.start, end: s.end });
    }
    const spent = run.useful + run.lost + checkpoint + restart;
    return {
      usefulStepSeconds: run.useful,
      lostStepSeconds: run.lost,
      atRiskStepSeconds: atRisk,
      checkpointSeconds: checkpoint,
      restartSeconds: restart,
      goodput: spent > 0 ? run.useful / spent : 1,
      deviceSeconds,
      energyJ,
      costUsd,
      failures: run.failures,
      preemptions: run.preemptions,
      segments,
    };
  }

  // ---- phases -------------------------------------------------------------------------------

  private enter(run: JobRun, phase: Phase): void {
    run.phase = phase;
    run.timer = this.clock.schedule(phase.end, (at) => this.phaseEnded(run, at));
  }

  private enterComputing(run: JobRun, at: number): void {
    const p = run.profile;
    const toStep = Math.min(p.totalSteps, run.durableStep + p.checkpointIntervalSteps);
    this.enter(run, { kind: 'computing', start: at, end: at + (toStep - run.durableStep) * p.stepTimeSeconds, fromStep: run.durableStep, toStep });
  }

  private phaseEnded(run: JobRun, at: number): void {
    const ph = run.phase!;
    const p = run.profile;
    if (ph.kind === 'restoring') {
      run.restart += ph.end - ph.start;
      this.enterComputing(run, at);
    } else if (ph.kind === 'computing') {
      run.atRisk += ph.end - ph.start;
      if (ph.toStep === p.totalSteps) {
        this.makeDurable(run, ph.toStep);
        this.stop(run, at, 'succeeded');
        this.emit(run, 'succeeded', at);
      } else if (ph.toStep === run.durableStep) {
        this.stop(run, at); // preempted with nothing new to save
        this.emit(run, 'preempted', at);
      } else {
        this.enter(run, { kind: 'checkpointing', start: at, end: at + p.checkpointWriteSeconds, step: ph.toStep });
      }
    } else {
      run.checkpoint += ph.end - ph.start;
      this.makeDurable(run, ph.step);
      this.emit(run, 'checkpointed', at);
      if (run.state === 'stopping') {
        this.stop(run, at);
        this.emit(run, 'preempted', at);
      } else this.enterComputing(run, at);
    }
  }

  private makeDurable(run: JobRun, step: number): void {
    run.useful += run.atRisk;
    run.atRisk = 0;
    run.durableStep = step;
  }

  private stop(run: JobRun, at: number, state: ExecutionState = 'stopped'): void {
    if (run.timer !== undefined) this.clock.cancel(run.timer);
    if (run.progressTimer !== undefined) this.clock.cancel(run.progressTimer);
    delete run.timer;
    delete run.progressTimer;
    delete run.phase;
    run.state = state;
    const seg = run.segments[run.segments.length - 1];
    if (seg) seg.end = Math.max(at, run.lastEventAt ?? at);
  }

  // ---- queries ------------------------------------------------------------------------------

  private stepAt(run: JobRun, now: number): number {
    const ph = run.phase;
    if (!ph || ph.kind === 'restoring') return run.state === 'succeeded' ? run.profile.totalSteps : run.durableStep;
    if (ph.kind === 'checkpointing') return ph.step;
    const done = ph.fromStep + Math.floor((Math.max(now, ph.start) - ph.start) / run.profile.stepTimeSeconds + EPS);
    return Math.min(ph.toStep, done);
  }

  /** Time left with no further faults: the rest of this phase, then compute and checkpoints. */
  private eta(run: JobRun, now: number): number | undefined {
    const ph = run.phase;
    if (run.state === 'succeeded') return run.segments[run.segments.length - 1]?.end;
    if (!ph) return undefined;
    const p = run.profile;
    const t = Math.min(Math.max(now, ph.start), ph.end);
    const from = (step: number) => (p.totalSteps - step) * p.stepTimeSeconds + (Math.ceil((p.totalSteps - step) / p.checkpointIntervalSteps) - 1) * p.checkpointWriteSeconds;
    if (ph.kind === 'restoring') return ph.end + from(run.durableStep);
    if (ph.kind === 'checkpointing') return ph.end + (run.state === 'stopping' ? 0 : from(ph.step));
    if (run.state === 'stopping') return ph.end + (ph.toStep === p.totalSteps || ph.toStep === run.durableStep ? 0 : p.checkpointWriteSeconds);
    // Compute remaining from the exact (fractional) position; checkpoints still ahead counted from the durable step.
    const position = ph.fromStep + (t - ph.start) / p.stepTimeSeconds;
    return t + (p.totalSteps - position) * p.stepTimeSeconds + (Math.ceil((p.totalSteps - run.durableStep) / p.checkpointIntervalSteps) - 1) * p.checkpointWriteSeconds;
  }

  private scheduleProgress(run: JobRun, from: number): void {
    const every = run.progressEvery ?? this.opts.progressIntervalSeconds;
    if (!every || !this.opts.onEvent) return;
    run.progressTimer = this.clock.schedule(from + every, (at) => {
      this.emit(run, 'progress', at);
      // From the later of the scheduled and the real time: a scaled clock running faster than
      // its timers would otherwise fall ever further behind.
      this.scheduleProgress(run, Math.max(at, this.clock.now()));
    });
  }

  private emit(run: JobRun, kind: ExecutionEventKind, at: number, lostStepSeconds?: number): void {
    if (!this.opts.onEvent) return;
    at = Math.max(at, run.lastEventAt ?? at);
    run.lastEventAt = at;
    const e: ExecutionEvent = { kind, jobId: run.id, at, step: this.stepAt(run, at), durableStep: run.durableStep };
    if (lostStepSeconds !== undefined) e.lostStepSeconds = lostStepSeconds;
    this.opts.onEvent(e);
  }

  private get(jobId: string): JobRun {
    const run = this.jobs.get(jobId);
    if (!run) throw new Error(`unknown job ${jobId}`);
    return run;
  }
}
