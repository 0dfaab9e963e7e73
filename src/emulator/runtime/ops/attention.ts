// Causal scaled dot-product attention on [B, T, D] queries, keys and values (B counts batch × heads):
// S = Q·Kᵀ/√D with S[i, j>i] masked, P = softmax(S), O = P·V. Backward per batch entry:
// dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = dS·K/√D, dK = dSᵀ·Q/√D.
import { gemm, gemmNT, gemmTN } from '../gemm.js';
import { alike, Tensor, type Tape } from '../tensor.js';

export function causalAttention(tape: Tape | null, q: Tensor, k: Tensor, v: Tensor): Tensor {
  const [B, T, D] = q.shape as [number, number, number];
  if (q.shape.length !== 3 || k.size !== q.size || v.size !== q.size) {
    throw new RangeError(`causalAttention: q, k, v must all be [B, T, D] (got [${q.shape.join(', ')}])`);
  }
  const scale = 1 / Math.sqrt(D);
  const probs = alike(q.data, B * T * T);
  const y = new Tensor([B, T, D], alike(q.data, q.size));
  const slice = (a: Tensor['data'], b: number, width: number) => a.subarray(b * T * width, (b + 1) * T * width);
  for (let b = 0; b < B; b++) {
    const P = slice(probs, b, T);
    gemmNT(T, T, D, slice(q.data, b, D), slice(k.data, b, D), P);
    for (let i = 0; i < T; i++) {
      let max = -Infinity;
      for (let j = 0; j <= i; j++) max = Math.max(max, P[i * T + j]! * scale);
      let sum = 0;
      for (let j = 0; j < T; j++) {
        const e = j <= i ? Math.exp(P[i * T + j]! * scale - max) : 0;
        P[i * T + j] = e;
        sum += e;
      }
      for (let j = 0; j <= i; j++) P[i * T + j]! /= sum;
    }
    gemm(T, D, T, P, slice(v.data, b, D), slice(y.data, b, D));
  }
  tape?.record(() => {
    if (!y.grad) return;
    const [dq, dk, dv] = [q.gradient(), k.gradient(), v.gradient()];
    const dP = alike(q.data, T * T);
    for (let b = 0; b < B; b++) {
      const P = slice(probs, b, T);
      const dO = slice(y.grad, b, D);
      gemmTN(T, D, T, P, dO, slice(dv, b, D), true);
      gemmNT(T, T, D, dO, slice(v.data, b, D), dP);
      for (let i = 0; i < T; i++) {
        let dot = 0;
        for (let j = 0; j <= i; j++) dot += dP[i * T + j]! * P[i * T + j]!;
        // dS, with the softmax's 1/√D folded in so the two products below need no extra pass.
        for (let j = 0; j < T; j++) dP[i * T + j] = j <= i ? P[i * T + j]! * (dP[i * T + j]! - dot) * scale : 0;
      }
      gemm(T, D, T, dP, slice(k.data, b, D), slice(dq, b, D), true);
      gemmTN(T, D, T, dP, slice(q.data, b, D), slice(dk, b, D), true);
    }
  });
  return y;
}
