// Resource pools the service schedules on: the Dojo ExaPod's tile grid and virtual GPU pools.
// A pool is a grid of slots (a tile, or a node of GPUs) so the same rectangle scheduler serves
// both; on a GPU pool a job takes whole nodes and the grid stands for the rack layout. The pools
// are data (pools.json), each with its source, validated when loaded; a provider changes them there.
import { z } from 'zod';
import { parseOrThrow } from '../../common/zod-issues.js';
import { exapodGridSize } from '../scheduler/grid.js';
import rawPools from './pools.json' with { type: 'json' };

export interface PoolConfig {
  readonly name: string;
  /** System preset the engine evaluates placed jobs on. */
  readonly system: string;
  readonly unit: 'tile' | 'gpu';
  readonly rows: number;
  readonly cols: number;
  /** Devices per grid slot: 1 for a tile, GPUs per node for a GPU pool. */
  readonly devicesPerSlot: number;
  /** Rate card compute key. */
  readonly resource: string;
  readonly description: string;
}

const slots = z.number().int().min(1).max(1024);
const PoolEntrySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and -, at most 32'),
    system: z.string().min(1),
    unit: z.enum(['tile', 'gpu']),
    /** `exapod`: the grid comes from the Dojo hierarchy; otherwise rows and cols are given. */
    grid: z.literal('exapod').optional(),
    rows: slots.optional(),
    cols: slots.optional(),
    devicesPerSlot: z.number().int().min(1).max(64),
    resource: z.string().min(1),
    /** `{tiles}`, `{slots}`, `{devices}`, `{rows}` and `{cols}` are filled in from the grid. */
    description: z.string().min(1),
    source: z.string().min(1),
  })
  .strict()
  .refine((p) => (p.grid === undefined) === (p.rows !== undefined && p.cols !== undefined), { message: 'give either grid: exapod or both rows and cols' });

export const PoolsFileSchema = z
  .object({ pools: z.array(PoolEntrySchema).min(1) })
  .strict()
  .refine((f) => new Set(f.pools.map((p) => p.name)).size === f.pools.length, { message: 'pool names must be unique' });

/** Pools from a pools document (the shape of pools.json); throws an InputError naming the field. */
export function parsePools(doc: unknown, origin: string): PoolConfig[] {
  const file = parseOrThrow(PoolsFileSchema, doc, origin);
  return file.pools.map((p) => {
    const { rows, cols } = p.grid === 'exapod' ? exapodGridSize() : { rows: p.rows!, cols: p.cols! };
    const fill: Record<string, number> = { rows, cols, slots: rows * cols, tiles: rows * cols, devices: rows * cols * p.devicesPerSlot };
    const description = p.description.replace(/\{(\w+)\}/g, (m, k: string) => (k in fill ? fill[k]!.toLocaleString('en-US') : m));
    return { name: p.name, system: p.system, unit: p.unit, rows, cols, devicesPerSlot: p.devicesPerSlot, resource: p.resource, description };
  });
}

export function defaultPools(): PoolConfig[] {
  return parsePools(rawPools, 'src/service/api/pools.json');
}
