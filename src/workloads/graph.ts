// The workload IR: a graph of ops grouped in blocks. Each op declares what it costs (FLOPs, bytes
// moved, parameters, saved activations) and how it may be sharded; the planner and simulators
// read only these declarations, never an op's name, so a new builder (or an ONNX importer) only
// has to emit ops. Quantities are per sample (one sequence, one image) unless a key says otherwise.

/** How tensor parallelism divides an op's work across the TP group. */
export type TensorSplit =
  /** Work is divided by the TP degree (column/row-parallel matmuls, per-head attention). */
  | 'split'
  /** Every TP rank does the whole op (e.g. LayerNorm without sequence parallelism). */
  | 'replicated'
  /** Replicated under plain TP, divided by TP degree when sequence parallelism is on. */
  | 'sequence';

/** Collectives an op may declare (priced per network topology in simulators/analytical/collectives.ts). */
export type CollectiveKind = 'all-reduce' | 'reduce-scatter' | 'all-gather' | 'all-to-all';

/** Parallelism axes an op's communication runs over, beyond data and pipeline parallelism (the
 * planner's axis list, src/planner/axes.ts, gives each its plan degree and rank order). */
export const PARALLEL_AXES = ['tensor', 'context'] as const;
export type ParallelAxis = (typeof PARALLEL_AXES)[number];

/** One collective an op performs on one axis, per micro-batch sample. */
export interface Communication {
  axis: ParallelAxis;
  collective: CollectiveKind;
  pass: 'forward' | 'backward';
  /** Bytes per sample of the whole tensor (before any sharding), as nccl-tests counts size. */
  bytesPerSample: number;
  /** Other axes that already shard that tensor on a device (its bytes divide by their degrees):
   * e.g. a TP all-reduce of activations that context parallelism has split along the sequence. */
  shardedBy: ParallelAxis[];
}

/** A matmul as the device sees it, per sample: `batch` independent (m×k)·(k×n) products. */
export interface MatmulShape {
  m: number;
  n: number;
  k: number;
  batch: number;
  /** Which dimension tensor parallelism divides ('none' if it does not). */
  tpDim: 'm' | 'n' | 'k' | 'batch' | 'none';
}

export interface Op {
  name: string;
  /** Set for matmul-like ops: FLOPs are derived from the shape (2·m·n·k·batch). */
  matmul?: MatmulShape;
  /** Non-matmul FLOPs per sample (elementwise math); not counted in model FLOPs (as Megatron). */
  otherFlops: number;
  /** Device-memory traffic per sample of a non-matmul op, forward and backward (bytes). */
  memoryBytesForward: number;
  memoryBytesBackward: number;
  /** Backward FLOPs as a multiple of forward (2 for matmuls: input and weight gradients). */
  backwardFlopsRatio: number;
  /** Trainable parameters (not per sample). */
  params: number;
  /** Bytes kept from forward for backward, per sample, at no recompute. */
  savedActivationBytes: number;
  /** How TP divides the op's compute. */
  tensorSplit: TensorSplit;
  /** How TP divides the saved activations (may differ from compute: a column-parallel
   * matmul computes a slice but keeps its full, replicated input). */
  savedActivationSplit: TensorSplit;
  /** Dropped and recomputed under selective recompute (the attention core). */
  selectiveRecompute: boolean;
  /** Of savedActivationBytes, what stays under selective recompute: the recomputation's own
   * inputs (Q, K, V for the attention core). */
  selectiveKeptBytes: number;
  /** Collectives this op runs, by axis (see Communication); the simulators price each on the
   * axis's group, so a new axis needs no new op field. */
  comm: Communication[];
  /** A fused kernel (e.g. FlashAttention) declared as a matmul: it runs at `efficiency` of the
   * dense matmul rate, executes `flopsFraction` of the declared FLOPs (causal masking skips
   * blocks), and moves only memoryBytesForward/Backward — its s×s intermediate never reaches
   * device memory. */
  fusedKernel?: { efficiency: number; flopsFraction: number };
}

export type BlockPlacement = 'first-stage' | 'repeated' | 'last-stage';

export interface Block {
  name: string;
  /** first-stage blocks (embeddings) and last-stage blocks (heads) stay at the pipeline ends;
   * repeated blocks are the layers that pipeline stages divide between them. */
  placement: BlockPlacement;
  repeat: number;
  ops: Op[];
}

export interface WorkloadGraph {
  name: string;
  /** 'tokens' for language models (throughput in tokens/s), 'samples' otherwise. */
  throughputUnit: 'tokens' | 'samples';
  /** Tokens per sample (sequence length) for language models; 1 otherwise. */
  tokensPerSample: number;
  /** Parallelism the graph supports beyond data parallelism; an axis left out is not supported
   * (so a new axis changes only the builders whose ops communicate over it). */
  supports: { sequence: boolean; pipeline: boolean } & Partial<Record<ParallelAxis, boolean>>;
  /** Dimensions each axis's degree must divide, e.g. TP the heads, CP the sequence (the rule per
   * axis is the planner's, src/planner/axes.ts); an axis left out has none. */
  divisibility: Partial<Record<ParallelAxis, number[]>>;
  blocks: Block[];
  /** Parameters counted once even if a block holds a tied copy (e.g. tied embeddings). */
  sharedParams: number;
  /** Bytes of training input per sample that hosts must deliver (token ids, decoded images,
   * camera frames); 0 if never limiting. */
  inputBytesPerSample?: number;
  /** Free-form description of the source config, for reports. */
  summary: Record<string, number | string | boolean>;
}

/** Tensor-parallel all-reduce of an op's output (forward) or input gradient (backward); under
 * sequence parallelism it runs as reduce-scatter + all-gather, the same bytes on a ring. */
export const tensorAllReduce = (pass: Communication['pass'], bytesPerSample: number): Communication => ({ axis: 'tensor', collective: 'all-reduce', pass, bytesPerSample, shardedBy: ['context'] });

/** Context-parallel K/V exchange (ring attention): all-gather of K and V in forward, reduce-scatter
 * of their gradients in backward, the same bytes each way. */
export const contextKeyValueExchange = (bytesPerSample: number): Communication[] => [
  { axis: 'context', collective: 'all-gather', pass: 'forward', bytesPerSample, shardedBy: ['tensor'] },
  { axis: 'context', collective: 'reduce-scatter', pass: 'backward', bytesPerSample, shardedBy: ['tensor'] },
];

export function matmulFlops(m: MatmulShape): number {
  return 2 * m.m * m.n * m.k * m.batch;
}

export function opForwardFlops(op: Op): number {
  return (op.matmul ? matmulFlops(op.matmul) : 0) + op.otherFlops;
}

/** Total trainable parameters (tied copies counted once). */
export function graphParams(g: WorkloadGraph): number {
  let total = 0;
  for (const b of g.blocks) for (const op of b.ops) total += op.params * b.repeat;
  return total - g.sharedParams;
}

/** Model FLOPs per sample as Megatron counts them: forward + backward matmul FLOPs (3× forward),
 * no recompute, no elementwise work. Used for MFU. */
export function modelFlopsPerSample(g: WorkloadGraph): number {
  let fwd = 0;
  for (const b of g.blocks) for (const op of b.ops) if (op.matmul) fwd += matmulFlops(op.matmul) * b.repeat;
  return 3 * fwd;
}

/** Ops default: helpers for builders so each op only states what differs. */
export function op(partial: Partial<Op> & { name: string }): Op {
  return {
    otherFlops: 0,
    memoryBytesForward: 0,
    memoryBytesBackward: 0,
    backwardFlopsRatio: partial.matmul ? 2 : 1,
    params: 0,
    savedActivationBytes: 0,
    tensorSplit: 'split',
    savedActivationSplit: partial.tensorSplit ?? 'split',
    selectiveRecompute: false,
    selectiveKeptBytes: 0,
    comm: [],
    ...partial,
  };
}
