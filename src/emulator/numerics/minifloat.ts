// Bit-exact codecs for the configurable minifloats (CFloat8 1-4-3 / 1-5-2, CFloat16 SHP / UHP).
// Encoding works on the FP32 bit pattern with integer arithmetic carried in float64 (exact below
// 2^53), so there is no double rounding: the input's 24-bit significand is split at the target's
// quantum once, and the remainder decides the rounding. Decoding is a table lookup.
import { InputError, issue } from '../../common/errors.js';
import { randomUint32 } from './counter-rng.js';
import { BIAS_MAX, BIAS_MIN, type MinifloatLayout } from './formats.js';
import { zeroCounts, type ConversionCounts, type Rounding } from './rounding.js';

export interface MinifloatFormat {
  layout: MinifloatLayout;
  /** Exponent bias in use: the configured 6-bit value, or the layout's fixed bias. */
  bias: number;
  bits: number;
  /** Code of the largest finite positive value (all exponent and mantissa bits set). */
  maxPositiveCode: number;
  /** Value of every code, indexed by code. */
  values: Float32Array;
}

const POW2 = Array.from({ length: 200 }, (_, i) => 2 ** i);
const TWO32 = 4294967296;

/** Resolves a layout and (for configurable layouts) a bias; an invalid bias is reported as data. */
export function minifloatFormat(layout: MinifloatLayout, bias?: number): MinifloatFormat {
  let b: number;
  if (layout.bias === 'configurable') {
    if (bias === undefined || !Number.isInteger(bias) || bias < BIAS_MIN || bias > BIAS_MAX) {
      throw new InputError(layout.name, [
        issue('bias', `got ${String(bias)}; ${layout.name} needs an integer exponent bias in ${BIAS_MIN}..${BIAS_MAX} (6-bit field)`),
      ]);
    }
    b = bias;
  } else {
    if (bias !== undefined && bias !== layout.bias) {
      throw new InputError(layout.name, [issue('bias', `got ${bias}; ${layout.name} has the fixed bias ${layout.bias}`)]);
    }
    b = layout.bias;
  }
  const bits = layout.signBits + layout.exponentBits + layout.mantissaBits;
  const values = new Float32Array(1 << bits);
  for (let code = 0; code < values.length; code++) values[code] = decodeOne(layout, b, code);
  return { layout, bias: b, bits, maxPositiveCode: (1 << (bits - layout.signBits)) - 1, values };
}

function decodeOne(layout: MinifloatLayout, bias: number, code: number): number {
  const m = layout.mantissaBits;
  const magnitudeBits = layout.exponentBits + m;
  const negative = layout.signBits === 1 && code >>> magnitudeBits === 1;
  const e = (code >>> m) & ((1 << layout.exponentBits) - 1);
  const f = code & ((1 << m) - 1);
  // Subnormals share the smallest normal exponent, 1 - bias, without the implicit 1.
  const magnitude = e === 0 ? f * 2 ** (1 - bias - m) : (2 ** m + f) * 2 ** (e - bias - m);
  return negative ? -magnitude : magnitude;
}

export function decodeMinifloat(format: MinifloatFormat, codes: Uint8Array | Uint16Array, out: Float32Array): Float32Array {
  const table = format.values;
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/**
 * Encodes FP32 values (BF16 decodes to FP32 exactly, so this also converts from BF16). Stochastic
 * rounding uses draw `stream.counter + i` for element i and advances the stream by `src.length`.
 */
export function encodeMinifloat(
  format: MinifloatFormat,
  src: Float32Array,
  out: Uint8Array | Uint16Array,
  rounding: Rounding,
): ConversionCounts {
  const counts = zeroCounts();
  const bits32 = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const m = format.layout.mantissaBits;
  const signed = format.layout.signBits === 1;
  const signShift = format.bits - 1;
  const maxExpField = (1 << format.layout.exponentBits) - 1;
  const eMin = 1 - format.bias;
  const implicit = POW2[m]!;
  const stochastic = rounding.mode === 'stochastic' ? rounding.stream : undefined;
  for (let i = 0; i < src.length; i++) {
    const u = bits32[i]!;
    const negative = u >>> 31 === 1;
    const ex = (u >>> 23) & 0xff;
    const frac = u & 0x7fffff;
    const signCode = signed && negative ? 1 << signShift : 0;
    if (ex === 0xff) {
      // No Inf/NaN encodings: the paper clamps such operands to the largest finite value.
      counts.invalid++;
      out[i] = signed ? signCode | format.maxPositiveCode : negative ? 0 : format.maxPositiveCode;
      continue;
    }
    if (ex === 0 && frac === 0) {
      out[i] = signCode;
      continue;
    }
    if (negative && !signed) {
      counts.invalid++;
      out[i] = 0;
      continue;
    }
    // value = significand * 2^(e32 - 23); FP32 subnormals have no implicit bit and exponent -126.
    const significand = ex === 0 ? frac : frac | 0x800000;
    const e32 = ex === 0 ? -126 : ex - 127;
    const eTarget = e32 > eMin ? e32 : eMin;
    const shift = eTarget - e32 + 23 - m; // >= 23 - m > 0: the target quantum is coarser than FP32's
    const quantum = POW2[shift]!;
    let n = Math.floor(significand / quantum);
    const rest = significand - n * quantum;
    if (stochastic) {
      // Round up with probability rest/quantum: compare a uniform 32-bit draw with rest/quantum * 2^32.
      const draw = randomUint32(stochastic.seed, stochastic.stream, stochastic.counter + i);
      if (draw < (rest / quantum) * TWO32) n++;
    } else {
      const half = quantum / 2;
      if (rest > half || (rest === half && n % 2 === 1)) n++;
    }
    if (n === 0) {
      counts.underflow++;
      out[i] = signCode;
      continue;
    }
    let e = eTarget;
    if (n === 2 * implicit) {
      n = implicit;
      e++;
    }
    // n < implicit only happens at eTarget = eMin: a subnormal, exponent field 0.
    const expField = n >= implicit ? e - eMin + 1 : 0;
    if (expField > maxExpField) {
      counts.overflow++;
      out[i] = signCode | format.maxPositiveCode;
      continue;
    }
    out[i] = signCode | (expField << m) | (n >= implicit ? n - implicit : n);
  }
  if (stochastic) stochastic.counter += src.length;
  return counts;
}
