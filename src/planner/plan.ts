// A parallel training plan and its validation against a workload and a system. Validation returns
// issues (errors as data) naming the plan key and the allowed values; it never throws.
import { z } from 'zod';
import type { InputIssue } from '../common/errors.js';
import { MEMORY_MODES, type MemoryMode, type SystemInstance } from '../specs/schema.js';
import type { WorkloadGraph } from '../workloads/graph.js';
import { AXES, AXIS_PRODUCT_NAME, axisDegreeProduct, type AxisPlanKey } from './axes.js';

export const RECOMPUTE = ['none', 'selective', 'full'] as const;
export const PLAN_PRECISIONS = ['bf16', 'fp16', 'fp8'] as const;

/** One degree field per parallelism axis (tp, cp, …), from the planner's axis list. */
const axisDegreeFields = Object.fromEntries(AXES.map((a) => [a.planKey, z.number().int().positive().default(1)])) as Record<AxisPlanKey, z.ZodDefault<z.ZodNumber>>;

export const PlanInputSchema = z
  .object({
    ...axisDegreeFields,
    pp: z.number().int().positive().default(1),
    /** Omitted: derived as devices / (pp · every axis's degree). */
    dp: z.number().int().positive().optional(),
    microBatch: z.number().int().positive().default(1),
    globalBatch: z.number().int().positive(),
    recompute: z.enum(RECOMPUTE).default('none'),
    sequenceParallel: z.boolean().default(false),
    /** Interleaved 1F1B when > 1 (Megatron's virtual pipeline stages per device). */
    virtualStages: z.number().int().positive().default(1),
    /** 0: none; 1: optimizer state sharded; 2: + gradients; 3: + parameters (FSDP full shard). */
    zeroStage: z.number().int().min(0).max(3).default(0),
    precision: z.enum(PLAN_PRECISIONS).default('bf16'),
    /** Overlap data-parallel gradient reduction with backward (PyTorch DDP, Megatron
     * --overlap-grad-reduce). Megatron-LM before 2023 did not. */
    overlapGradReduce: z.boolean().default(true),
    /** Reduce gradients in fp32 (Megatron always does with bf16; optional with fp16). */
    gradReduceFp32: z.boolean().optional(),
    /** Where state and activations live; omitted: the device's first supported mode. */
    memoryMode: z.enum(MEMORY_MODES).optional(),
  })
  .strict();

export type PlanInput = z.input<typeof PlanInputSchema>;
export type Plan = Omit<z.output<typeof PlanInputSchema>, 'dp' | 'gradReduceFp32' | 'memoryMode'> & { dp: number; gradReduceFp32: boolean; memoryMode: MemoryMode };

/** Bytes per parameter of the training weights (bf16/fp16) and of their all-gathers under ZeRO. */
export const WEIGHT_BYTES_PER_PARAM = 2;

/** Bytes per parameter of gradients, as held and as reduced across data-parallel ranks. */
export const gradientBytesPerParam = (p: Pick<Plan, 'gradReduceFp32'>): number => (p.gradReduceFp32 ? 4 : 2);

/** Micro-batches per step per pipeline (gradient accumulation steps). */
export function microBatchesPerStep(p: Plan): number {
  return p.globalBatch / (p.dp * p.microBatch);
}

/** Count of repeated units (layers) the pipeline divides. */
export function repeatedUnits(g: WorkloadGraph): number {
  return g.blocks.filter((b) => b.placement === 'repeated').reduce((n, b) => n + b.repeat, 0);
}

/** Fill in derived fields (dp, grad reduce dtype) and check the plan fits the workload and system. */
export function resolvePlan(input: z.output<typeof PlanInputSchema>, g: WorkloadGraph, sys: SystemInstance): { plan: Plan; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path: `plan.${path}`, message });
  const devices = sys.devices;
  const modelParallel = axisDegreeProduct(input) * input.pp;
  const modelParallelName = `${AXIS_PRODUCT_NAME}·pp`;
  let dp = input.dp;
  if (dp === undefined) {
    // Named at the innermost axis's key, where a user most often picks a degree that does not divide.
    if (devices % modelParallel !== 0) add(AXES[0].planKey, `${modelParallelName} = ${modelParallel} must divide the device count (${devices})`);
    dp = Math.max(1, Math.floor(devices / modelParallel));
  } else if (dp * modelParallel !== devices) {
    add('dp', `${modelParallelName}·dp = ${dp * modelParallel} must equal the device count (${devices}); omit dp to derive it`);
  }
  const modes = sys.spec.device.memoryModes;
  const memoryMode = input.memoryMode ?? modes[0]!;
  if (!modes.includes(memoryMode)) add('memoryMode', `${sys.spec.device.name} supports ${modes.join(', ')}; got ${memoryMode}`);
  const plan: Plan = { ...input, dp, gradReduceFp32: input.gradReduceFp32 ?? input.precision !== 'fp16', memoryMode };

  for (const a of AXES) {
    const degree = input[a.planKey];
    if (degree > 1 && !g.supports[a.axis]) add(a.planKey, `this model (${g.name}) supports no ${a.label}; allowed: 1`);
    for (const message of a.divisibilityIssues(degree, g.divisibility[a.axis] ?? [], g.name)) add(a.planKey, message);
  }
  if (input.pp > 1 && !g.supports.pipeline) add('pp', `this model (${g.name}) supports no pipeline parallelism; allowed: 1`);
  if (input.sequenceParallel && !g.supports.sequence) add('sequenceParallel', `this model (${g.name}) has no sequence-parallel regions; allowed: false`);

  const units = repeatedUnits(g);
  const chunks = input.pp * input.virtualStages;
  const uniform = g.blocks.filter((b) => b.placement === 'repeated').length === 1;
  if (chunks > units) add('pp', `pp·virtualStages = ${chunks} exceeds the ${units} layers to divide`);
  else if (uniform && units % chunks !== 0) add('pp', `pp·virtualStages = ${chunks} must divide the number of layers (${units})`);
  if (input.virtualStages > 1 && input.pp < 2) add('virtualStages', 'interleaving needs pp ≥ 2; allowed: 1 when pp = 1');

  if (input.globalBatch % (dp * input.microBatch) !== 0) {
    add('globalBatch', `must be a multiple of dp·microBatch = ${dp * input.microBatch}`);
  } else if (input.virtualStages > 1 && microBatchesPerStep(plan) % input.pp !== 0) {
    add('virtualStages', `interleaved schedule needs micro-batches per step (${microBatchesPerStep(plan)}) to be a multiple of pp (${input.pp})`);
  }
  const peak = sys.spec.device.peakTflops;
  if (!(input.precision in peak)) add('precision', `${sys.spec.device.name} has no ${input.precision} rate; allowed: ${Object.keys(peak).filter((p) => p !== 'fp32').join(', ')}`);
  if (sys.spec.maxDevices !== undefined && devices > sys.spec.maxDevices) {
    issues.push({ path: 'system.devices', message: `${sys.spec.name} has at most ${sys.spec.maxDevices} devices` });
  }
  return { plan, issues };
}
