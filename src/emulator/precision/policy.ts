// A precision policy: the storage format of each tensor role. Computation is FP32 throughout (the
// white paper's mixed precision: CFloat8 operands widen to FP32); a policy decides what is kept
// between steps and layers, and therefore what rounding the numbers go through. Parsed from plain
// data with every problem reported as (path, message, allowed values).
import { InputError, issue, type InputIssue } from '../../common/errors.js';
import { CFLOAT_LAYOUTS, type CFloatLayoutName } from '../numerics/formats.js';

export const TENSOR_ROLES = ['weights', 'activations', 'gradients', 'optimizerState'] as const;
export type TensorRole = (typeof TENSOR_ROLES)[number];

export const STORAGE_FORMATS = ['fp32', 'bf16', ...(Object.keys(CFLOAT_LAYOUTS) as CFloatLayoutName[])] as const;
export type StorageFormat = (typeof STORAGE_FORMATS)[number];
export const ROUNDING_MODES = ['nearest-even', 'stochastic'] as const;
export type RoundingMode = (typeof ROUNDING_MODES)[number];

export interface StorageSpec {
  format: StorageFormat;
  rounding: RoundingMode;
}

export type PrecisionPolicy = Record<TensorRole, StorageSpec>;

const all = (spec: StorageSpec): PrecisionPolicy => ({ weights: spec, activations: spec, gradients: spec, optimizerState: spec });

/**
 * Named policies. `cfp8-*` store weights and activations in CFloat8 1-4-3 (precision) and gradients
 * in 1-5-2 (range: gradients span more binades), with stochastic rounding (or RNE, for contrast) so
 * small updates survive in expectation. Adam's moments stay FP32: the second moment spans the square
 * of the gradients' range, more binades than one bias of SHP's 5-bit exponent covers, and a moment
 * flushed to zero turns m/(√v + ε) into m/ε. A policy may still ask for cfloat16_shp there.
 */
export const PRECISION_PRESETS = {
  fp32: all({ format: 'fp32', rounding: 'nearest-even' }),
  bf16: all({ format: 'bf16', rounding: 'nearest-even' }),
  'cfp8-sr': {
    weights: { format: 'cfloat8_1_4_3', rounding: 'stochastic' },
    activations: { format: 'cfloat8_1_4_3', rounding: 'stochastic' },
    gradients: { format: 'cfloat8_1_5_2', rounding: 'stochastic' },
    optimizerState: { format: 'fp32', rounding: 'nearest-even' },
  },
  'cfp8-rne': {
    weights: { format: 'cfloat8_1_4_3', rounding: 'nearest-even' },
    activations: { format: 'cfloat8_1_4_3', rounding: 'nearest-even' },
    gradients: { format: 'cfloat8_1_5_2', rounding: 'nearest-even' },
    optimizerState: { format: 'fp32', rounding: 'nearest-even' },
  },
} as const satisfies Record<string, PrecisionPolicy>;

export type PrecisionPresetName = keyof typeof PRECISION_PRESETS;

/** A preset name, or an object giving some roles (the rest default to FP32). */
export function parsePrecisionPolicy(input: unknown, origin = 'precision'): PrecisionPolicy {
  const issues: InputIssue[] = [];
  if (typeof input === 'string') {
    if (input in PRECISION_PRESETS) return PRECISION_PRESETS[input as PrecisionPresetName];
    throw new InputError(origin, [issue('', `unknown preset "${input}"; allowed: ${Object.keys(PRECISION_PRESETS).join(', ')}`)]);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InputError(origin, [issue('', `expected a preset name or an object with keys ${TENSOR_ROLES.join(', ')}`)]);
  }
  const policy: PrecisionPolicy = { ...PRECISION_PRESETS.fp32 };
  for (const [role, value] of Object.entries(input)) {
    if (!(TENSOR_ROLES as readonly string[]).includes(role)) {
      issues.push(issue(role, `unknown tensor role; allowed: ${TENSOR_ROLES.join(', ')}`));
      continue;
    }
    const spec = (value ?? {}) as Record<string, unknown>;
    const format = spec.format;
    const rounding = spec.rounding ?? 'nearest-even';
    if (!(STORAGE_FORMATS as readonly unknown[]).includes(format)) {
      issues.push(issue(`${role}.format`, `got ${JSON.stringify(format)}; allowed: ${STORAGE_FORMATS.join(', ')}`));
    }
    if (!(ROUNDING_MODES as readonly unknown[]).includes(rounding)) {
      issues.push(issue(`${role}.rounding`, `got ${JSON.stringify(rounding)}; allowed: ${ROUNDING_MODES.join(', ')}`));
    }
    policy[role as TensorRole] = { format: format as StorageFormat, rounding: rounding as RoundingMode };
  }
  if (issues.length) throw new InputError(origin, issues);
  return policy;
}
