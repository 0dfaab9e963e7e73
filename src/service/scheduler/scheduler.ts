// The tile scheduler core: jobs wait in a queue (ordered by policy.ts), start as rectangles on the
// tile grid (grid.ts), may backfill around the head job's reservation (EASY), may preempt lower
// priority classes (checkpoint first), and are evicted from tiles that turn unhealthy. Pure
// TypeScript with virtual time: every call that changes state takes `now`, and every job keeps
// its state transitions with time and reason. See docs/scheduler.md.
import { InputError, issue, type InputIssue } from '../../common/errors.js';
import { GridView, TileGrid, findPlacement, forEachTile, resolveRequest, type PlacementPolicy, type PlacementRequest, type Rect, type Shape, type Tile } from './grid.js';
import { TERMINAL, WAITING_STATES, type JobState } from './job-states.js';
import { FairShareLedger, bySubmitOrder, orderQueue, type Queued, type QueueOrder } from './policy.js';

export { TERMINAL, type JobState } from './job-states.js';

/** Allowed next states; `placing` and `recovering` hold tiles while the job loads or restores. */
export const LEGAL_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['admitted', 'cancelled'],
  admitted: ['placing', 'cancelled'],
  placing: ['running', 'failed', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled', 'preempted'],
  preempted: ['recovering', 'failed', 'cancelled'],
  recovering: ['running', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export type TransitionReason =
  | 'submitted'
  | 'admission-passed'
  | 'placed'
  | 'started'
  | 'restart-from-checkpoint'
  | 'restored'
  | 'completed'
  | 'cancelled'
  | 'preempted-by-priority'
  | 'tile-unhealthy'
  | 'restart-limit'
  | 'control-plane-restart';

/**
 * Why a waiting job did not start: refused by the caller's admission check (`quota`, `budget`);
 * fewer healthy free tiles than it needs (`capacity`); enough free tiles but no free rectangle
 * (`fragmentation`); it fits but would delay the head job's reservation (`reservation`, EASY);
 * it fits but a job ahead of it is blocked and backfill is off (`queue-order`).
 */
export type PendingReason = 'quota' | 'budget' | 'capacity' | 'fragmentation' | 'reservation' | 'queue-order';

export interface JobTransition {
  readonly state: JobState;
  readonly at: number;
  readonly reason: TransitionReason;
}

export interface JobSubmission {
  readonly id: string;
  readonly tenant: string;
  /** Priority class: higher classes go first and may preempt lower ones. Default 0. */
  readonly priority?: number;
  readonly request: PlacementRequest;
  /** Predicted run time (e.g. from the performance model): reservations and backfill rely on it. */
  readonly predictedSeconds: number;
  /** Periodic checkpoint interval in run seconds; default none (only checkpoint-then-preempt saves). */
  readonly checkpointIntervalSeconds?: number;
}

interface Job extends Queued {
  readonly id: string;
  readonly request: PlacementRequest;
  readonly tiles: number;
  readonly requestedTiles: number;
  readonly shapes: readonly Shape[];
  readonly predictedSeconds: number;
  readonly checkpointIntervalSeconds: number;
  state: JobState;
  history: JobTransition[];
  pendingReason: PendingReason | null;
  rect: Rect | null;
  runStartedAt: number | null;
  /** Predicted end of the current run: start + predicted − saved progress. */
  expectedEndAt: number | null;
  /** Progress saved by checkpoints, in run seconds; a restart resumes from here. */
  workDoneSeconds: number;
  restarts: number;
  /** In the scheduler's waiting list (which may hold it stale until the next compaction). */
  listed: boolean;
}

export type JobRecord = Readonly<Omit<Job, 'history' | 'listed'>> & { readonly history: readonly JobTransition[] };

export interface StartAction {
  readonly kind: 'start';
  readonly jobId: string;
  readonly rect: Rect;
  /** Restarting from a checkpoint (after preemption or a failed tile). */
  readonly recovering: boolean;
  /** Started behind a blocked head job without delaying its reservation. */
  readonly backfilled: boolean;
  readonly expectedEndAt: number;
}

export interface PreemptAction {
  readonly kind: 'checkpoint-then-preempt';
  readonly jobId: string;
  readonly forJobId: string;
  readonly reason: 'preempted-by-priority';
  /** Work since the job's last periodic checkpoint (tile-seconds): what this checkpoint must save. */
  readonly workSinceCheckpointTileSeconds: number;
}

export type SchedulerAction = StartAction | PreemptAction;

export interface Reservation {
  readonly jobId: string;
  readonly at: number;
  readonly rect: Rect;
}

export interface ScheduleDecision {
  readonly at: number;
  /** In execution order: a job's preemptions come right before the start they make room for. */
  readonly actions: readonly SchedulerAction[];
  readonly pending: readonly { readonly jobId: string; readonly reason: PendingReason }[];
  readonly reservation: Reservation | null;
}

/** What a durable store knows of a job when the control plane restarts. */
export interface RestoredJob {
  readonly state: JobState;
  readonly submittedAt: number;
  readonly workDoneSeconds: number;
  readonly restarts: number;
  /** Required when the job held tiles. */
  readonly rect?: Rect;
  readonly runStartedAt?: number;
}

export type AdmissionVerdict = 'quota' | 'budget' | null;
export interface AdmissionContext {
  readonly now: number;
  readonly tilesInUseByTenant: ReadonlyMap<string, number>;
}
/** Caller-supplied quota/budget gate, asked at every pass before a job may start. */
export type AdmissionCheck = (job: JobRecord, ctx: AdmissionContext) => AdmissionVerdict;

export interface SchedulerOptions {
  readonly rows?: number;
  readonly cols?: number;
  readonly placement?: PlacementPolicy;
  readonly backfill?: 'easy' | 'none';
  readonly order?: QueueOrder;
  readonly preemption?: boolean;
  readonly tenantWeights?: Readonly<Record<string, number>>;
  /** Fair-share usage half-life; default 7 days (Slurm's PriorityDecayHalfLife default). */
  readonly usageHalfLifeSeconds?: number;
  readonly admission?: AdmissionCheck;
  /** Evictions by failed tiles a job survives before it fails; default 3. */
  readonly maxRestarts?: number;
}

interface Pass {
  readonly now: number;
  /** Only unhealthy tiles blocked: where jobs could go on an empty grid (fixed during a pass). */
  readonly health: GridView;
  /** The grid as it stands, refreshed after every start and preemption. */
  view: GridView;
  readonly actions: SchedulerAction[];
  readonly pending: { jobId: string; reason: PendingReason }[];
  reservation: Reservation | null;
  /** The current grid with the reserved rectangle blocked too (EASY backfill places here first). */
  reservedView: GridView | null;
  /** Backfill off and a job ahead could not start: everything behind it waits. */
  blocked: boolean;
  /** "priority|shapes" keys with no victim set on the current grid. */
  readonly noVictims: Set<string>;
  /** Jobs started in this pass: never preempted in the same pass they started. */
  readonly started: Set<Job>;
}

const WAITING: ReadonlySet<JobState> = new Set(WAITING_STATES);
const isWaiting = (j: Job) => WAITING.has(j.state);
const shapesKey = (j: Job) => j.shapes.map((s) => `${s.rows}x${s.cols}`).join(',');

export class TileScheduler {
  readonly grid: TileGrid;
  private readonly placement: PlacementPolicy;
  private readonly backfill: 'easy' | 'none';
  private readonly order: QueueOrder;
  private readonly preemption: boolean;
  private readonly admission: AdmissionCheck | undefined;
  private readonly maxRestarts: number;
  private readonly ledger: FairShareLedger;
  private readonly jobsById = new Map<string, Job>();
  /** Jobs by sequence number: the owner numbers on the grid. */
  private readonly bySeq: Job[] = [];
  /** Waiting jobs in submit order (may hold stale entries until the next pass filters them). */
  private waiting: Job[] = [];
  private readonly running = new Set<Job>();
  private clock = -Infinity;

  constructor(options: SchedulerOptions = {}) {
    this.grid = new TileGrid(options.rows, options.cols);
    this.placement = options.placement ?? 'best-fit';
    this.backfill = options.backfill ?? 'easy';
    this.order = options.order ?? 'priority-fair-share';
    this.preemption = options.preemption ?? true;
    this.admission = options.admission;
    this.maxRestarts = options.maxRestarts ?? 3;
    this.ledger = new FairShareLedger(options.usageHalfLifeSeconds ?? 7 * 86_400, options.tenantWeights);
  }

  get now(): number {
    return this.clock;
  }

  job(id: string): JobRecord | undefined {
    return this.jobsById.get(id);
  }

  allJobs(): JobRecord[] {
    return [...this.bySeq];
  }

  runningJobs(): JobRecord[] {
    return [...this.running];
  }

  waitingJobs(): JobRecord[] {
    this.compactQueue();
    return [...this.waiting];
  }

  /** A tenant's fair share (decayed usage / weight) as of the last call. */
  share(tenant: string): number {
    return this.ledger.share(tenant);
  }

  submit(submission: JobSubmission, now: number): JobRecord {
    this.tick(now);
    const problems = this.submissionIssues(submission);
    if (problems.length) throw new InputError(`job ${submission.id}`, problems);
    const job = this.register(submission, { state: 'queued', at: now, reason: 'submitted' }, now, 0, 0);
    this.enqueue(job);
    return job;
  }

  /**
   * Re-creates a job after a control-plane restart, from its durable record. Waiting jobs
   * (`queued`, `admitted`, `preempted`) rejoin the queue at their original submit time; a job that
   * held tiles (`placing`, `running`, `recovering`) takes its rectangle back and is `running`.
   * The job's history starts with one `control-plane-restart` entry in that state.
   */
  restore(submission: JobSubmission, restored: RestoredJob, now: number): JobRecord {
    this.tick(now);
    const problems = this.submissionIssues(submission);
    if (TERMINAL.has(restored.state)) problems.push(issue('state', `a ${restored.state} job is not restored`));
    if (!(restored.submittedAt <= now)) problems.push(issue('submittedAt', `must not be after now (${now}); got ${restored.submittedAt}`));
    if (problems.length) throw new InputError(`job ${submission.id}`, problems);
    const holding = restored.state === 'placing' || restored.state === 'running' || restored.state === 'recovering';
    const state: JobState = holding ? 'running' : restored.state;
    if (holding) {
      const tiles = resolveRequest(submission.request, this.grid.rows, this.grid.cols).tiles;
      const rect = restored.rect;
      if (!rect || rect.rows * rect.cols !== tiles || !this.grid.view().isFree(rect)) {
        throw new InputError(`job ${submission.id}`, [issue('rect', `must be a free rectangle of ${tiles} tiles on the ${this.grid.rows}×${this.grid.cols} grid`)]);
      }
    }
    const job = this.register(submission, { state, at: now, reason: 'control-plane-restart' }, restored.submittedAt, restored.workDoneSeconds, restored.restarts);
    if (holding) {
      const rect = restored.rect!;
      this.grid.occupy(rect, job.seq);
      this.ledger.addInUse(job.tenant, job.tiles);
      job.rect = rect;
      job.runStartedAt = restored.runStartedAt ?? now;
      job.expectedEndAt = job.runStartedAt + this.remaining(job);
      this.running.add(job);
    } else this.enqueue(job);
    return job;
  }

  /** Everything `submit` would refuse, without changing anything: callers check a job before they
   * store it, so a stored job is always one this scheduler accepts. */
  submissionIssues(submission: JobSubmission): InputIssue[] {
    const problems = validateSubmission(submission, this.jobsById);
    try {
      resolveRequest(submission.request, this.grid.rows, this.grid.cols);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.issues.map((i) => ({ ...i, path: `request.${i.path}` })));
    }
    return problems;
  }

  /** Creates and indexes a job in its first state (submit and restore). */
  private register(submission: JobSubmission, first: JobTransition, submittedAt: number, workDoneSeconds: number, restarts: number): Job {
    const job: Job = {
      id: submission.id,
      tenant: submission.tenant,
      priority: submission.priority ?? 0,
      request: submission.request,
      ...resolveRequest(submission.request, this.grid.rows, this.grid.cols),
      predictedSeconds: submission.predictedSeconds,
      checkpointIntervalSeconds: submission.checkpointIntervalSeconds ?? Infinity,
      submittedAt,
      seq: this.bySeq.length,
      state: first.state,
      history: [first],
      pendingReason: null,
      rect: null,
      runStartedAt: null,
      expectedEndAt: null,
      workDoneSeconds,
      restarts,
      listed: false,
    };
    this.jobsById.set(job.id, job);
    this.bySeq.push(job);
    return job;
  }

  /** One scheduling pass at `now`: starts, preemptions and each waiting job's pending reason. */
  schedule(now: number): ScheduleDecision {
    this.tick(now);
    this.compactQueue();
    const pass: Pass = { now, health: this.grid.healthView(), view: this.grid.view(), actions: [], pending: [], reservation: null, reservedView: null, blocked: false, noVictims: new Set(), started: new Set() };
    for (const job of orderQueue(this.waiting, (t) => this.ledger.share(t), this.order)) this.consider(job, pass);
    this.compactQueue();
    return { at: now, actions: pass.actions, pending: pass.pending, reservation: pass.reservation };
  }

  complete(jobId: string, now: number): JobRecord {
    this.tick(now);
    const job = this.get(jobId);
    if (job.state !== 'running') throw new Error(`complete(${jobId}): job is ${job.state}, not running`);
    job.workDoneSeconds += now - job.runStartedAt!;
    this.stop(job);
    this.transition(job, 'succeeded', now, 'completed');
    return job;
  }

  /** Cancels a job in any non-terminal state, freeing its tiles; false if it had already ended. */
  cancel(jobId: string, now: number = this.clock): boolean {
    this.tick(now);
    const job = this.get(jobId);
    if (TERMINAL.has(job.state)) return false;
    if (this.running.has(job)) {
      job.workDoneSeconds += now - job.runStartedAt!;
      this.stop(job);
    }
    job.pendingReason = null;
    this.transition(job, 'cancelled', now, 'cancelled');
    return true;
  }

  /**
   * Takes a tile out of service. The job on it (if any) loses the work since its last periodic
   * checkpoint and goes back to the queue as `preempted` (restarting through `recovering`), or
   * fails once it has been evicted more than `maxRestarts` times. Returns that job.
   */
  markUnhealthy(tile: Tile, now: number = this.clock): JobRecord | null {
    this.tick(now);
    const owner = this.grid.ownerAt(tile);
    let evicted: Job | null = null;
    if (owner !== null) {
      evicted = this.bySeq[owner]!;
      const ran = now - evicted.runStartedAt!;
      const interval = evicted.checkpointIntervalSeconds;
      evicted.workDoneSeconds += Number.isFinite(interval) ? Math.floor(ran / interval) * interval : 0;
      this.stop(evicted);
      evicted.restarts++;
      if (evicted.restarts > this.maxRestarts) this.transition(evicted, 'failed', now, 'restart-limit');
      else {
        this.transition(evicted, 'preempted', now, 'tile-unhealthy');
        this.enqueue(evicted);
      }
    }
    this.grid.setHealthy(tile, false);
    return evicted;
  }

  markHealthy(tile: Tile, now: number = this.clock): void {
    this.tick(now);
    this.grid.setHealthy(tile, true);
  }

  // ---- one job in one pass ----------------------------------------------------------------

  private consider(job: Job, pass: Pass): void {
    const verdict = this.admission?.(job, { now: pass.now, tilesInUseByTenant: this.ledger.tilesInUse() }) ?? null;
    if (verdict) return this.pend(job, verdict, pass);
    if (job.state === 'queued') this.transition(job, 'admitted', pass.now, 'admission-passed');
    // A job that cannot fit even on an empty grid (too big for the healthy tiles, or no healthy
    // rectangle) waits without blocking anyone: it needs a repair, not a reservation.
    if (!pass.health.canFitAny(job.shapes)) return this.pend(job, fitReason(job, pass.health), pass);
    const view = pass.view;
    if (pass.blocked) return this.pend(job, view.canFitAny(job.shapes) ? 'queue-order' : fitReason(job, view), pass);
    if (pass.reservation) return this.backfillOne(job, pass);
    const rect = findPlacement(view, job, this.placement);
    if (rect) return this.start(job, rect, pass, false);
    if (this.preemption && this.preemptFor(job, pass)) return;
    this.pend(job, fitReason(job, view), pass);
    if (this.backfill === 'none') pass.blocked = true;
    else {
      pass.reservation = this.reserve(job, pass.now);
      pass.reservedView = pass.reservation && view.withBlocked([pass.reservation.rect]);
    }
  }

  /** EASY: start if it fits outside the reserved rectangle, or anywhere if it ends before the reservation. */
  private backfillOne(job: Job, pass: Pass): void {
    const view = pass.view;
    if (!view.canFitAny(job.shapes)) return this.pend(job, fitReason(job, view), pass);
    const reservation = pass.reservation!;
    let rect = findPlacement(pass.reservedView!, job, this.placement);
    if (!rect && pass.now + this.remaining(job) <= reservation.at) rect = findPlacement(view, job, this.placement);
    if (!rect) return this.pend(job, 'reservation', pass);
    this.start(job, rect, pass, true);
  }

  /**
   * The head job's reservation: release running jobs in order of expected end (overdue ones count
   * as ending now) until the head fits, and reserve where the placement policy would put it then.
   * Assumes predictions hold and ignores jobs that start later (backfill must not delay it).
   */
  private reserve(head: Job, now: number): Reservation | null {
    const view = this.grid.view();
    const blocked = view.blocked.slice();
    const ends = [...this.running].map((job) => ({ job, at: Math.max(now, job.expectedEndAt!) })).sort((a, b) => a.at - b.at || a.job.seq - b.job.seq);
    let free = view.freeTiles;
    for (let i = 0; i < ends.length; ) {
      const at = ends[i]!.at;
      for (; i < ends.length && ends[i]!.at === at; i++) {
        const job = ends[i]!.job;
        forEachTile(job.rect!, this.grid.cols, (t) => (blocked[t] = 0));
        free += job.tiles;
      }
      if (free < head.tiles) continue;
      const future = new GridView(this.grid.rows, this.grid.cols, blocked.slice());
      const rect = future.canFitAny(head.shapes) ? findPlacement(future, head, this.placement) : null;
      if (rect) return { jobId: head.id, at, rect };
    }
    return null;
  }

  /** Checkpoint-then-preempt the cheapest set of lower-priority jobs that frees a rectangle. */
  private preemptFor(job: Job, pass: Pass): boolean {
    const key = `${job.priority}|${shapesKey(job)}`;
    if (pass.noVictims.has(key)) return false;
    const plan = this.victimPlan(job, pass.now, pass.started);
    if (!plan) {
      pass.noVictims.add(key);
      return false;
    }
    for (const victim of plan.victims) {
      const lost = this.workSinceCheckpoint(victim, pass.now);
      victim.workDoneSeconds += pass.now - victim.runStartedAt!; // the checkpoint saves everything
      this.stop(victim);
      this.transition(victim, 'preempted', pass.now, 'preempted-by-priority');
      this.enqueue(victim);
      pass.actions.push({ kind: 'checkpoint-then-preempt', jobId: victim.id, forJobId: job.id, reason: 'preempted-by-priority', workSinceCheckpointTileSeconds: lost });
    }
    this.start(job, plan.rect, pass, false);
    return true;
  }

  /**
   * Every rectangle the job could take that holds no unhealthy tile, no job of its own class or
   * higher and no job started in this pass; its victims are the jobs it overlaps. Cheapest = least work since their last
   * checkpoints, then fewest tiles preempted, then fewest jobs, then placement order. Exact: a
   * freed rectangle must evict exactly the jobs on it, and evicting more only costs more.
   */
  private victimPlan(job: Job, now: number, started: ReadonlySet<Job>): { rect: Rect; victims: Job[] } | null {
    let anyLower = false;
    for (const r of this.running) anyLower ||= r.priority < job.priority && !started.has(r);
    if (!anyLower) return null;
    const health = this.grid.healthView().blocked;
    const forbidden = new Uint8Array(this.grid.tileCount);
    for (let i = 0; i < forbidden.length; i++) {
      const owner = this.grid.ownerAtIndex(i);
      const holder = owner >= 0 ? this.bySeq[owner]! : null;
      forbidden[i] = health[i] || (holder && (holder.priority >= job.priority || started.has(holder))) ? 1 : 0;
    }
    const allowed = new GridView(this.grid.rows, this.grid.cols, forbidden);
    let best: { rect: Rect; victims: Job[]; cost: [number, number, number] } | null = null;
    for (const s of job.shapes) {
      if (!allowed.canFit(s)) continue;
      for (let row = 0; row + s.rows <= allowed.rows; row++) {
        for (let col = 0; col + s.cols <= allowed.cols; col++) {
          if (allowed.blockedIn(row, col, s.rows, s.cols)) continue;
          const rect = { row, col, rows: s.rows, cols: s.cols };
          const victims = this.ownersIn(rect);
          const cost: [number, number, number] = [victims.reduce((a, v) => a + this.workSinceCheckpoint(v, now), 0), victims.reduce((a, v) => a + v.tiles, 0), victims.length];
          if (!best || cost[0] < best.cost[0] || (cost[0] === best.cost[0] && (cost[1] < best.cost[1] || (cost[1] === best.cost[1] && cost[2] < best.cost[2])))) {
            best = { rect, victims, cost };
          }
        }
      }
    }
    return best && best.victims.length ? best : null;
  }

  private ownersIn(rect: Rect): Job[] {
    const owners: Job[] = [];
    forEachTile(rect, this.grid.cols, (i) => {
      const owner = this.grid.ownerAtIndex(i);
      if (owner >= 0 && !owners.includes(this.bySeq[owner]!)) owners.push(this.bySeq[owner]!);
    });
    return owners;
  }

  // ---- state changes ----------------------------------------------------------------------

  private start(job: Job, rect: Rect, pass: Pass, backfilled: boolean): void {
    this.grid.occupy(rect, job.seq);
    this.ledger.addInUse(job.tenant, job.tiles);
    const recovering = job.state === 'preempted';
    if (recovering) {
      this.transition(job, 'recovering', pass.now, 'restart-from-checkpoint');
      this.transition(job, 'running', pass.now, 'restored');
    } else {
      this.transition(job, 'placing', pass.now, 'placed');
      this.transition(job, 'running', pass.now, 'started');
    }
    job.rect = rect;
    job.runStartedAt = pass.now;
    job.expectedEndAt = pass.now + this.remaining(job);
    job.pendingReason = null;
    this.running.add(job);
    pass.started.add(job);
    pass.actions.push({ kind: 'start', jobId: job.id, rect, recovering, backfilled, expectedEndAt: job.expectedEndAt });
    pass.noVictims.clear();
    pass.view = this.grid.view();
    if (pass.reservation) pass.reservedView = pass.view.withBlocked([pass.reservation.rect]);
  }

  private stop(job: Job): void {
    this.grid.release(job.rect!, job.seq);
    this.ledger.addInUse(job.tenant, -job.tiles);
    this.running.delete(job);
    job.rect = null;
    job.runStartedAt = null;
    job.expectedEndAt = null;
  }

  private transition(job: Job, state: JobState, at: number, reason: TransitionReason): void {
    if (!LEGAL_TRANSITIONS[job.state].includes(state)) throw new Error(`job ${job.id}: illegal transition ${job.state} → ${state}`);
    job.state = state;
    job.history.push({ state, at, reason });
  }

  private pend(job: Job, reason: PendingReason, pass: Pass): void {
    job.pendingReason = reason;
    pass.pending.push({ jobId: job.id, reason });
  }

  /** Inserts in submit order (preempted jobs keep their original place), once. */
  private enqueue(job: Job): void {
    if (job.listed) return; // still listed from before it started in this pass
    job.listed = true;
    const w = this.waiting;
    if (!w.length || bySubmitOrder(w[w.length - 1]!, job) <= 0) {
      w.push(job);
      return;
    }
    let lo = 0;
    let hi = w.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bySubmitOrder(w[mid]!, job) <= 0) lo = mid + 1;
      else hi = mid;
    }
    w.splice(lo, 0, job);
  }

  /** Drops jobs that started or ended since they were listed. */
  private compactQueue(): void {
    this.waiting = this.waiting.filter((j) => (j.listed = isWaiting(j)));
  }

  private remaining(job: Job): number {
    return Math.max(0, job.predictedSeconds - job.workDoneSeconds);
  }

  private workSinceCheckpoint(job: Job, now: number): number {
    return ((now - job.runStartedAt!) % job.checkpointIntervalSeconds) * job.tiles;
  }

  private get(jobId: string): Job {
    const job = this.jobsById.get(jobId);
    if (!job) throw new Error(`unknown job ${jobId}`);
    return job;
  }

  private tick(now: number): void {
    if (!Number.isFinite(now) || now < this.clock) throw new Error(`scheduler time must be finite and non-decreasing: ${now} after ${this.clock}`);
    this.clock = now;
    this.ledger.advance(now);
  }
}

const fitReason = (job: Job, view: GridView): PendingReason => (job.tiles > view.freeTiles ? 'capacity' : 'fragmentation');

function validateSubmission(s: JobSubmission, existing: ReadonlyMap<string, Job>): InputIssue[] {
  const problems: InputIssue[] = [];
  if (typeof s.id !== 'string' || !s.id) problems.push(issue('id', 'must be a non-empty string'));
  else if (existing.has(s.id)) problems.push(issue('id', `job ${s.id} already exists`));
  if (typeof s.tenant !== 'string' || !s.tenant) problems.push(issue('tenant', 'must be a non-empty string'));
  if (s.priority !== undefined && !Number.isInteger(s.priority)) problems.push(issue('priority', `must be an integer class; got ${s.priority}`));
  if (!(Number.isFinite(s.predictedSeconds) && s.predictedSeconds > 0)) problems.push(issue('predictedSeconds', `must be a positive number; got ${s.predictedSeconds}`));
  const ckpt = s.checkpointIntervalSeconds;
  if (ckpt !== undefined && !(ckpt > 0)) problems.push(issue('checkpointIntervalSeconds', `must be positive; got ${ckpt}`));
  return problems;
}
