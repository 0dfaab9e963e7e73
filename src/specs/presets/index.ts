// Every built-in system preset, registered in one place. GPU presets are plain data files;
// Dojo presets are built from the Dojo hierarchy (aggregates computed from the parts).
import { registerSystemPreset } from '../registry.js';
import dgxA100_40 from './dgx-a100-40gb.json' with { type: 'json' };
import dgxA100_80 from './dgx-a100-80gb.json' with { type: 'json' };
import dgxH100 from './dgx-h100-80gb.json' with { type: 'json' };
import dgxH200 from './dgx-h200.json' with { type: 'json' };
import dgxB200 from './dgx-b200.json' with { type: 'json' };
import { dojoSystemPresets } from '../dojo/dojo-system.js';

let registered = false;

/** Idempotent: registers the built-in presets once. */
export function registerBuiltinSystems(): void {
  if (registered) return;
  registered = true;
  for (const raw of [dgxA100_40, dgxA100_80, dgxH100, dgxH200, dgxB200]) registerSystemPreset(raw);
  for (const raw of dojoSystemPresets()) registerSystemPreset(raw);
}
