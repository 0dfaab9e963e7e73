// Emulator benchmarks (figures, not timed tests):
//  1. FP32 matmul GFLOP/s: the blocked GEMM against the naive triple loop, square sizes 128..512,
//     variants interleaved, median of 7 runs after 3 warm-ups (plus one JIT warm-up pass at n=64);
//     the ratio is per size. The machine is shared, so absolute GFLOP/s vary; the ratio is the figure.
// Run: npm run build && node dist/bench/emulator.js
import { gemm, gemmNaive } from '../src/emulator/runtime/gemm.js';

const WARMUP = 3;
const RUNS = 7;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function randomMatrix(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

function matmulTable(): void {
  console.log('FP32 matmul, C = A·B (n×n), GFLOP/s = 2n³ / median time');
  console.log('     n | blocked GFLOP/s | naive GFLOP/s | ratio');
  for (const n of [64, 128, 256, 384, 512]) {
    const A = randomMatrix(n * n, 1);
    const B = randomMatrix(n * n, 2);
    const C = new Float32Array(n * n);
    const times = { blocked: [] as number[], naive: [] as number[] };
    for (let run = 0; run < WARMUP + RUNS; run++) {
      for (const variant of ['blocked', 'naive'] as const) {
        const t0 = performance.now();
        if (variant === 'blocked') gemm(n, n, n, A, B, C);
        else gemmNaive(n, n, n, A, B, C);
        const ms = performance.now() - t0;
        if (run >= WARMUP) times[variant].push(ms);
      }
    }
    if (n === 64) continue; // JIT warm-up only
    const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e6);
    const blocked = gflops(median(times.blocked));
    const naive = gflops(median(times.naive));
    console.log(`${String(n).padStart(6)} | ${blocked.toFixed(2).padStart(15)} | ${naive.toFixed(2).padStart(13)} | ${(blocked / naive).toFixed(1).padStart(5)}×`);
  }
}

matmulTable();
