// Per-tensor exponent bias for the configurable formats, chosen from a running maximum of |x|.
// Rule: keep r_t = max(amax_t, decay · r_{t−1}) (a peak that fades by `decay` per update, so one
// outlier does not pin the range forever), then take the largest bias — the finest resolution —
// whose largest finite value still covers headroom · r_t. Headroom 2 (one binade) leaves room for
// the next step's growth before saturation. A tensor of zeros keeps its previous bias.
import { BIAS_MAX, BIAS_MIN, type MinifloatLayout } from '../numerics/formats.js';

export interface BiasRule {
  decay: number;
  headroom: number;
}

export const DEFAULT_BIAS_RULE: BiasRule = { decay: 0.9, headroom: 2 };

/** Largest bias b with maxFinite(b) = (2 − 2^−m)·2^(eMaxField − b) ≥ target, clamped to 0..63. */
export function biasFor(layout: MinifloatLayout, target: number): number {
  const eMaxField = 2 ** layout.exponentBits - 1;
  const top = 2 - 2 ** -layout.mantissaBits;
  const b = Math.floor(eMaxField + Math.log2(top / target));
  // log2 can land a hair off an exact power of two; step back if the bound is not met.
  const fits = (bias: number) => top * 2 ** (eMaxField - bias) >= target;
  const exact = fits(b) ? (fits(b + 1) ? b + 1 : b) : b - 1;
  return Math.min(BIAS_MAX, Math.max(BIAS_MIN, exact));
}

export function updateRunningMax(previous: number, amax: number, rule: BiasRule): number {
  return Math.max(amax, rule.decay * previous);
}
