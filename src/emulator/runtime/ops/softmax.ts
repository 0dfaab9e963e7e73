// Softmax over the last dimension, and cross-entropy of logits against integer labels (the mean
// over rows of -log softmax(logits)[label]), fused so its gradient is (softmax - onehot)/rows.
// Both subtract the row maximum first so exp never overflows.
import { alike, Tensor, type Floats, type Tape } from '../tensor.js';

function softmaxRows(x: Floats, out: Floats, width: number): void {
  for (let r = 0; r < x.length; r += width) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, x[r + j]!);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp(x[r + j]! - max);
      out[r + j] = e;
      sum += e;
    }
    for (let j = 0; j < width; j++) out[r + j]! /= sum;
  }
}

export function softmax(tape: Tape | null, x: Tensor): Tensor {
  const width = x.shape[x.shape.length - 1]!;
  const y = new Tensor(x.shape, alike(x.data, x.size));
  softmaxRows(x.data, y.data, width);
  tape?.record(() => {
    if (!y.grad) return;
    // dx_j = y_j (dy_j - Σ_k dy_k y_k)
    const dx = x.gradient();
    for (let r = 0; r < x.size; r += width) {
      let dot = 0;
      for (let j = 0; j < width; j++) dot += y.grad[r + j]! * y.data[r + j]!;
      for (let j = 0; j < width; j++) dx[r + j]! += y.data[r + j]! * (y.grad[r + j]! - dot);
    }
  });
  return y;
}

export function crossEntropy(tape: Tape | null, logits: Tensor, labels: Int32Array): Tensor {
  const classes = logits.shape[logits.shape.length - 1]!;
  const rows = logits.size / classes;
  if (labels.length !== rows) throw new RangeError(`crossEntropy: ${labels.length} labels for ${rows} rows`);
  const probs = alike(logits.data, logits.size);
  softmaxRows(logits.data, probs, classes);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const label = labels[r]!;
    if (label < 0 || label >= classes) throw new RangeError(`crossEntropy: label ${label} at row ${r} is outside 0..${classes - 1}`);
    loss -= Math.log(Math.max(probs[r * classes + label]!, Number.MIN_VALUE));
  }
  const y = new Tensor([1], alike(logits.data, 1));
  y.data[0] = loss / rows;
  tape?.record(() => {
    if (!y.grad) return;
    const scale = y.grad[0]! / rows;
    const dx = logits.gradient();
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < classes; j++) {
        const target = j === labels[r] ? 1 : 0;
        dx[r * classes + j]! += scale * (probs[r * classes + j]! - target);
      }
    }
  });
  return y;
}
