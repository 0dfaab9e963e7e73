// Registers built-in presets on first use so importing the engine has no side effects.
import { registerBuiltinSystems } from '../specs/presets/index.js';
import { registerBuiltinModels } from '../workloads/model-presets.js';

export function ensureBuiltins(): void {
  registerBuiltinSystems();
  registerBuiltinModels();
}
