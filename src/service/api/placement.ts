// What a job's `resources` ask of a pool: slots on the pool's grid, devices the engine evaluates
// on, and the placement request the scheduler places. The pool's limits are its grid (rows ×
// cols slots of `devicesPerSlot` devices) and the grid's own `resolveRequest`: the same function
// the scheduler runs, so a request accepted here is one the scheduler accepts, at submit and
// again at every restore (a stored spec is re-read through this function).
import { InputError, issue } from '../../common/errors.js';
import { resolveRequest, type PlacementRequest } from '../scheduler/grid.js';
import type { JobSubmission } from '../scheduler/scheduler.js';
import type { JobRow } from '../store/store.js';
import type { JobSpec } from './job-spec.js';
import type { PoolConfig } from './pools.js';

export interface Placement {
  pool: PoolConfig;
  /** Grid slots: tiles, or nodes of a GPU pool. */
  slots: number;
  /** Devices the engine evaluates: tiles or GPUs. */
  devices: number;
  request: PlacementRequest;
}

const poolIssue = (pools: readonly PoolConfig[], name: string) => issue('resources.pool', `unknown pool "${name}"; pools: ${pools.map((p) => p.name).join(', ')}`);

/** Resolves a spec's resources on the configured pools; issues name the `resources` key at fault. */
export function placementFor(pools: readonly PoolConfig[], res: JobSpec['resources']): Placement {
  const poolName = res.pool ?? 'exapod';
  const pool = pools.find((p) => p.name === poolName);
  if (!pool) throw new InputError('job', [poolIssue(pools, poolName)]);
  const capacity = pool.rows * pool.cols;
  let request: PlacementRequest;
  let devices: number;
  let key: string;
  if ('gpus' in res) {
    key = 'resources.gpus';
    if (pool.unit !== 'gpu') throw new InputError('job', [issue(key, `pool ${pool.name} has tiles; ask for tiles or a shape`)]);
    if (res.gpus > pool.devicesPerSlot && res.gpus % pool.devicesPerSlot !== 0) throw new InputError('job', [issue(key, `must be a multiple of ${pool.devicesPerSlot} (whole nodes) or at most ${pool.devicesPerSlot}; got ${res.gpus}`)]);
    if (res.gpus > capacity * pool.devicesPerSlot) throw new InputError('job', [issue(key, `the pool has ${capacity * pool.devicesPerSlot} GPUs (${capacity} nodes of ${pool.devicesPerSlot}); got ${res.gpus}`)]);
    request = { tiles: Math.ceil(res.gpus / pool.devicesPerSlot) };
    devices = res.gpus;
  } else {
    if (pool.unit !== 'tile') throw new InputError('job', [issue('resources', `pool ${pool.name} has GPUs; ask for { pool: ${pool.name}, gpus: N }`)]);
    if ('tiles' in res) {
      key = 'resources.tiles';
      if (res.tiles > capacity) throw new InputError('job', [issue(key, `the pool has ${capacity} tiles; got ${res.tiles}`)]);
      request = { tiles: res.tiles };
    } else {
      key = 'resources.shape';
      const [rows, cols] = res.shape.split('x').map(Number) as [number, number];
      request = { shape: { rows, cols }, rotatable: true };
    }
    devices = 0;
  }
  let slots: number;
  try {
    slots = resolveRequest(request, pool.rows, pool.cols).requestedTiles;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError('job', e.issues.map((i) => ({ path: key, message: `${i.message} (pool ${pool.name})` })));
  }
  return { pool, slots, devices: pool.unit === 'tile' ? slots : devices, request };
}

/** The scheduler's view of a job: its placement request, predicted run and checkpoint cadence. */
export function submissionOf(job: Pick<JobRow, 'id' | 'tenantId' | 'priority' | 'predictedSeconds' | 'profile'>, placement: Placement): JobSubmission {
  const every = job.profile.checkpointIntervalSteps * job.profile.stepTimeSeconds;
  return { id: job.id, tenant: job.tenantId, priority: job.priority, request: placement.request, predictedSeconds: job.predictedSeconds, checkpointIntervalSeconds: every };
}
