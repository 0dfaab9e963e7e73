// Per-axis communication in the StepBreakdown: each axis of the planner's list reports under its
// own breakdown field, so tiers fill those fields from the list rather than naming axes.
import { PARALLEL_AXES, type ParallelAxis } from '../workloads/graph.js';
import { AXES } from '../planner/axes.js';
import type { AxisCommBreakdown } from './report.js';

/** A value for every axis. */
export const perAxis = <T>(f: (a: ParallelAxis) => T): Record<ParallelAxis, T> => Object.fromEntries(PARALLEL_AXES.map((a) => [a, f(a)])) as Record<ParallelAxis, T>;

/** The breakdown's per-axis communication fields, in the planner's axis order. */
export function axisBreakdown(seconds: (a: ParallelAxis) => number): AxisCommBreakdown {
  return Object.fromEntries(AXES.map((a) => [a.breakdownKey, seconds(a.axis)])) as AxisCommBreakdown;
}
