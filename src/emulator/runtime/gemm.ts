// Dense matrix multiply, C[M,N] (+)= A[M,K] · B[K,N], row-major. The kernel is blocked over K and N
// so a panel of B stays in cache, and updates four rows of C per pass so each loaded B element is
// used four times. Every product is added straight into C's typed array, in ascending k: with a
// Float32Array C that is FP32 accumulation (the product of two FP32 values is exact in float64, so
// each step is one FP32 rounding of c + a·b, a fused multiply-add except in the rare case where the
// float64 sum itself rounds). Transposed operands are packed first; packing is O(n^2) against the
// O(n^3) multiply.
import type { Floats } from './tensor.js';

const K_BLOCK = 128;
const N_BLOCK = 256;

export function gemm(M: number, N: number, K: number, A: Floats, B: Floats, C: Floats, accumulate = false): void {
  if (!accumulate) C.fill(0, 0, M * N);
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
