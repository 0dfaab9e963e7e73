// The planner's one list of parallelism axes that ops communicate over, in Megatron rank order
// (innermost first: tensor, then context; data and pipeline parallelism follow). Each axis
// declares everything the planner and the report need to know about it: the plan field holding
// its degree, the report field its exposed communication is shown under, which degrees the
// workload allows, the search's candidate degrees, and whether full recompute replays its forward
// collectives. Plan validation, the degree product and the search space iterate this list;
// communication groups (size and the device stride between members) follow from its order, so a
// collective's members per network domain come out of the system spec. Adding an axis:
// docs/layout.md.
import { PARALLEL_AXES, type ParallelAxis, type WorkloadGraph } from '../workloads/graph.js';
import type { SystemInstance } from '../specs/schema.js';
import { SEARCH_DEFAULTS } from './search-defaults.js';

/** A communication group: its size and the device-index distance between consecutive members. */
export interface Group {
  size: number;
  stride: number;
}

export interface AxisDefinition {
  axis: ParallelAxis;
  /** What the axis is called in messages ("tensor parallelism"). */
  label: string;
  /** The plan field holding the axis's degree (a positive integer, default 1). */
  planKey: string;
  /** The StepBreakdown field its exposed communication is reported under. */
  breakdownKey: string;
  /** The SearchSpace field that caps the degrees the search tries (e.g. `plan --max-tp`). */
  searchLimitKey: string;
  /** Full recompute replays this axis's forward collectives in backward. Context parallelism's
   * K/V all-gather is not counted again (the model's standing simplification). */
  recomputeRepeatsForward: boolean;
  /** Why `degree` does not divide the workload's dimensions for this axis
   * (`g.divisibility[axis]`); empty when it does. */
  divisibilityIssues(degree: number, dimensions: readonly number[], model: string): string[];
  /** Largest degree the search tries when the SearchSpace does not cap it. */
  defaultMaxDegree(sys: SystemInstance): number;
  /** Whether the search tries degrees above 1 at all for this workload. */
  worthSearching(g: WorkloadGraph): boolean;
}

/** Keeps each entry's field names as literal types, so Plan, StepBreakdown and SearchSpace get
 * one typed field per axis from this list. */
const defineAxes = <const T extends readonly AxisDefinition[]>(axes: T): T => axes;

/** Innermost first: the rank order the groups' strides follow. */
export const AXES = defineAxes([
  {
    axis: 'tensor',
    label: 'tensor parallelism',
    planKey: 'tp',
    breakdownKey: 'tensorParallelCommSeconds',
    searchLimitKey: 'maxTp',
    recomputeRepeatsForward: true,
    divisibilityIssues: (tp, dimensions, model) => {
      const notDivided = [...new Set(dimensions)].filter((d) => d % tp !== 0);
      return notDivided.length ? [`must divide ${notDivided.join(' and ')} (dimensions that tensor parallelism splits in ${model})`] : [];
    },
    // TP stays inside the innermost network domain (NVSwitch node, Dojo tray): across it, TP's
    // per-layer all-reduces are never competitive.
    defaultMaxDegree: (sys) => sys.spec.tiers[0]?.domainDevices ?? sys.spec.devicesPerNode,
    worthSearching: () => true,
  },
  {
    axis: 'context',
    label: 'context parallelism',
    planKey: 'cp',
    breakdownKey: 'contextParallelCommSeconds',
    searchLimitKey: 'maxCp',
    recomputeRepeatsForward: false,
    // Load-balanced context parallelism cuts the sequence into 2·cp chunks (each rank takes one
    // from each end, so causal attention work is even).
    divisibilityIssues: (cp, dimensions) => (cp > 1 ? [...new Set(dimensions)].filter((d) => d % (2 * cp) !== 0).map((d) => `2·cp must divide the sequence length ${d} (load-balanced context parallelism)`) : []),
    defaultMaxDegree: () => SEARCH_DEFAULTS.maxCp,
    worthSearching: (g) => g.tokensPerSample >= SEARCH_DEFAULTS.minTokensForCp,
  },
]);

// Every axis an op may name has exactly one definition (checked at load, so a new name in
// workloads/graph.ts without a line here fails at once).
for (const name of PARALLEL_AXES) if (AXES.filter((a) => a.axis === name).length !== 1) throw new Error(`planner/axes.ts: axis "${name}" needs exactly one definition`);

export type AxisPlanKey = (typeof AXES)[number]['planKey'];
export type AxisBreakdownKey = (typeof AXES)[number]['breakdownKey'];
export type AxisSearchLimitKey = (typeof AXES)[number]['searchLimitKey'];
/** Every axis's degree, as a plan holds them. */
export type AxisDegrees = Record<AxisPlanKey, number>;

export const axisDefinition = (axis: ParallelAxis): (typeof AXES)[number] => AXES.find((a) => a.axis === axis)!;

export const axisDegree = (plan: AxisDegrees, axis: ParallelAxis): number => plan[axisDefinition(axis).planKey];

/** The product of every axis's degree: the devices one data-parallel replica of one pipeline
 * stage spans. */
export const axisDegreeProduct = (plan: AxisDegrees): number => AXES.reduce((n, a) => n * plan[a.planKey], 1);

/** The axes' plan keys joined for messages, e.g. `tp·cp`. */
export const AXIS_PRODUCT_NAME = AXES.map((a) => a.planKey).join('·');

export interface Groups {
  /** One group per op-communication axis. */
  axes: Record<ParallelAxis, Group>;
  dp: Group;
  /** Device distance between pipeline neighbours. */
  ppDistance: number;
}

export function planGroups(plan: AxisDegrees & { dp: number }): Groups {
  const axes = {} as Record<ParallelAxis, Group>;
  let stride = 1;
  for (const a of AXES) {
    axes[a.axis] = { size: plan[a.planKey], stride };
    stride *= plan[a.planKey];
  }
  return { axes, dp: { size: plan.dp, stride }, ppDistance: stride * plan.dp };
}
