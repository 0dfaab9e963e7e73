// The fused attention op (FlashAttention-2, Dao 2023), declared once for every builder that uses
// attention (language models, the video network's spatial and temporal attention): forward does
// the two matmuls, backward five (it recomputes the scores), so backward = 2.5× forward. It keeps
// Q, K, V and the fp32 log-sum-exp per head and query instead of the s×s scores.
import { op, type Communication, type Op } from './graph.js';

/** FlashAttention-2 reaches ~70% of A100 peak forward and somewhat less backward (Dao 2023,
 * Fig. 4–6), against ~87% for a dense GEMM: about 0.75 of the dense matmul rate. Assumption. */
export const FLASH_EFFICIENCY = 0.75;

export interface FlashAttentionShape {
  name: string;
  /** Query rows and key rows per attention group, and how many groups a sample holds. */
  queries: number;
  keys: number;
  groups: number;
  heads: number;
  /** Key/value heads (grouped-query attention); default: heads. */
  kvHeads?: number;
  headDim: number;
  /** Share of the score blocks computed (0.5 under causal masking). */
  flopsFraction: number;
  /** Bytes per activation element. */
  activationBytes: number;
  comm?: Communication[];
}

export function flashAttentionOp(a: FlashAttentionShape): Op {
  const B = a.activationBytes;
  const qBytes = B * a.groups * a.queries * a.heads * a.headDim;
  const kvBytes = 2 * B * a.groups * a.keys * (a.kvHeads ?? a.heads) * a.headDim;
  return op({
    name: a.name,
    matmul: { m: a.queries, n: a.keys, k: a.headDim, batch: 2 * a.heads * a.groups, tpDim: 'batch' },
    backwardFlopsRatio: 2.5,
    fusedKernel: { efficiency: FLASH_EFFICIENCY, flopsFraction: a.flopsFraction },
    memoryBytesForward: 2 * qBytes + kvBytes,
    memoryBytesBackward: 4 * qBytes + 2 * kvBytes,
    savedActivationBytes: qBytes + kvBytes + 4 * a.heads * a.groups * a.queries,
    ...(a.comm ? { comm: a.comm } : {}),
  });
}
