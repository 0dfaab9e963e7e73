// Resource pools the service schedules on: the Dojo ExaPod's tile grid and virtual GPU pools.
// A pool is a grid of slots (a tile, or a node of GPUs) so the same rectangle scheduler serves
// both; on a GPU pool a job takes whole nodes and the grid stands for the rack layout.
import { exapodGridSize } from '../scheduler/grid.js';

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

export function defaultPools(): PoolConfig[] {
  const g = exapodGridSize();
  return [
    { name: 'exapod', system: 'dojo-exapod', unit: 'tile', rows: g.rows, cols: g.cols, devicesPerSlot: 1, resource: 'dojo-tile', description: `One Dojo ExaPod: ${g.rows * g.cols} training tiles on a ${g.rows}×${g.cols} grid; jobs take contiguous rectangles` },
    { name: 'h100', system: 'dgx-h100-80gb', unit: 'gpu', rows: 8, cols: 16, devicesPerSlot: 8, resource: 'dgx-h100-80gb', description: 'A virtual pool of 128 DGX H100 nodes (1,024 GPUs); jobs take whole nodes' },
  ];
}
