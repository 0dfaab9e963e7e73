// The planner's one list of parallelism axes that ops communicate over, in Megatron rank order
// (innermost first: tensor, then context; data and pipeline parallelism follow). Each axis names
// the plan field holding its degree, the report field its exposed communication is shown under,
// and whether full recompute replays its forward collectives. Communication groups (size and the
// device stride between members) follow from this order, so a collective's members per network
// domain come out of the system spec. Adding an axis: docs/layout.md.
import { PARALLEL_AXES, type ParallelAxis } from '../workloads/graph.js';
import type { Plan } from './plan.js';

/** A communication group: its size and the device-index distance between consecutive members. */
export interface Group {
  size: number;
  stride: number;
}

export interface AxisDefinition {
  axis: ParallelAxis;
  /** The plan field holding the axis's degree. */
  planKey: 'tp' | 'cp';
  /** The StepBreakdown field its exposed communication is reported under. */
  breakdownKey: 'tensorParallelCommSeconds' | 'contextParallelCommSeconds';
  /** Full recompute replays this axis's forward collectives in backward. Context parallelism's
   * K/V all-gather is not counted again (the model's standing simplification). */
  recomputeRepeatsForward: boolean;
}

/** Innermost first: the rank order the groups' strides follow. */
export const AXES: readonly AxisDefinition[] = [
  { axis: 'tensor', planKey: 'tp', breakdownKey: 'tensorParallelCommSeconds', recomputeRepeatsForward: true },
  { axis: 'context', planKey: 'cp', breakdownKey: 'contextParallelCommSeconds', recomputeRepeatsForward: false },
];

// Every axis an op may name has exactly one definition (checked at load, so a new name in
// workloads/graph.ts without a line here fails at once).
for (const name of PARALLEL_AXES) if (AXES.filter((a) => a.axis === name).length !== 1) throw new Error(`planner/axes.ts: axis "${name}" needs exactly one definition`);

export const axisDegree = (plan: Plan, axis: ParallelAxis): number => plan[AXES.find((a) => a.axis === axis)!.planKey];

export interface Groups {
  /** One group per op-communication axis. */
  axes: Record<ParallelAxis, Group>;
  dp: Group;
  /** Device distance between pipeline neighbours. */
  ppDistance: number;
}

export function planGroups(plan: Plan): Groups {
  const axes = {} as Record<ParallelAxis, Group>;
  let stride = 1;
  for (const a of AXES) {
    axes[a.axis] = { size: plan[a.planKey], stride };
    stride *= plan[a.planKey];
  }
  return { axes, dp: { size: plan.dp, stride }, ppDistance: stride * plan.dp };
}
