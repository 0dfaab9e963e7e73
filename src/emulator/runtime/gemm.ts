// Dense matrix multiply, C[M,N] (+)= A[M,K] · B[K,N], row-major.
//
// FP32 (the training path): A is packed into panels of 4 rows and B into panels of 4 columns, both
// k-major, and a 4×4 block of C is kept in 16 locals across a K block of 256, so each pair of
// loaded values feeds 16 multiply-adds and the panels (4 KB each) stay in L1. Each accumulator step
// is Math.fround(c + a·b): the FP32 product is exact in float64, so this is one FP32 rounding per
// step in ascending k, i.e. FP32 accumulation (a fused multiply-add except in the rare case where
// the float64 sum itself rounds), bit-identical to a k-ordered scalar loop.
// FP64 (the gradient-check reference path) uses the simpler row-streaming kernel below: there the
// aim is exact arithmetic, not speed. Transposed operands are packed first (O(n²) against O(n³)).
import type { Floats } from './tensor.js';

const K_BLOCK = 256;
const N_BLOCK = 256;

export function gemm(M: number, N: number, K: number, A: Floats, B: Floats, C: Floats, accumulate = false): void {
  if (!accumulate) C.fill(0, 0, M * N);
  if (C instanceof Float32Array) gemmF32(M, N, K, A, B, C);
  else gemmRows(M, N, K, A, B, C);
}

/** Packs rows [i0, i0+4) × k [k0, k1) of A as ap[(k−k0)·4 + r], zero-padding rows past M. */
function packA(A: Floats, M: number, K: number, i0: number, k0: number, k1: number, ap: Float32Array): void {
  for (let k = k0; k < k1; k++) {
    const o = (k - k0) * 4;
    for (let r = 0; r < 4; r++) ap[o + r] = i0 + r < M ? A[(i0 + r) * K + k]! : 0;
  }
}

/** Packs columns [j0, j0+4) × k [k0, k1) of B as bp[(k−k0)·4 + c], zero-padding columns past N. */
function packB(B: Floats, N: number, j0: number, k0: number, k1: number, bp: Float32Array): void {
  for (let k = k0; k < k1; k++) {
    const o = (k - k0) * 4;
    const row = k * N;
    for (let c = 0; c < 4; c++) bp[o + c] = j0 + c < N ? B[row + j0 + c]! : 0;
  }
}

function gemmF32(M: number, N: number, K: number, A: Floats, B: Floats, C: Float32Array): void {
  const iPanels = Math.ceil(M / 4);
  const jPanels = Math.ceil(N / 4);
  const ap = new Float32Array(iPanels * K_BLOCK * 4);
  const bp = new Float32Array(K_BLOCK * 4);
  for (let k0 = 0; k0 < K; k0 += K_BLOCK) {
    const k1 = Math.min(K, k0 + K_BLOCK);
    const kn = k1 - k0;
    for (let ip = 0; ip < iPanels; ip++) packA(A, M, K, ip * 4, k0, k1, ap.subarray(ip * K_BLOCK * 4));
    for (let jp = 0; jp < jPanels; jp++) {
      const j0 = jp * 4;
      packB(B, N, j0, k0, k1, bp);
      const cols = Math.min(4, N - j0);
      for (let ip = 0; ip < iPanels; ip++) {
        const i0 = ip * 4;
        const rows = Math.min(4, M - i0);
        microKernel(C, N, i0, j0, rows, cols, ap, ip * K_BLOCK * 4, bp, kn);
      }
    }
  }
}

/**
 * C[i0.., j0..] (rows × cols ≤ 4×4) += the packed panels over kn steps. Edge blocks go through a
 * zero-padded 16-value scratch; full blocks load and store C directly.
 */
const edge = new Float32Array(16);
function microKernel(C: Float32Array, N: number, i0: number, j0: number, rows: number, cols: number, ap: Float32Array, aBase: number, bp: Float32Array, kn: number): void {
  const full = rows === 4 && cols === 4;
  let src: Float32Array = C;
  let o0 = i0 * N + j0;
  let stride = N;
  if (!full) {
    edge.fill(0);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) edge[r * 4 + c] = C[(i0 + r) * N + j0 + c]!;
    src = edge;
    o0 = 0;
    stride = 4;
  }
  const o1 = o0 + stride;
  const o2 = o1 + stride;
  const o3 = o2 + stride;
  const fr = Math.fround;
  let c00 = src[o0]!, c01 = src[o0 + 1]!, c02 = src[o0 + 2]!, c03 = src[o0 + 3]!;
  let c10 = src[o1]!, c11 = src[o1 + 1]!, c12 = src[o1 + 2]!, c13 = src[o1 + 3]!;
  let c20 = src[o2]!, c21 = src[o2 + 1]!, c22 = src[o2 + 2]!, c23 = src[o2 + 3]!;
  let c30 = src[o3]!, c31 = src[o3 + 1]!, c32 = src[o3 + 2]!, c33 = src[o3 + 3]!;
  for (let k = 0; k < kn; k++) {
    const a = aBase + k * 4;
    const b = k * 4;
    const a0 = ap[a]!, a1 = ap[a + 1]!, a2 = ap[a + 2]!, a3 = ap[a + 3]!;
    const b0 = bp[b]!, b1 = bp[b + 1]!, b2 = bp[b + 2]!, b3 = bp[b + 3]!;
    c00 = fr(c00 + a0 * b0); c01 = fr(c01 + a0 * b1); c02 = fr(c02 + a0 * b2); c03 = fr(c03 + a0 * b3);
    c10 = fr(c10 + a1 * b0); c11 = fr(c11 + a1 * b1); c12 = fr(c12 + a1 * b2); c13 = fr(c13 + a1 * b3);
    c20 = fr(c20 + a2 * b0); c21 = fr(c21 + a2 * b1); c22 = fr(c22 + a2 * b2); c23 = fr(c23 + a2 * b3);
    c30 = fr(c30 + a3 * b0); c31 = fr(c31 + a3 * b1); c32 = fr(c32 + a3 * b2); c33 = fr(c33 + a3 * b3);
  }
  src[o0] = c00; src[o0 + 1] = c01; src[o0 + 2] = c02; src[o0 + 3] = c03;
  src[o1] = c10; src[o1 + 1] = c11; src[o1 + 2] = c12; src[o1 + 3] = c13;
  src[o2] = c20; src[o2 + 1] = c21; src[o2 + 2] = c22; src[o2 + 3] = c23;
  src[o3] = c30; src[o3 + 1] = c31; src[o3 + 2] = c32; src[o3 + 3] = c33;
  if (!full) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) C[(i0 + r) * N + j0 + c] = edge[r * 4 + c]!;
}

/** Row-streaming kernel: four rows of C updated per pass over a K×N block of B. */
function gemmRows(M: number, N: number, K: number, A: Floats, B: Floats, C: Floats): void {
  for (let k0 = 0; k0 < K; k0 += K_BLOCK) {
    const kEnd = Math.min(K, k0 + K_BLOCK);
    for (let j0 = 0; j0 < N; j0 += N_BLOCK) {
      const jEnd = Math.min(N, j0 + N_BLOCK);
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const c0 = i * N;
        const c1 = c0 + N;
        const c2 = c1 + N;
        const c3 = c2 + N;
        for (let k = k0; k < kEnd; k++) {
          const a0 = A[i * K + k]!;
          const a1 = A[(i + 1) * K + k]!;
          const a2 = A[(i + 2) * K + k]!;
          const a3 = A[(i + 3) * K + k]!;
          const b = k * N;
          for (let j = j0; j < jEnd; j++) {
            const bj = B[b + j]!;
            C[c0 + j]! += a0 * bj;
            C[c1 + j]! += a1 * bj;
            C[c2 + j]! += a2 * bj;
            C[c3 + j]! += a3 * bj;
          }
        }
      }
      for (; i < M; i++) {
        const c = i * N;
        for (let k = k0; k < kEnd; k++) {
          const a = A[i * K + k]!;
          const b = k * N;
          for (let j = j0; j < jEnd; j++) C[c + j]! += a * B[b + j]!;
        }
      }
    }
  }
}

/** Row-major transpose of a [rows, cols] matrix into a new [cols, rows] array of the same kind. */
export function transpose(rows: number, cols: number, X: Floats): Floats {
  const T = X instanceof Float64Array ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) T[c * rows + r] = X[r * cols + c]!;
  return T;
}

/** C = A · Bᵀ with B stored [N, K]. */
export function gemmNT(M: number, N: number, K: number, A: Floats, B: Floats, C: Floats, accumulate = false): void {
  gemm(M, N, K, A, transpose(N, K, B), C, accumulate);
}

/** C = Aᵀ · B with A stored [K, M]. */
export function gemmTN(M: number, N: number, K: number, A: Floats, B: Floats, C: Floats, accumulate = false): void {
  gemm(M, N, K, transpose(K, M, A), B, C, accumulate);
}

/** The textbook triple loop (i, j, k with a scalar accumulator): the benchmark's baseline. */
export function gemmNaive(M: number, N: number, K: number, A: Floats, B: Floats, C: Floats): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += A[i * K + k]! * B[k * N + j]!;
      C[i * N + j] = sum;
    }
  }
}
