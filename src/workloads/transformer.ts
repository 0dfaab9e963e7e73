// Dense decoder-only transformer builder (GPT-style and Llama-style). Emits one embedding block,
// one repeated layer block and one output block; every op states its FLOPs, memory traffic, saved
// activations (Korthikanti et al. 2022 accounting: 34·s·h + 5·a·s² bytes per layer-sample for GPT
// with dropout) and TP/SP behaviour, so Megatron's FLOP count and memory formulas fall out of the
// ops rather than being typed in.
import { z } from 'zod';
import { contextKeyValueExchange, op, tensorAllReduce, type Op, type WorkloadGraph } from './graph.js';
import { flashAttentionOp } from './attention.js';

export const TransformerConfigSchema = z
  .object({
    kind: z.literal('transformer'),
    name: z.string().optional(),
    layers: z.number().int().positive(),
    hidden: z.number().int().positive(),
    heads: z.number().int().positive(),
    seqLen: z.number().int().positive(),
    vocab: z.number().int().positive(),
    ffnHidden: z.number().int().positive().optional(),
    kvHeads: z.number().int().positive().optional(),
    activation: z.enum(['gelu', 'swiglu']).default('gelu'),
    norm: z.enum(['layernorm', 'rmsnorm']).optional(),
    tiedEmbeddings: z.boolean().optional(),
    /** Learned absolute positions (GPT) or rotary (Llama). */
    positionEmbedding: z.enum(['learned', 'rotary']).optional(),
    /** GPT-3/Megatron train with dropout 0.1; Llama-style models use none. */
    dropout: z.boolean().optional(),
    /** Biases on linear layers (GPT yes, Llama no). */
    bias: z.boolean().optional(),
    /** flash: fused attention that never stores the s×s scores (FlashAttention, 2022+);
     * materialized: scores, softmax and dropout as separate kernels (Megatron-LM before 2023). */
    attention: z.enum(['flash', 'materialized']).default('flash'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.hidden % c.heads !== 0) ctx.addIssue({ code: 'custom', path: ['heads'], message: `must divide hidden (${c.hidden})` });
    const kv = c.kvHeads ?? c.heads;
    if (c.heads % kv !== 0) ctx.addIssue({ code: 'custom', path: ['kvHeads'], message: `must divide heads (${c.heads})` });
  });

export type TransformerConfig = z.output<typeof TransformerConfigSchema>;

const ACT_BYTES = 2; // bf16/fp16 activations; fp8 runs keep activations in 16-bit between GEMMs

/** The dimensions and options a transformer's ops are built from, defaults resolved (Llama-style
 * SwiGLU models default to RMSNorm, rotary positions, no bias, no dropout, untied embeddings). */
interface TransformerDims {
  c: TransformerConfig;
  llama: boolean;
  h: number;
  s: number;
  a: number;
  kv: number;
  dh: number;
  f: number;
  V: number;
  dropout: boolean;
  tied: boolean;
  learnedPositions: boolean;
  B: number;
  sh: number;
  qkvOut: number;
  fc1Out: number;
  /** A bias term's size, or 0 for a model without biases. */
  b: (n: number) => number;
}

function transformerDims(c: TransformerConfig): TransformerDims {
  const llama = c.activation === 'swiglu';
  const h = c.hidden;
  const s = c.seqLen;
  const a = c.heads;
  const kv = c.kvHeads ?? a;
  const dh = h / a;
  const f = c.ffnHidden ?? (llama ? Math.round((8 * h) / 3 / 64) * 64 : 4 * h);
  const bias = c.bias ?? !llama;
  return {
    c, llama, h, s, a, kv, dh, f,
    V: c.vocab,
    dropout: c.dropout ?? !llama,
    tied: c.tiedEmbeddings ?? !llama,
    learnedPositions: (c.positionEmbedding ?? (llama ? 'rotary' : 'learned')) === 'learned',
    B: ACT_BYTES,
    sh: s * h,
    qkvOut: h + 2 * kv * dh,
    fc1Out: llama ? 2 * f : f,
    b: (n: number) => (bias ? n : 0),
  };
}

function norm(d: TransformerDims, name: string): Op {
  const { c, llama, h, B, sh } = d;
  return op({
    name,
    tensorSplit: 'sequence',
    otherFlops: 5 * sh,
    memoryBytesForward: 2 * B * sh,
    memoryBytesBackward: 3 * B * sh,
    params: (c.norm ?? (llama ? 'rmsnorm' : 'layernorm')) === 'layernorm' ? 2 * h : h,
    savedActivationBytes: B * sh,
  });
}

/** Residual add, with dropout (and its 1-byte mask) when the model trains with dropout. */
function residual(d: TransformerDims, name: string): Op {
  const { dropout, B, sh } = d;
  return op({
    name,
    tensorSplit: 'sequence',
    otherFlops: 2 * sh,
    memoryBytesForward: (dropout ? 3 * B + 1 : 3 * B) * sh,
    memoryBytesBackward: (dropout ? 2 * B + 1 : 2 * B) * sh,
    savedActivationBytes: dropout ? sh : 0,
  });
}

/** Attention core, scores → softmax → dropout → weighted values, as separate kernels. */
function materializedAttention(d: TransformerDims): Op[] {
  const { s, a, kv, dh, dropout, B, sh } = d;
  return [
    op({
      name: 'attn-scores',
      matmul: { m: s, n: s, k: dh, batch: a, tpDim: 'batch' },
      savedActivationBytes: 2 * B * sh,
      selectiveRecompute: true,
      selectiveKeptBytes: 2 * B * sh,
      comm: contextKeyValueExchange(2 * B * s * kv * dh),
    }),
    op({
      name: 'softmax',
      otherFlops: 5 * a * s * s,
      memoryBytesForward: 2 * B * a * s * s,
      memoryBytesBackward: 3 * B * a * s * s,
      savedActivationBytes: B * a * s * s,
      selectiveRecompute: true,
    }),
    ...(dropout
      ? [
          op({
            name: 'attn-dropout',
            otherFlops: a * s * s,
            memoryBytesForward: (2 * B + 1) * a * s * s,
            memoryBytesBackward: (2 * B + 1) * a * s * s,
            savedActivationBytes: (B + 1) * a * s * s,
            selectiveRecompute: true,
          }),
        ]
      : []),
    op({
      name: 'attn-values',
      matmul: { m: s, n: dh, k: s, batch: a, tpDim: 'batch' },
      savedActivationBytes: B * sh,
      selectiveRecompute: true,
      selectiveKeptBytes: B * sh,
    }),
  ];
}

/** The same maths as one fused kernel (attention.ts); causal masking skips half the blocks. */
function flashAttention(d: TransformerDims): Op[] {
  const { s, a, kv, dh, B } = d;
  return [flashAttentionOp({ name: 'flash-attention', queries: s, keys: s, groups: 1, heads: a, kvHeads: kv, headDim: dh, flopsFraction: 0.5, activationBytes: B, comm: contextKeyValueExchange(2 * B * s * kv * dh) })];
}

/** One transformer layer: attention (with its projections) and the MLP, each with norm and residual. */
function layerOps(d: TransformerDims): Op[] {
  const { c, llama, h, s, kv, dh, f, learnedPositions, B, sh, qkvOut, fc1Out, b } = d;
  return [
    norm(d, 'attn-norm'),
    op({
      name: 'qkv-proj',
      matmul: { m: s, n: qkvOut, k: h, batch: 1, tpDim: 'n' },
      params: h * qkvOut + b(qkvOut),
      savedActivationBytes: B * sh,
      savedActivationSplit: 'sequence',
      comm: [tensorAllReduce('backward', B * sh)],
    }),
    ...(learnedPositions
      ? []
      : [op({ name: 'rotary', otherFlops: 3 * s * qkvOut, memoryBytesForward: 2 * B * s * (h + kv * dh), memoryBytesBackward: 2 * B * s * (h + kv * dh) })]),
    ...(c.attention === 'flash' ? flashAttention(d) : materializedAttention(d)),
    op({
      name: 'attn-out-proj',
      matmul: { m: s, n: h, k: h, batch: 1, tpDim: 'k' },
      params: h * h + b(h),
      savedActivationBytes: B * sh,
      comm: [tensorAllReduce('forward', B * sh)],
    }),
    residual(d, 'attn-residual'),
    norm(d, 'mlp-norm'),
    op({
      name: 'mlp-up-proj',
      matmul: { m: s, n: fc1Out, k: h, batch: 1, tpDim: 'n' },
      params: h * fc1Out + b(fc1Out),
      savedActivationBytes: B * sh,
      savedActivationSplit: 'sequence',
      comm: [tensorAllReduce('backward', B * sh)],
    }),
    op({
      name: llama ? 'swiglu' : 'gelu',
      otherFlops: 8 * s * f,
      memoryBytesForward: B * s * (fc1Out + f),
      memoryBytesBackward: B * s * (2 * fc1Out + f),
      savedActivationBytes: B * s * fc1Out,
    }),
    op({
      name: 'mlp-down-proj',
      matmul: { m: s, n: h, k: f, batch: 1, tpDim: 'k' },
      params: f * h + b(h),
      savedActivationBytes: B * s * f,
      comm: [tensorAllReduce('forward', B * sh)],
    }),
    residual(d, 'mlp-residual'),
  ];
}

/** First-stage ops: token (and learned position) embeddings, and embedding dropout. */
function embeddingOps(d: TransformerDims): Op[] {
  const { s, h, V, dropout, learnedPositions, B, sh } = d;
  return [
    op({
      name: 'token-embedding',
      tensorSplit: 'split',
      memoryBytesForward: 2 * B * sh,
      memoryBytesBackward: 2 * B * sh,
      params: V * h + (learnedPositions ? s * h : 0),
      comm: [tensorAllReduce('forward', B * sh)],
    }),
    ...(dropout ? [op({ name: 'embedding-dropout', tensorSplit: 'sequence', memoryBytesForward: (2 * B + 1) * sh, memoryBytesBackward: (2 * B + 1) * sh, savedActivationBytes: sh })] : []),
  ];
}

/** Last-stage ops: final norm, logits and the loss. */
function outputOps(d: TransformerDims): Op[] {
  const { s, h, V, B, sh } = d;
  return [
    norm(d, 'final-norm'),
    op({
      name: 'logits',
      matmul: { m: s, n: V, k: h, batch: 1, tpDim: 'n' },
      params: V * h,
      savedActivationBytes: B * sh,
      savedActivationSplit: 'sequence',
      comm: [tensorAllReduce('backward', B * sh)],
    }),
    // Vocab-parallel cross-entropy in fp32: read logits, write/read fp32 softmax, write gradient.
    op({
      name: 'cross-entropy',
      otherFlops: 6 * s * V,
      memoryBytesForward: (B + 4 + 4) * s * V,
      memoryBytesBackward: (4 + B) * s * V,
      savedActivationBytes: 4 * s * V,
    }),
  ];
}

export function buildTransformer(c: TransformerConfig): WorkloadGraph {
  const d = transformerDims(c);
  const { h, s, a, kv, f, V, dropout, tied } = d;
  return {
    name: c.name ?? `transformer-${c.layers}l-${h}h`,
    throughputUnit: 'tokens',
    tokensPerSample: s,
    supports: { tensor: true, sequence: true, context: true, pipeline: true },
    divisibility: { tensor: [a, kv, f, V], context: [s] },
    blocks: [
      { name: 'embedding', placement: 'first-stage', repeat: 1, ops: embeddingOps(d) },
      { name: 'transformer-layer', placement: 'repeated', repeat: c.layers, ops: layerOps(d) },
      { name: 'output', placement: 'last-stage', repeat: 1, ops: outputOps(d) },
    ],
    sharedParams: tied ? V * h : 0,
    // Token ids as int32 (inputs; labels are the same ids shifted).
    inputBytesPerSample: 4 * s,
    summary: { attention: c.attention, layers: c.layers, hidden: h, heads: a, kvHeads: kv, ffnHidden: f, seqLen: s, vocab: V, activation: c.activation, dropout, tiedEmbeddings: tied },
  };
}
