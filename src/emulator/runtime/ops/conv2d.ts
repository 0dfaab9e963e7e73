// 2-D convolution, NCHW, weights [Cout, Cin, KH, KW], as im2col + GEMM per sample. The unfolded
// columns are kept for the backward pass: dW = dY·colsᵀ, dcols = Wᵀ·dY folded back (col2im).
import { gemm, gemmNT, gemmTN } from '../gemm.js';
import { alike, Tensor, type Floats, type Tape } from '../tensor.js';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
}

interface Geometry {
  C: number;
  H: number;
  W: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  stride: number;
  padding: number;
}

/** cols[(c·KH + ky)·KW + kx, oy·OW + ox] = x[c, oy·stride + ky − pad, ox·stride + kx − pad] (0 outside). */
function im2col(x: Floats, g: Geometry, cols: Floats): void {
  const P = g.OH * g.OW;
  for (let c = 0; c < g.C; c++) {
    for (let ky = 0; ky < g.KH; ky++) {
      for (let kx = 0; kx < g.KW; kx++) {
        const row = ((c * g.KH + ky) * g.KW + kx) * P;
        for (let oy = 0; oy < g.OH; oy++) {
          const iy = oy * g.stride + ky - g.padding;
          for (let ox = 0; ox < g.OW; ox++) {
            const ix = ox * g.stride + kx - g.padding;
            cols[row + oy * g.OW + ox] = iy >= 0 && iy < g.H && ix >= 0 && ix < g.W ? x[(c * g.H + iy) * g.W + ix]! : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry back into the input position it came from. */
function col2imAdd(cols: Floats, g: Geometry, dx: Floats): void {
  const P = g.OH * g.OW;
  for (let c = 0; c < g.C; c++) {
    for (let ky = 0; ky < g.KH; ky++) {
      for (let kx = 0; kx < g.KW; kx++) {
        const row = ((c * g.KH + ky) * g.KW + kx) * P;
        for (let oy = 0; oy < g.OH; oy++) {
          const iy = oy * g.stride + ky - g.padding;
          if (iy < 0 || iy >= g.H) continue;
          for (let ox = 0; ox < g.OW; ox++) {
            const ix = ox * g.stride + kx - g.padding;
            if (ix >= 0 && ix < g.W) dx[(c * g.H + iy) * g.W + ix]! += cols[row + oy * g.OW + ox]!;
          }
        }
      }
    }
  }
}

export function conv2d(tape: Tape | null, x: Tensor, w: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [F, Cw, KH, KW] = w.shape as [number, number, number, number];
  if (x.shape.length !== 4 || w.shape.length !== 4 || C !== Cw) {
    throw new RangeError(`conv2d: input [N, C, H, W] and weights [F, C, KH, KW] must agree on C (got [${x.shape.join(', ')}], [${w.shape.join(', ')}])`);
  }
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 0;
  const OH = Math.floor((H + 2 * padding - KH) / stride) + 1;
  const OW = Math.floor((W + 2 * padding - KW) / stride) + 1;
  const g: Geometry = { C, H, W, KH, KW, OH, OW, stride, padding };
  const CKK = C * KH * KW;
  const P = OH * OW;
  const y = new Tensor([N, F, OH, OW], alike(x.data, N * F * P));
  const cols = alike(x.data, N * CKK * P);
  for (let n = 0; n < N; n++) {
    const colsN = cols.subarray(n * CKK * P, (n + 1) * CKK * P);
    im2col(x.data.subarray(n * C * H * W, (n + 1) * C * H * W), g, colsN);
    const yN = y.data.subarray(n * F * P, (n + 1) * F * P);
    gemm(F, P, CKK, w.data, colsN, yN);
    if (bias) for (let f = 0; f < F; f++) for (let p = 0; p < P; p++) yN[f * P + p]! += bias.data[f]!;
  }
  tape?.record(() => {
    if (!y.grad) return;
    const dx = x.gradient();
    const dw = w.gradient();
    const db = bias?.gradient();
    const dcols = alike(x.data, CKK * P);
    for (let n = 0; n < N; n++) {
      const dyN = y.grad.subarray(n * F * P, (n + 1) * F * P);
      const colsN = cols.subarray(n * CKK * P, (n + 1) * CKK * P);
      gemmNT(F, CKK, P, dyN, colsN, dw, true);
      gemmTN(CKK, P, F, w.data, dyN, dcols);
      col2imAdd(dcols, g, dx.subarray(n * C * H * W, (n + 1) * C * H * W));
      if (db) for (let f = 0; f < F; f++) for (let p = 0; p < P; p++) db[f]! += dyN[f * P + p]!;
    }
  });
  return y;
}
