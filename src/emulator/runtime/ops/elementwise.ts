// Pointwise ops: the residual add and the activations. GELU is the tanh form used by GPT-2 and
// BERT, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))); its derivative is taken of that same form.
import { alike, Tensor, type Tape } from '../tensor.js';

export function add(tape: Tape | null, a: Tensor, b: Tensor): Tensor {
  if (a.size !== b.size) throw new RangeError(`add: sizes differ (${a.size} vs ${b.size})`);
  const y = new Tensor(a.shape, alike(a.data, a.size));
  for (let i = 0; i < y.size; i++) y.data[i] = a.data[i]! + b.data[i]!;
  tape?.record(() => {
    if (!y.grad) return;
    const da = a.gradient();
    const db = b.gradient();
    for (let i = 0; i < y.size; i++) {
      da[i]! += y.grad[i]!;
      db[i]! += y.grad[i]!;
    }
  });
  return y;
}

/** y = f(x) with f'(x) given in terms of x; shared by the three activations. */
function pointwise(tape: Tape | null, x: Tensor, f: (v: number) => number, df: (v: number) => number): Tensor {
  const y = new Tensor(x.shape, alike(x.data, x.size));
  for (let i = 0; i < x.size; i++) y.data[i] = f(x.data[i]!);
  tape?.record(() => {
    if (!y.grad) return;
    const dx = x.gradient();
    for (let i = 0; i < x.size; i++) dx[i]! += y.grad[i]! * df(x.data[i]!);
  });
  return y;
}

export function relu(tape: Tape | null, x: Tensor): Tensor {
  return pointwise(tape, x, (v) => (v > 0 ? v : 0), (v) => (v > 0 ? 1 : 0));
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

export function gelu(tape: Tape | null, x: Tensor): Tensor {
  return pointwise(
    tape,
    x,
    (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v))),
    (v) => {
      const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * v * v);
    },
  );
}

export function silu(tape: Tape | null, x: Tensor): Tensor {
  return pointwise(
    tape,
    x,
    (v) => v / (1 + Math.exp(-v)),
    (v) => {
      const s = 1 / (1 + Math.exp(-v));
      return s * (1 + v * (1 - s));
    },
  );
}
