// The typed categories of the step schedule's tasks: the breakdown (simulate.ts) and the trace
// read these, never task names, and where a compute stream's idle time is booked follows from them.
import type { Task } from './engine.js';

/** Every kind of task the step schedule creates; the breakdown reads these, never task names.
 * Link and port holds of a task carry its category plus " transfer" (TransferCategory). */
export const TASK_CATEGORIES = ['forward', 'backward', 'recompute', 'p2p', 'optimizer', 'dp', 'zero gather', 'param gather', 'embedding grads', 'stream'] as const;
export type TaskCategory = (typeof TASK_CATEGORIES)[number];
export type TransferCategory = `${'p2p' | 'dp' | 'zero gather' | 'param gather' | 'embedding grads'} transfer`;

/** Where idle time on a compute stream goes when the task it waited for is of this category:
 * data-parallel traffic (reductions, parameter gathers) or the pipeline (upstream stages). */
export const IDLE_TIME_OF: Record<TaskCategory, 'dataParallelCommSeconds' | 'bubbleSeconds'> = {
  forward: 'bubbleSeconds',
  backward: 'bubbleSeconds',
  recompute: 'bubbleSeconds',
  p2p: 'bubbleSeconds',
  optimizer: 'bubbleSeconds',
  stream: 'bubbleSeconds',
  dp: 'dataParallelCommSeconds',
  'zero gather': 'dataParallelCommSeconds',
  'param gather': 'dataParallelCommSeconds',
  'embedding grads': 'dataParallelCommSeconds',
};

const CATEGORY_SET: ReadonlySet<string> = new Set(TASK_CATEGORIES);
/** The schedule's category of a task it created (a task from elsewhere is a programming error). */
export function categoryOf(t: Task): TaskCategory {
  if (!CATEGORY_SET.has(t.category)) throw new Error(`task "${t.name}" has category "${t.category}", not one of the schedule's`);
  return t.category as TaskCategory;
}

