// A small discrete-event core, with no knowledge of what it simulates. Time advances through a
// binary-heap event queue (ties broken by insertion order, so every run is deterministic).
// Tasks run on resources of two kinds:
//  - serial: one task at a time, strictly in the order tasks were added to it (a CUDA stream:
//    the head waits for its dependencies even if a later task is ready);
//  - shared: processor sharing — k concurrent tasks each progress at bandwidth/k (a link, a
//    memory port).
// A task starts when all its dependencies have finished and its resource admits it. A task may
// carry `alongside` tasks on other resources that start when it starts; it finishes (and frees
// its resource) only when its own work and all of them are done: max(compute, transfer) when
// nothing else competes, longer when the other resource is shared or busy.
import { MinHeap } from '../../common/min-heap.js';

export type ResourceKind = 'serial' | 'shared';

export interface Resource {
  readonly id: number;
  /** Track label, e.g. "compute" or "infiniband-hdr". */
  readonly name: string;
  /** Group label (one trace process per group), e.g. "stage 3". */
  readonly group: string;
  readonly kind: ResourceKind;
  /** Work units served per second in total: 1 for serial resources (work is in seconds); bytes/s
   * for shared ones, split evenly between the tasks active at once. */
  readonly bandwidth: number;
  /** Time with at least one task doing work on the resource (a serial task held open while the
   * transfers it started alongside finish is waiting, not busy). */
  busySeconds: number;
}

export interface Task {
  readonly id: number;
  readonly name: string;
  readonly resource: Resource;
  /** Seconds on a serial resource; units (e.g. bytes) on a shared one (alone: work / bandwidth). */
  readonly work: number;
  /** Free label used by callers for accounting and trace colours. */
  readonly category: string;
  readonly args: Readonly<Record<string, string | number>> | undefined;
  /** Set by run(): when the task became ready, started and finished (NaN before). */
  readyAt: number;
  start: number;
  end: number;
  /** The dependency that finished last: what the task was waiting for, if anything. */
  waitedOn: Task | undefined;
  /** The task this one runs alongside (started with it), if any. */
  readonly parent: Task | undefined;
}

export interface TaskOptions {
  name: string;
  category: string;
  deps?: Task[];
  args?: Record<string, string | number>;
}

interface TaskState extends Task {
  pending: number;
  successors: TaskState[];
  alongside: TaskState[];
  alongsideLeft: number;
  ownDone: boolean;
  /** Shared resources: work still to serve. */
  remaining: number;
}

interface ResourceState extends Resource {
  /** Serial: tasks in admission order and the index of the head. */
  queue: TaskState[];
  head: number;
  running: TaskState | undefined;
  /** Shared: active tasks, last time their progress was brought up to date, and a version that
   * invalidates completion events scheduled before the set of active tasks changed. */
  active: TaskState[];
  updatedAt: number;
  version: number;
}

interface QueuedEvent {
  time: number;
  seq: number;
  action: () => void;
}

/** Events keyed by (time, insertion sequence), so equal times run in scheduling order. */
class EventQueue {
  private readonly heap = new MinHeap<QueuedEvent>((a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq));
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  push(time: number, action: () => void): void {
    this.heap.push({ time, seq: this.seq++, action });
  }

  /** Removes the earliest event; returns its time and action. */
  pop(): [number, () => void] {
    const e = this.heap.pop()!;
    return [e.time, e.action];
  }
}

/** Relative tolerance under which a shared task's remaining work counts as done (float drift). */
const DONE_EPS = 1e-12;

export class EventSimulation {
  readonly resources: Resource[] = [];
  readonly tasks: Task[] = [];
  private now = 0;
  private queue = new EventQueue();
  private finished = 0;
  private ran = false;

  serialResource(name: string, group: string): Resource {
    return this.addResource(name, group, 'serial', 1);
  }

  sharedResource(name: string, group: string, bandwidth: number): Resource {
    if (!(bandwidth > 0)) throw new Error(`shared resource ${group}/${name}: bandwidth must be positive, got ${bandwidth}`);
    return this.addResource(name, group, 'shared', bandwidth);
  }

  /** A task on `resource`; serial resources run their tasks in the order they were added. */
  task(resource: Resource, work: number, opts: TaskOptions): Task {
    const t = this.addTask(resource, work, opts, undefined);
    for (const d of opts.deps ?? []) this.depend(t, d);
    return t;
  }

  /** A task that starts when `parent` starts; `parent` finishes only once this one has. */
  alongside(parent: Task, resource: Resource, work: number, opts: Omit<TaskOptions, 'deps'>): Task {
    const p = parent as TaskState;
    if (!Number.isNaN(p.start)) throw new Error(`task ${p.name} already started`);
    const t = this.addTask(resource, work, opts, p);
    t.pending = 1; // released by the parent's start
    p.alongside.push(t);
    p.alongsideLeft++;
    return t;
  }

  /** `task` cannot start before `pred` has finished. */
  depend(task: Task, pred: Task): void {
    if (this.ran) throw new Error('dependencies must be added before run()');
    const t = task as TaskState;
    (pred as TaskState).successors.push(t);
    t.pending++;
  }

  /** Runs every task to completion; returns the time the last one finished. Throws if some task
   * can never start (a dependency cycle, or a serial head waiting on a task queued behind it). */
  run(): number {
    if (this.ran) throw new Error('run() may be called once');
    this.ran = true;
    for (const t of this.tasks as TaskState[]) if (t.pending === 0 && !t.parent) this.ready(t, undefined);
    while (this.queue.size > 0) {
      const [time, action] = this.queue.pop();
      this.now = time;
      action();
    }
    if (this.finished !== this.tasks.length) {
      const stuck = (this.tasks as TaskState[]).filter((t) => Number.isNaN(t.end)).slice(0, 5).map((t) => `${t.resource.group}/${t.resource.name}: ${t.name}`);
      throw new Error(`event simulation stalled with ${this.tasks.length - this.finished} unfinished tasks, e.g. ${stuck.join('; ')}`);
    }
    return this.tasks.reduce((a, t) => Math.max(a, t.end), 0);
  }

  private addResource(name: string, group: string, kind: ResourceKind, bandwidth: number): Resource {
    const r: ResourceState = { id: this.resources.length, name, group, kind, bandwidth, busySeconds: 0, queue: [], head: 0, running: undefined, active: [], updatedAt: 0, version: 0 };
    this.resources.push(r);
    return r;
  }

  private addTask(resource: Resource, work: number, opts: Omit<TaskOptions, 'deps'>, parent: TaskState | undefined): TaskState {
    if (!(work >= 0) || !Number.isFinite(work)) throw new Error(`task ${opts.name}: work must be a finite number ≥ 0, got ${work}`);
    if (this.ran) throw new Error('tasks must be added before run()');
    const t: TaskState = {
      id: this.tasks.length,
      name: opts.name,
      resource,
      work,
      category: opts.category,
      args: opts.args,
      readyAt: NaN,
      start: NaN,
      end: NaN,
      waitedOn: undefined,
      parent,
      pending: 0,
      successors: [],
      alongside: [],
      alongsideLeft: 0,
      ownDone: false,
      remaining: work,
    };
    this.tasks.push(t);
    const r = resource as ResourceState;
    if (r.kind === 'serial') r.queue.push(t);
    return t;
  }

  private ready(t: TaskState, waitedOn: TaskState | undefined): void {
    t.readyAt = this.now;
    t.waitedOn = waitedOn;
    const r = t.resource as ResourceState;
    if (r.kind === 'serial') this.startSerialHead(r);
    else this.startShared(r, t);
  }

  private startSerialHead(r: ResourceState): void {
    if (r.running) return;
    const head = r.queue[r.head];
    if (!head || Number.isNaN(head.readyAt)) return;
    r.running = head;
    this.begin(head);
    this.queue.push(this.now + head.work, () => this.ownWorkDone(head));
  }

  private startShared(r: ResourceState, t: TaskState): void {
    this.advance(r);
    this.begin(t);
    if (t.work === 0) {
      this.queue.push(this.now, () => this.ownWorkDone(t));
      return;
    }
    r.active.push(t);
    this.reschedule(r);
  }

  private begin(t: TaskState): void {
    t.start = this.now;
    for (const a of t.alongside) if (--a.pending === 0) this.ready(a, undefined);
  }

  /** Serve the active tasks of a shared resource up to now. */
  private advance(r: ResourceState): void {
    const dt = this.now - r.updatedAt;
    if (dt > 0 && r.active.length > 0) {
      const served = (dt * r.bandwidth) / r.active.length;
      for (const t of r.active) t.remaining -= served;
      r.busySeconds += dt;
    }
    r.updatedAt = this.now;
  }

  private reschedule(r: ResourceState): void {
    const version = ++r.version;
    if (r.active.length === 0) return;
    let next = r.active[0]!;
    for (const t of r.active) if (t.remaining < next.remaining) next = t;
    const rate = r.bandwidth / r.active.length;
    this.queue.push(this.now + Math.max(0, next.remaining) / rate, () => {
      if (r.version !== version) return;
      this.advance(r);
      // The task this event was scheduled for is done even if float drift left a residue (a
      // residue below the clock's resolution would otherwise reschedule at the same instant forever).
      const done = (t: TaskState) => t === next || t.remaining <= DONE_EPS * t.work;
      const finished = r.active.filter(done);
      r.active = r.active.filter((t) => !done(t));
      for (const t of finished) this.ownWorkDone(t);
      this.reschedule(r);
    });
  }

  private ownWorkDone(t: TaskState): void {
    t.ownDone = true;
    if (t.alongsideLeft === 0) this.finish(t);
  }

  private finish(t: TaskState): void {
    t.end = this.now;
    this.finished++;
    const r = t.resource as ResourceState;
    if (r.kind === 'serial') {
      r.busySeconds += Math.min(t.work, t.end - t.start);
      r.running = undefined;
      r.head++;
    }
    const p = t.parent as TaskState | undefined;
    if (p && --p.alongsideLeft === 0 && p.ownDone) this.finish(p);
    for (const s of t.successors) if (--s.pending === 0) this.ready(s, t);
    if (r.kind === 'serial') this.startSerialHead(r);
  }
}
