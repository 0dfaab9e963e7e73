// Trains a classifier under a precision policy. Per step: forward and backward in FP32 on values
// already rounded to their storage formats; weight gradients rounded to the gradients' format;
// AdamW; then Adam's moments and the weights rounded to their formats. There is no hidden FP32
// master copy: what the policy says is stored is all that survives a step, which is what makes
// stochastic rounding matter for sub-ulp updates.
import type { PrecisionPolicy } from '../precision/policy.js';
import { TensorStore, type TensorStorageReport } from '../precision/storage.js';
import { AdamW } from '../runtime/optimizers.js';
import { crossEntropy } from '../runtime/ops/softmax.js';
import { Tape } from '../runtime/tensor.js';
import { gatherBatch, shuffledOrder, type Dataset } from './dataset.js';
import type { Classifier } from './models.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay?: number;
  seed: number;
  /** Called after every step (progress, metrics). */
  onStep?: (step: number, loss: number) => void;
}

export interface TrainResult {
  losses: number[];
  steps: number;
  storage: Record<string, TensorStorageReport>;
}

export function trainClassifier(model: Classifier, data: Dataset, policy: PrecisionPolicy, options: TrainOptions): TrainResult {
  const store = new TensorStore(options.seed);
  const tensors = model.params.map((p) => p.tensor);
  for (const p of model.params) store.store(`w:${p.name}`, p.tensor.data as Float32Array, policy.weights);
  const adam = new AdamW(tensors, { learningRate: options.learningRate, weightDecay: options.weightDecay ?? 0 });
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = shuffledOrder(data.count, options.seed, epoch);
    for (let start = 0; start + options.batchSize <= data.count; start += options.batchSize) {
      const { x, labels } = gatherBatch(data, order.subarray(start, start + options.batchSize));
      const tape = new Tape();
      const loss = crossEntropy(tape, model.forward(tape, x, policy, store), labels);
      tape.backward(loss);
      for (const p of model.params) store.store(`g:${p.name}`, p.tensor.gradient() as Float32Array, policy.gradients);
      adam.step();
      model.params.forEach((p, n) => {
        store.store(`m:${p.name}`, adam.firstMoment[n]!, policy.optimizerState);
        store.store(`v:${p.name}`, adam.secondMoment[n]!, policy.optimizerState);
        store.store(`w:${p.name}`, p.tensor.data as Float32Array, policy.weights);
      });
      losses.push(loss.data[0]!);
      options.onStep?.(losses.length, loss.data[0]!);
    }
  }
  return { losses, steps: losses.length, storage: store.report() };
}

/** Top-1 accuracy, evaluated in batches with the same policy applied to activations. */
export function accuracy(model: Classifier, data: Dataset, policy: PrecisionPolicy, batchSize = 250): number {
  const store = new TensorStore(0);
  let correct = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, data.count - start) }, (_, i) => start + i);
    const { x, labels } = gatherBatch(data, idx);
    const logits = model.forward(null, x, policy, store);
    const classes = logits.shape[1]!;
    for (let r = 0; r < labels.length; r++) {
      let best = 0;
      for (let j = 1; j < classes; j++) if (logits.data[r * classes + j]! > logits.data[r * classes + best]!) best = j;
      if (best === labels[r]) correct++;
    }
  }
  return correct / data.count;
}
