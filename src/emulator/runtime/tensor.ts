// Tensors for the training runtime: a shape over a flat row-major typed array, FP32 for training and
// FP64 for the reference path the gradient checks use (every op allocates outputs of its input's
// kind). A Tape records one backward closure per op; backward() replays them in reverse, and each
// closure adds into its inputs' gradients so a tensor used twice sums both contributions.

export type Floats = Float32Array | Float64Array;

export class Tensor {
  readonly shape: readonly number[];
  readonly data: Floats;
  grad: Floats | null = null;

  constructor(shape: readonly number[], data: Floats) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new RangeError(`shape [${shape.join(', ')}] holds ${size} values, data has ${data.length}`);
    this.shape = shape;
    this.data = data;
  }

  get size(): number {
    return this.data.length;
  }

  /** The gradient buffer, allocated as zeros on first use. */
  gradient(): Floats {
    this.grad ??= alike(this.data, this.data.length);
    return this.grad;
  }

  static zeros(shape: readonly number[], kind: 'f32' | 'f64' = 'f32'): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return new Tensor(shape, kind === 'f32' ? new Float32Array(size) : new Float64Array(size));
  }

  static from(shape: readonly number[], values: ArrayLike<number>, kind: 'f32' | 'f64' = 'f32'): Tensor {
    return new Tensor(shape, kind === 'f32' ? Float32Array.from(values) : Float64Array.from(values));
  }
}

/** A zeroed array of the same kind as `like`. */
export function alike(like: Floats, length: number): Floats {
  return like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

export class Tape {
  private readonly steps: (() => void)[] = [];

  record(step: () => void): void {
    this.steps.push(step);
  }

  /** Seeds d(loss)/d(loss) = 1 and runs the recorded steps in reverse; the tape is then empty. */
  backward(loss: Tensor): void {
    if (loss.size !== 1) throw new RangeError(`backward needs a scalar loss, got shape [${loss.shape.join(', ')}]`);
    loss.gradient()[0] = 1;
    for (let i = this.steps.length - 1; i >= 0; i--) this.steps[i]!();
    this.steps.length = 0;
  }
}

/** Same data, new shape; gradients flow back unchanged. */
export function reshape(tape: Tape | null, x: Tensor, shape: readonly number[]): Tensor {
  const y = new Tensor(shape, x.data);
  tape?.record(() => {
    if (!y.grad) return;
    const dx = x.gradient();
    for (let i = 0; i < dx.length; i++) dx[i]! += y.grad[i]!;
  });
  return y;
}
