// Model configs and presets. A scenario's `model` is either a builder config (discriminated by
// `kind`) or `{ preset: name }` with optional overrides of that preset's fields.
import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { parseOrThrow } from '../common/zod-issues.js';
import { TransformerConfigSchema, buildTransformer } from './transformer.js';
import { ResNetConfigSchema, buildResNet50 } from './cnn.js';
import { VideoConfigSchema, buildVideoNet } from './video.js';
import type { WorkloadGraph } from './graph.js';

export const ModelConfigSchema = z.discriminatedUnion('kind', [TransformerConfigSchema, ResNetConfigSchema, VideoConfigSchema]);
export type ModelConfig = z.output<typeof ModelConfigSchema>;
export const MODEL_KINDS = ['transformer', 'resnet50', 'video'] as const;

export interface ModelPreset {
  name: string;
  config: z.input<typeof ModelConfigSchema>;
  source: string;
}

const presets = new Map<string, ModelPreset>();

export function registerModelPreset(p: ModelPreset): void {
  if (presets.has(p.name)) throw new Error(`model preset "${p.name}" registered twice`);
  parseOrThrow(ModelConfigSchema, p.config, `model preset ${p.name}`);
  presets.set(p.name, p);
}

export function listModelPresets(): ModelPreset[] {
  return [...presets.values()];
}

export function getModelPreset(name: string, path = 'model.preset'): ModelPreset {
  const p = presets.get(name);
  if (!p) throw new InputError('model', [{ path, message: `unknown model preset "${name}"; allowed: ${[...presets.keys()].join(', ')}` }]);
  return p;
}

/** Resolve `{preset, ...overrides}` or a full config into a validated ModelConfig. */
export function resolveModelConfig(raw: unknown, origin: string, path = 'model'): ModelConfig {
  if (raw && typeof raw === 'object' && 'preset' in raw) {
    const { preset, ...overrides } = raw as { preset: unknown };
    if (typeof preset !== 'string') throw new InputError(origin, [{ path: `${path}.preset`, message: 'must be a preset name (string)' }]);
    const base = getModelPreset(preset, `${path}.preset`);
    return parseOrThrow(ModelConfigSchema, { ...base.config, name: base.name, ...overrides }, origin, path);
  }
  if (!raw || typeof raw !== 'object' || !('kind' in raw)) {
    throw new InputError(origin, [{ path, message: `must be an object with "kind" (one of: ${MODEL_KINDS.join(', ')}) or "preset"` }]);
  }
  return parseOrThrow(ModelConfigSchema, raw, origin, path);
}

export function buildWorkload(c: ModelConfig): WorkloadGraph {
  switch (c.kind) {
    case 'transformer':
      return buildTransformer(c);
    case 'resnet50':
      return buildResNet50(c);
    case 'video':
      return buildVideoNet(c);
  }
}
