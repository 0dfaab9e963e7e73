// The service's virtual clock, shared by API replicas and workers through the database:
// virtual = anchorVirtual + (wall − anchorWallMs) × speedup. Changing the speedup re-anchors at
// the current virtual time, so virtual time never jumps.
import { ScaledClock } from '../service/execution/clock.js';
import type { Store } from '../service/store/store.js';

interface Anchor {
  anchorWallMs: number;
  anchorVirtual: number;
  speedup: number;
}

const realTimer = { now: () => Date.now(), setTimeout: (fn: () => void, ms: number) => setTimeout(fn, Math.min(ms, 2 ** 31 - 1)), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

export async function serviceClock(store: Store, speedup?: number): Promise<ScaledClock> {
  const wall = Date.now();
  let a = await store.initMeta<Anchor>('clock', { anchorWallMs: wall, anchorVirtual: 0, speedup: speedup ?? 3600 });
  if (speedup !== undefined && speedup !== a.speedup) {
    const virtualNow = a.anchorVirtual + ((wall - a.anchorWallMs) / 1000) * a.speedup;
    a = { anchorWallMs: wall, anchorVirtual: virtualNow, speedup };
    await store.sql.query("update meta set value = $1::jsonb where key = 'clock'", [JSON.stringify(a)]);
  }
  return new ScaledClock(a.speedup, realTimer, a.anchorVirtual + ((Date.now() - a.anchorWallMs) / 1000) * a.speedup);
}
