// Named system presets. Registration is explicit (presets/index.ts lists every preset); specs are
// validated when registered so a bad preset fails at start-up, not mid-simulation.
import { InputError } from '../common/errors.js';
import { parseOrThrow } from '../common/zod-issues.js';
import { SystemSchema, type SystemSpec } from './schema.js';

const presets = new Map<string, SystemSpec>();

export function parseSystemSpec(raw: unknown, origin: string, pathPrefix = ''): SystemSpec {
  return parseOrThrow(SystemSchema, raw, origin, pathPrefix);
}

export function registerSystemPreset(raw: unknown): SystemSpec {
  const spec = parseSystemSpec(raw, 'system preset');
  if (presets.has(spec.name)) throw new Error(`system preset "${spec.name}" registered twice`);
  presets.set(spec.name, spec);
  return spec;
}

export function listSystemPresets(): SystemSpec[] {
  return [...presets.values()];
}

export function systemPresetNames(): string[] {
  return [...presets.keys()];
}

export function getSystemPreset(name: string, path = 'system.preset'): SystemSpec {
  const spec = presets.get(name);
  if (!spec) {
    throw new InputError('system', [{ path, message: `unknown system preset "${name}"; allowed: ${systemPresetNames().join(', ')}` }]);
  }
  return spec;
}
