// Optimisers over a list of parameters, updating in place and zeroing the gradients afterwards.
// AdamW follows Loshchilov & Hutter: weight decay is applied to the weights directly (decoupled),
// not added to the gradient; moments are bias-corrected by 1 − β^t.
import type { Floats, Tensor } from './tensor.js';

export interface Optimizer {
  step(): void;
}

export class Sgd implements Optimizer {
  private readonly velocity: Floats[];

  constructor(
    private readonly params: Tensor[],
    private readonly options: { learningRate: number; momentum?: number; weightDecay?: number },
  ) {
    this.velocity = params.map((p) => new Float32Array(p.size));
  }

  step(): void {
    const { learningRate, momentum = 0, weightDecay = 0 } = this.options;
    this.params.forEach((p, n) => {
      const g = p.gradient();
      const v = this.velocity[n]!;
      for (let i = 0; i < p.size; i++) {
        v[i] = momentum * v[i]! + g[i]! + weightDecay * p.data[i]!;
        p.data[i]! -= learningRate * v[i]!;
      }
      g.fill(0);
    });
  }
}

export class AdamW implements Optimizer {
  readonly firstMoment: Float32Array[];
  readonly secondMoment: Float32Array[];
  private t = 0;

  constructor(
    private readonly params: Tensor[],
    private readonly options: { learningRate: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number },
  ) {
    this.firstMoment = params.map((p) => new Float32Array(p.size));
    this.secondMoment = params.map((p) => new Float32Array(p.size));
  }

  step(): void {
    const { learningRate: lr, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0.01 } = this.options;
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    this.params.forEach((p, n) => {
      const g = p.gradient();
      const m = this.firstMoment[n]!;
      const v = this.secondMoment[n]!;
      for (let i = 0; i < p.size; i++) {
        m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
        v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
        p.data[i] = p.data[i]! * (1 - lr * weightDecay) - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + epsilon);
      }
      g.fill(0);
    });
  }
}
