// BF16 (1-8-7, IEEE-style: subnormals, Inf and NaN) as the upper half of an FP32 bit pattern.
// Round to nearest even adds 0x7fff plus the kept LSB before truncating; stochastic rounding adds
// 16 random bits, so the carry into the kept part happens with probability (dropped bits)/2^16.
import { randomUint32 } from './counter-rng.js';
import { zeroCounts, type ConversionCounts, type Rounding } from './rounding.js';

export function encodeBf16(src: Float32Array, out: Uint16Array, rounding: Rounding): ConversionCounts {
  const counts = zeroCounts();
  const bits32 = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const stochastic = rounding.mode === 'stochastic' ? rounding.stream : undefined;
  for (let i = 0; i < src.length; i++) {
    const u = bits32[i]!;
    if ((u & 0x7f800000) === 0x7f800000) {
      // Inf stays Inf; NaN stays NaN with the quiet bit set so truncation cannot make it Inf.
      out[i] = (u & 0x7fffff) === 0 ? u >>> 16 : (u >>> 16) | 0x40;
      continue;
    }
    const add = stochastic
      ? randomUint32(stochastic.seed, stochastic.stream, stochastic.counter + i) & 0xffff
      : 0x7fff + ((u >>> 16) & 1);
    // Finite FP32 patterns are <= 0xff7fffff, so u + add stays below 2^32.
    const code = Math.floor((u + add) / 65536);
    if ((code & 0x7f80) === 0x7f80) counts.overflow++;
    else if ((code & 0x7fff) === 0 && (u & 0x7fffffff) !== 0) counts.underflow++;
    out[i] = code;
  }
  if (stochastic) stochastic.counter += src.length;
  return counts;
}

export function decodeBf16(codes: Uint16Array, out: Float32Array): Float32Array {
  const bits32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < codes.length; i++) bits32[i] = codes[i]! << 16;
  return out;
}

/** Rounds FP32 values to BF16 precision in place (the storage round trip, kept in FP32). */
export function roundToBf16(values: Float32Array, rounding: Rounding): ConversionCounts {
  const codes = new Uint16Array(values.length);
  const counts = encodeBf16(values, codes, rounding);
  decodeBf16(codes, values);
  return counts;
}
