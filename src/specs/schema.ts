// Schemas for machine specs as data. Units live in key names; figures that come from somewhere
// carry their basis in a `sources` map (key → citation or "assumption: …"). Validated at load.
import { z } from 'zod';

export const PRECISIONS = ['bf16', 'fp16', 'fp8', 'fp32'] as const;
export type Precision = (typeof PRECISIONS)[number];

const positive = z.number().positive();
const fraction = z.number().gt(0).lte(1);
const sources = z.record(z.string(), z.string()).optional();

/** [message bytes, efficiency 0..1] pairs measured by a collective benchmark, sorted by size. */
const efficiencyCurve = z
  .array(z.tuple([positive, fraction]))
  .min(1)
  .refine((c) => c.every((p, i) => i === 0 || p[0] > c[i - 1]![0]), 'points must be sorted by strictly increasing message size');

export const DeviceSchema = z
  .object({
    name: z.string().min(1),
    /** Dense (no sparsity) peak per precision. A precision missing here is not supported. */
    peakTflops: z.partialRecord(z.enum(PRECISIONS), positive).refine((r) => Object.keys(r).length > 0, 'at least one precision is required'),
    /** Best-shape GEMM throughput as a fraction of peak (microbenchmark), per precision. */
    matmulEfficiencyMax: z.partialRecord(z.enum(PRECISIONS), fraction),
    memoryGB: positive,
    memoryBandwidthGBps: positive,
    /** Achievable fraction of memoryBandwidthGBps for streaming kernels (microbenchmark). */
    memoryEfficiency: fraction,
    /** On-chip SRAM (L2/shared memory on GPUs; node SRAM on Dojo). Informational for GPUs. */
    onChipMemoryMB: z.number().nonnegative().default(0),
    tdpW: positive,
    idlePowerW: z.number().nonnegative(),
    sources,
  })
  .strict();

export const NetworkTierSchema = z
  .object({
    name: z.string().min(1),
    /** Devices that share this tier as their innermost common domain (8 for NVSwitch); omit for "all". */
    domainDevices: z.number().int().positive().optional(),
    /** Injection bandwidth per device, one direction. */
    bandwidthGBpsPerDirection: positive,
    /** Per-step latency of a collective algorithm step on this tier. */
    latencyUs: z.number().nonnegative(),
    /** Achievable fraction of bandwidth by message size (from measured bus bandwidth). */
    efficiencyCurve,
    /** In-network reduction (NVLS/SHARP): all-reduce moves (n-1)/n instead of 2(n-1)/n of the data. */
    inNetworkReduction: z.boolean().default(false),
    /** Power drawn by this tier's switches and NICs, per attached device. */
    powerWPerDevice: z.number().nonnegative().default(0),
    sources,
  })
  .strict();

export const SystemSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /** Family used for grouping in listings (gpu, dojo). */
    family: z.enum(['gpu', 'dojo']).default('gpu'),
    device: DeviceSchema,
    /** Devices in one server / tray; the unit that is bought, powered and placed in racks. */
    devicesPerNode: z.number().int().positive(),
    /** Device count used when a scenario names the preset without a count. */
    defaultDevices: z.number().int().positive(),
    /** Largest device count this system can have (e.g. 120 tiles for an ExaPod); omit for no limit. */
    maxDevices: z.number().int().positive().optional(),
    /** Networks from innermost (fastest) to outermost. */
    tiers: z.array(NetworkTierSchema).min(1),
    /** Node power beyond the devices (CPUs, DRAM, fans, NICs) at load. */
    nodeOtherPowerW: z.number().nonnegative(),
    /** Rack units or floor share per node, for footprint. */
    nodeRackUnits: positive.default(6),
    /** Key into the price sheet (defaults to name). */
    priceKey: z.string().optional(),
    sources,
  })
  .strict()
  .superRefine((s, ctx) => {
    s.tiers.forEach((t, i) => {
      if (i < s.tiers.length - 1 && t.domainDevices === undefined) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'domainDevices'], message: 'only the outermost tier may omit domainDevices' });
      }
      const prev = s.tiers[i - 1];
      if (prev && t.domainDevices !== undefined && prev.domainDevices !== undefined && t.domainDevices % prev.domainDevices !== 0) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'domainDevices'], message: `must be a multiple of the inner tier's domainDevices (${prev.domainDevices})` });
      }
    });
    if (s.maxDevices !== undefined && s.defaultDevices > s.maxDevices) {
      ctx.addIssue({ code: 'custom', path: ['defaultDevices'], message: `must be ≤ maxDevices (${s.maxDevices})` });
    }
    for (const p of Object.keys(s.device.peakTflops)) {
      if (!(p in s.device.matmulEfficiencyMax)) {
        ctx.addIssue({ code: 'custom', path: ['device', 'matmulEfficiencyMax', p], message: `missing: every precision in peakTflops needs a matmul efficiency` });
      }
    }
  });

export type DeviceSpec = z.output<typeof DeviceSchema>;
export type NetworkTier = z.output<typeof NetworkTierSchema>;
export type SystemSpec = z.output<typeof SystemSchema>;
export type SystemSpecInput = z.input<typeof SystemSchema>;

/** A system with a concrete device count: what the planner and simulators consume. */
export interface SystemInstance {
  spec: SystemSpec;
  devices: number;
}
