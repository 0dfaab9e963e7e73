// Matrix multiply and the linear layer y = x·W + b (W stored [in, out]). Leading dimensions of x
// are flattened into rows. Backward: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_rows dy.
import { gemm, gemmNT, gemmTN } from '../gemm.js';
import { alike, Tensor, type Tape } from '../tensor.js';

export function matmul(tape: Tape | null, a: Tensor, b: Tensor): Tensor {
  const K = a.shape[a.shape.length - 1]!;
  if (b.shape.length !== 2 || b.shape[0] !== K) {
    throw new RangeError(`matmul: inner dimensions differ ([${a.shape.join(', ')}] · [${b.shape.join(', ')}])`);
  }
  const N = b.shape[1]!;
  const M = a.size / K;
  const y = new Tensor([...a.shape.slice(0, -1), N], alike(a.data, M * N));
  gemm(M, N, K, a.data, b.data, y.data);
  tape?.record(() => {
    if (!y.grad) return;
    gemmNT(M, K, N, y.grad, b.data, a.gradient(), true);
    gemmTN(K, N, M, a.data, y.grad, b.gradient(), true);
  });
  return y;
}

export function linear(tape: Tape | null, x: Tensor, w: Tensor, bias?: Tensor): Tensor {
  const y = matmul(tape, x, w);
  if (!bias) return y;
  const N = w.shape[1]!;
  if (bias.size !== N) throw new RangeError(`linear: bias has ${bias.size} values, output width is ${N}`);
  for (let r = 0; r < y.size; r += N) for (let j = 0; j < N; j++) y.data[r + j]! += bias.data[j]!;
  tape?.record(() => {
    if (!y.grad) return;
    const db = bias.gradient();
    for (let r = 0; r < y.size; r += N) for (let j = 0; j < N; j++) db[j]! += y.grad[r + j]!;
  });
  return y;
}
