// The number formats Dojo stores tensors in, as data. Every layout carries its source; the one
// layout detail the public material leaves open (UHP subnormals, whose sentence is cut off in the
// copy we could read) is marked as an assumption. Codecs in minifloat.ts read only these fields.
// All layouts have subnormals (exponent field 0, mantissa m != 0 encodes 0.m x 2^(1-bias)), zeros of
// either sign, and no Inf/NaN encodings: the white paper says so for CFloat8 and SHP (p.6, p.8).

export interface MinifloatLayout {
  /** Name used in precision policies and reports. */
  name: string;
  signBits: 0 | 1;
  exponentBits: number;
  /** Stored (trailing) mantissa bits; the implicit leading 1 of normal numbers is not counted. */
  mantissaBits: number;
  /** `configurable`: the bias is a 6-bit field (0..63) chosen per tensor; otherwise the fixed bias. */
  bias: 'configurable' | number;
  /** No Inf/NaN encodings: the top exponent encodes normal numbers and overflow clamps to the largest finite value. */
  overflow: 'saturate';
  source: string;
  assumptions: string[];
}

const S7 =
  "Tesla, 'Dojo Technology: A Guide to Tesla's Configurable Floating Point Formats & Arithmetic' (2021), " +
  'https://tesla.relayto.com/e/tesla-dojo-technology-nwq57gsbyb33x';

export const CFLOAT_LAYOUTS = {
  cfloat8_1_4_3: {
    name: 'cfloat8_1_4_3',
    signBits: 1,
    exponentBits: 4,
    mantissaBits: 3,
    bias: 'configurable',
    overflow: 'saturate',
    source: `${S7}, p.4-6 (Table 3-4: 1 sign, 4 exponent, 3 mantissa bits; 6-bit bias 0..63 spans exponents [-62, 15]; normal, subnormal and zero encodings; no Inf/NaN, overflow clamps to the maximum)`,
    assumptions: [],
  },
  cfloat8_1_5_2: {
    name: 'cfloat8_1_5_2',
    signBits: 1,
    exponentBits: 5,
    mantissaBits: 2,
    bias: 'configurable',
    overflow: 'saturate',
    source: `${S7}, p.4-6 (Table 3: 1 sign, 5 exponent, 2 mantissa bits; same bias, special-value and clamping rules as 1_4_3)`,
    assumptions: [],
  },
  cfloat16_shp: {
    name: 'cfloat16_shp',
    signBits: 1,
    exponentBits: 5,
    mantissaBits: 10,
    bias: 'configurable',
    overflow: 'saturate',
    source: `${S7}, p.8 (Table 6, Signed Half Precision: sign, 1+10 mantissa, 5 exponent bits, unsigned 6-bit bias; "Normalized numbers, Subnormal numbers (denormal) and Zeros are supported... any overflow... will clamp the result to the maximum representable number")`,
    assumptions: [
      'dojo-facts.md §1a lists the CFloat16 split as unconfirmed [U]; we follow the white paper text found by search (p.8 Table 6).',
    ],
  },
  cfloat16_uhp: {
    name: 'cfloat16_uhp',
    signBits: 0,
    exponentBits: 6,
    mantissaBits: 10,
    bias: 31,
    overflow: 'saturate',
    source: `${S7}, p.8 (Table 6, Unsigned Half Precision: no sign, 1+10 mantissa, 6 exponent bits, bias 31)`,
    assumptions: [
      'dojo-facts.md §1a lists the CFloat16 split as unconfirmed [U]; we follow the white paper text found by search (p.8 Table 6).',
      'Subnormals: the sentence on UHP denormals is truncated in the copy read ("Denormal encodings are supported bu…"); we decode and produce them like SHP.',
      'Negative inputs (no sign bit) clamp to 0 and count as invalid.',
    ],
  },
} as const satisfies Record<string, MinifloatLayout>;

export type CFloatLayoutName = keyof typeof CFLOAT_LAYOUTS;

/** The 6-bit bias field of the configurable layouts. */
export const BIAS_MIN = 0;
export const BIAS_MAX = 63;
