// Rounding modes and the counters every narrowing conversion reports. Shared by the BF16 and
// CFloat codecs so a precision policy can sum them per tensor.
import type { RandomStream } from './counter-rng.js';

/** Round to nearest, ties to even; or stochastic rounding driven by a seeded counter-based stream. */
export type Rounding = { mode: 'nearest-even' } | { mode: 'stochastic'; stream: RandomStream };

export const NEAREST_EVEN: Rounding = { mode: 'nearest-even' };

export interface ConversionCounts {
  /** Finite inputs whose rounded magnitude exceeded the format's largest finite value (clamped, or Inf for BF16). */
  overflow: number;
  /** Non-zero inputs that rounded to zero. */
  underflow: number;
  /** NaN or infinite inputs (clamped to the largest finite value in the CFloat formats), negatives into an unsigned format. */
  invalid: number;
}

export function zeroCounts(): ConversionCounts {
  return { overflow: 0, underflow: 0, invalid: 0 };
}

export function addCounts(into: ConversionCounts, more: ConversionCounts): ConversionCounts {
  into.overflow += more.overflow;
  into.underflow += more.underflow;
  into.invalid += more.invalid;
  return into;
}
