// Chrome trace event format (what https://ui.perfetto.dev and chrome://tracing open): every
// finished task becomes a complete event ('X', times in µs) on its resource's track; each
// resource group (a pipeline stage's representative device) is a process, each resource a
// thread, both named by metadata events ('M'). Callers cap the size with `keep`.
import type { Resource, Task } from './engine.js';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  cat?: string;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  metadata: Record<string, unknown>;
}

export interface ChromeTraceOptions {
  /** Which tasks get an event (default: all). Dropped ones are counted in metadata. */
  keep?: (t: Task) => boolean;
  metadata?: Record<string, unknown>;
}

/** µs with ns resolution: keeps the JSON short without losing sub-µs kernels. */
const us = (seconds: number) => Math.round(seconds * 1e9) / 1e3;

export function chromeTrace(resources: readonly Resource[], tasks: readonly Task[], opts: ChromeTraceOptions = {}): ChromeTrace {
  const pids = new Map<string, number>();
  for (const r of resources) if (!pids.has(r.group)) pids.set(r.group, pids.size + 1);
  const events: TraceEvent[] = [];
  for (const [group, pid] of pids) {
    events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: group } });
    events.push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: pid } });
  }
  for (const r of resources) {
    const pid = pids.get(r.group)!;
    events.push({ name: 'thread_name', ph: 'M', pid, tid: r.id + 1, args: { name: r.name } });
    events.push({ name: 'thread_sort_index', ph: 'M', pid, tid: r.id + 1, args: { sort_index: r.id } });
  }
  let dropped = 0;
  for (const t of tasks) {
    if (opts.keep && !opts.keep(t)) {
      dropped++;
      continue;
    }
    events.push({
      name: t.name,
      cat: t.category,
      ph: 'X',
      ts: us(t.start),
      dur: us(t.end - t.start),
      pid: pids.get(t.resource.group)!,
      tid: t.resource.id + 1,
      ...(t.args ? { args: { ...t.args } } : {}),
    });
  }
  return { traceEvents: events, displayTimeUnit: 'ms', metadata: { ...opts.metadata, tasks: tasks.length, droppedTasks: dropped } };
}
