// Piecewise interpolation over measured curves (message size → efficiency), in log-size space
// because collective benchmarks sweep sizes geometrically.

export type Curve = ReadonlyArray<readonly [number, number]>;

/** Interpolate y at x over points sorted by x, linear in log(x); clamps outside the measured range. */
export function interpolateLogX(curve: Curve, x: number): number {
  const n = curve.length;
  if (n === 0) throw new Error('interpolateLogX: empty curve');
  const first = curve[0]!;
  const last = curve[n - 1]!;
  if (x <= first[0]) return first[1];
  if (x >= last[0]) return last[1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (curve[mid]![0] <= x) lo = mid;
    else hi = mid;
  }
  const [x0, y0] = curve[lo]!;
  const [x1, y1] = curve[hi]!;
  const t = Math.log(x / x0) / Math.log(x1 / x0);
  return y0 + t * (y1 - y0);
}
