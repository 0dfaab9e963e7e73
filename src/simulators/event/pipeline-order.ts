// The order one pipeline stage runs its forwards and backwards (1F1B or interleaved 1F1B).

/** One step of a pipeline schedule on one stage. */
export interface PipelineOp {
  forward: boolean;
  /** Local model chunk on this stage (0 … v−1). */
  chunk: number;
  microBatch: number;
}

/** The order a stage runs its forwards and backwards: 1F1B (warm-up forwards, steady one
 * forward/one backward, cool-down backwards), or Megatron's interleaved schedule when v > 1
 * (Narayanan et al. 2021; schedules.py forward_backward_pipelining_with_interleaving). */
export function pipelineOrder(pp: number, v: number, m: number, stage: number): PipelineOp[] {
  const ops: PipelineOp[] = [];
  if (v === 1) {
    const warm = Math.min(pp - stage - 1, m);
    let f = 0;
    let b = 0;
    for (; f < warm; f++) ops.push({ forward: true, chunk: 0, microBatch: f });
    while (f < m) {
      ops.push({ forward: true, chunk: 0, microBatch: f++ });
      ops.push({ forward: false, chunk: 0, microBatch: b++ });
    }
    while (b < m) ops.push({ forward: false, chunk: 0, microBatch: b++ });
    return ops;
  }
  const total = m * v;
  const warm = m === pp ? total : Math.min(total, (pp - stage - 1) * 2 + (v - 1) * pp);
  const at = (k: number, forward: boolean): PipelineOp => {
    const inGroup = Math.floor((k % (pp * v)) / pp);
    return { forward, chunk: forward ? inGroup : v - 1 - inGroup, microBatch: Math.floor(k / (pp * v)) * pp + (k % pp) };
  };
  for (let k = 0; k < warm; k++) ops.push(at(k, true));
  for (let k = 0; k < total - warm; k++) {
    ops.push(at(k + warm, true));
    ops.push(at(k, false));
  }
  for (let k = total - warm; k < total; k++) ops.push(at(k, false));
  return ops;
}
