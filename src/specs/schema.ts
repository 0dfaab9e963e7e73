// Schemas for machine specs as data. Units live in key names; figures that come from somewhere
// carry their basis in a `sources` map (key → citation or "assumption: …"). Validated at load.
import { z } from 'zod';

export const PRECISIONS = ['bf16', 'fp16', 'fp8', 'fp32'] as const;
/** Levels of the Dojo hierarchy a preset can be (see src/specs/dojo/). */
export const DOJO_LEVELS = ['tile', 'tray', 'cabinet', 'exapod'] as const;
export type DojoLevel = (typeof DOJO_LEVELS)[number];

/** Where a device keeps training state and activations (see docs/dojo-model.md):
 * device: off-chip memory is the working memory (GPUs);
 * sram-resident: everything lives in on-chip SRAM (Dojo tile region);
 * hbm-streaming: state in remote HBM (Dojo DIPs), weights streamed in per layer, activations on chip. */
export const MEMORY_MODES = ['device', 'sram-resident', 'hbm-streaming'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];
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
    /** Aggregate on-chip memory bandwidth (SRAM load), used by on-chip memory modes. */
    onChipBandwidthGBps: positive.optional(),
    /** Memory modes this device supports; the first is the default. */
    memoryModes: z.array(z.enum(MEMORY_MODES)).min(1).default(['device']),
    /** Bandwidth at which hosts can feed input data to one device; omit if never limiting. */
    hostFeedGBps: positive.optional(),
    tdpW: positive,
    idlePowerW: z.number().nonnegative(),
    sources,
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.memoryModes.some((m) => m !== 'device') && (d.onChipBandwidthGBps === undefined || d.onChipMemoryMB <= 0)) {
      ctx.addIssue({ code: 'custom', path: ['onChipBandwidthGBps'], message: 'on-chip memory modes need onChipMemoryMB and onChipBandwidthGBps' });
    }
  });

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
    /** switch: every member reaches every other in one step; mesh2d: a grid of devices joined to
     * their neighbours, collectives decompose by rows then columns, one hop per step. */
    topology: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('switch') }).strict(),
      z.object({ kind: z.literal('mesh2d'), rows: z.number().int().positive(), cols: z.number().int().positive() }).strict(),
    ]).default({ kind: 'switch' }),
    /** A flat network beside the hierarchy (Dojo's Z-plane over Ethernet): a collective may use it
     * alone instead of the tiers; the cheaper route is taken. */
    bypass: z.boolean().default(false),
    sources,
  })
  .strict();

export const SystemSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /** Family used for grouping in listings (gpu, dojo). */
    family: z.enum(['gpu', 'dojo']).default('gpu'),
    /** Dojo presets: the level of the hierarchy this system is (tile … exapod), so assumption
     * overrides rebuild the same level; absent elsewhere. Set by buildDojoSystem, never parsed from a name. */
    dojoLevel: z.enum(DOJO_LEVELS).optional(),
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
    const hierarchy = s.tiers.filter((t) => !t.bypass);
    if (hierarchy.length === 0) ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'at least one tier must not be a bypass' });
    s.tiers.forEach((t, i) => {
      if (t.bypass) return;
      if (t.topology.kind === 'mesh2d' && t.domainDevices !== undefined && t.topology.rows * t.topology.cols !== t.domainDevices) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'topology'], message: `rows·cols (${t.topology.rows * t.topology.cols}) must equal domainDevices (${t.domainDevices})` });
      }
      if (i < s.tiers.length - 1 && t.domainDevices === undefined && s.tiers.slice(i + 1).some((u) => !u.bypass)) {
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
