// Normalisations. Layer and RMS norm act on each row of the last dimension; batch norm on each
// channel (axis 1) over the batch and spatial positions, with batch statistics in training and
// running statistics (exponential average, PyTorch's convention: unbiased variance kept) otherwise.
// With x̂ the normalised value, g the scale and n the group size, the input gradient is
//   layer/batch: dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)),  RMS: dx = rstd·(dx̂ − x̂·mean(dx̂·x̂)).
import { alike, Tensor, type Floats, type Tape } from '../tensor.js';

export const NORM_EPSILON = 1e-5;

function rowNorm(tape: Tape | null, x: Tensor, gamma: Tensor, beta: Tensor | null, centre: boolean, eps: number): Tensor {
  const width = x.shape[x.shape.length - 1]!;
  if (gamma.size !== width) throw new RangeError(`norm: scale has ${gamma.size} values, rows have ${width}`);
  const rows = x.size / width;
  const y = new Tensor(x.shape, alike(x.data, x.size));
  const xhat = alike(x.data, x.size);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let mean = 0;
    if (centre) {
      for (let j = 0; j < width; j++) mean += x.data[o + j]!;
      mean /= width;
    }
    let sq = 0;
    for (let j = 0; j < width; j++) sq += (x.data[o + j]! - mean) ** 2;
    const s = 1 / Math.sqrt(sq / width + eps);
    rstd[r] = s;
    for (let j = 0; j < width; j++) {
      const h = (x.data[o + j]! - mean) * s;
      xhat[o + j] = h;
      y.data[o + j] = h * gamma.data[j]! + (beta ? beta.data[j]! : 0);
    }
  }
  tape?.record(() => {
    if (!y.grad) return;
    const dx = x.gradient();
    const dg = gamma.gradient();
    const db = beta?.gradient();
    for (let r = 0; r < rows; r++) {
      const o = r * width;
      let meanD = 0;
      let meanDX = 0;
      for (let j = 0; j < width; j++) {
        const dh = y.grad[o + j]! * gamma.data[j]!;
        meanD += dh;
        meanDX += dh * xhat[o + j]!;
        dg[j]! += y.grad[o + j]! * xhat[o + j]!;
        if (db) db[j]! += y.grad[o + j]!;
      }
      meanD = centre ? meanD / width : 0;
      meanDX /= width;
      for (let j = 0; j < width; j++) {
        const dh = y.grad[o + j]! * gamma.data[j]!;
        dx[o + j]! += rstd[r]! * (dh - meanD - xhat[o + j]! * meanDX);
      }
    }
  });
  return y;
}

export function layerNorm(tape: Tape | null, x: Tensor, gamma: Tensor, beta: Tensor, eps = NORM_EPSILON): Tensor {
  return rowNorm(tape, x, gamma, beta, true, eps);
}

export function rmsNorm(tape: Tape | null, x: Tensor, gamma: Tensor, eps = NORM_EPSILON): Tensor {
  return rowNorm(tape, x, gamma, null, false, eps);
}

export interface BatchNormState {
  runningMean: Float64Array;
  runningVar: Float64Array;
  momentum: number;
}

export function createBatchNormState(channels: number, momentum = 0.1): BatchNormState {
  return { runningMean: new Float64Array(channels), runningVar: new Float64Array(channels).fill(1), momentum };
}

/** x is [N, C] or [N, C, ...spatial]. */
export function batchNorm(
  tape: Tape | null,
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  options: { training: boolean; state?: BatchNormState; eps?: number },
): Tensor {
  const eps = options.eps ?? NORM_EPSILON;
  const [N, C] = [x.shape[0]!, x.shape[1]!];
  const S = x.size / (N * C);
  const count = N * S;
  if (gamma.size !== C || beta.size !== C) throw new RangeError(`batchNorm: scale/shift need ${C} values (channels)`);
  const y = new Tensor(x.shape, alike(x.data, x.size));
  const xhat: Floats = alike(x.data, x.size);
  const rstd = new Float64Array(C);
  const visit = (c: number, f: (index: number) => void) => {
    for (let n = 0; n < N; n++) for (let s = 0, o = (n * C + c) * S; s < S; s++) f(o + s);
  };
  for (let c = 0; c < C; c++) {
    let mean: number;
    let variance: number;
    if (options.training) {
      let sum = 0;
      visit(c, (i) => (sum += x.data[i]!));
      mean = sum / count;
      let sq = 0;
      visit(c, (i) => (sq += (x.data[i]! - mean) ** 2));
      variance = sq / count;
      if (options.state) {
        const m = options.state.momentum;
        options.state.runningMean[c] = (1 - m) * options.state.runningMean[c]! + m * mean;
        options.state.runningVar[c] = (1 - m) * options.state.runningVar[c]! + (m * sq) / Math.max(1, count - 1);
      }
    } else {
      if (!options.state) throw new RangeError('batchNorm: evaluation mode needs the running statistics (state)');
      mean = options.state.runningMean[c]!;
      variance = options.state.runningVar[c]!;
    }
    const s = 1 / Math.sqrt(variance + eps);
    rstd[c] = s;
    visit(c, (i) => {
      const h = (x.data[i]! - mean) * s;
      xhat[i] = h;
      y.data[i] = h * gamma.data[c]! + beta.data[c]!;
    });
  }
  tape?.record(() => {
    if (!y.grad) return;
    const g = y.grad;
    const dx = x.gradient();
    const dg = gamma.gradient();
    const db = beta.gradient();
    for (let c = 0; c < C; c++) {
      let sumD = 0;
      let sumDX = 0;
      visit(c, (i) => {
        sumD += g[i]!;
        sumDX += g[i]! * xhat[i]!;
      });
      dg[c]! += sumDX;
      db[c]! += sumD;
      const gc = gamma.data[c]!;
      // In evaluation mode the statistics are constants: dx = rstd·g·dy.
      const meanD = options.training ? (gc * sumD) / count : 0;
      const meanDX = options.training ? (gc * sumDX) / count : 0;
      visit(c, (i) => (dx[i]! += rstd[c]! * (gc * g[i]! - meanD - xhat[i]! * meanDX)));
    }
  });
  return y;
}
