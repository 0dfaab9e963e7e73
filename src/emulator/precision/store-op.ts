// The storage step as a tensor op: the forward value is rounded to the activations' format, and the
// gradient flowing back through it to the gradients' format (the activation gradients a layer
// hands to the previous one). Both named, so each gets its own bias and counters.
import { Tensor, type Tape } from '../runtime/tensor.js';
import type { PrecisionPolicy } from './policy.js';
import type { TensorStore } from './storage.js';

export function storeActivation(tape: Tape | null, x: Tensor, name: string, policy: PrecisionPolicy, store: TensorStore): Tensor {
  if (!(x.data instanceof Float32Array)) throw new TypeError('storeActivation: storage formats apply to FP32 tensors');
  const y = new Tensor(x.shape, x.data.slice());
  store.store(`act:${name}`, y.data as Float32Array, policy.activations);
  tape?.record(() => {
    if (!y.grad) return;
    const g = (y.grad as Float32Array).slice();
    store.store(`dact:${name}`, g, policy.gradients);
    const dx = x.gradient();
    for (let i = 0; i < g.length; i++) dx[i]! += g[i]!;
  });
  return y;
}
