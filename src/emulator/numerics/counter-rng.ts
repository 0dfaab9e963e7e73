// A counter-based random number generator for stochastic rounding. The n-th draw of a stream is a
// pure function of (seed, stream, n), so a result never depends on the order elements are visited
// in: a tensor split across mesh nodes later rounds bit-identically to the unsplit tensor, and a
// run resumed from a checkpoint continues the same sequence. The mixer is two rounds of the
// "lowbias32" integer hash (Wellons, 2018), which passes the usual avalanche tests; this is not a
// cryptographic generator and need not be.

function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Uniform 32-bit unsigned integer for draw `counter` of `stream` under `seed`. */
export function randomUint32(seed: number, stream: number, counter: number): number {
  const key = lowbias32((seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0);
  // Counters above 2^32 fold their high word in so long runs do not repeat.
  const hi = Math.floor(counter / 4294967296);
  return lowbias32((lowbias32((counter >>> 0) ^ key) + Math.imul(hi, 0x85ebca6b)) >>> 0);
}

/** A stream position: the caller advances `counter` by the number of draws it consumed. */
export interface RandomStream {
  seed: number;
  stream: number;
  counter: number;
}

export function createStream(seed: number, stream = 0): RandomStream {
  return { seed: seed >>> 0, stream: stream >>> 0, counter: 0 };
}
