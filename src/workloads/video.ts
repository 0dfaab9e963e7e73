// Multi-camera video network builder, after the camera network Tesla described at AI Day 2021:
// every camera frame of a clip goes through a RegNetY backbone and a BiFPN neck; a transformer
// lifts each time step's image features into a bird's-eye-view (BEV) grid; temporal attention
// fuses the time steps; HydraNet-style task heads read the last step's BEV features. A sample is
// one clip (cameras × timeSteps frames). Convolutions are implicit GEMMs with every camera-frame
// of the clip folded into m (grouped conv: batch = groups). The approximations and the reason for
// each default are in docs/video-network.md. Keys are flat (backbone, neckChannels, fusionLayers, …)
// because model configs are listed as flat records of numbers and strings.
import { z } from 'zod';
import { flashAttentionOp } from './attention.js';
import { op, tensorAllReduce, type Block, type Op, type TensorSplit, type WorkloadGraph } from './graph.js';

/** RegNetY design-space parameters (depth, w0, wa, wm, group width) as torchvision's regnet.py
 * sets them (Radosavovic et al. 2020); stages are derived from them exactly as RegNet does. */
const REGNETY = {
  'regnety-400mf': { depth: 16, w0: 48, wa: 27.89, wm: 2.09, groupWidth: 8 },
  'regnety-800mf': { depth: 14, w0: 56, wa: 38.84, wm: 2.4, groupWidth: 16 },
  'regnety-1.6gf': { depth: 27, w0: 48, wa: 20.71, wm: 2.65, groupWidth: 24 },
  'regnety-3.2gf': { depth: 21, w0: 80, wa: 42.63, wm: 2.66, groupWidth: 24 },
  'regnety-8gf': { depth: 17, w0: 192, wa: 76.82, wm: 2.19, groupWidth: 56 },
  'regnety-16gf': { depth: 18, w0: 200, wa: 106.23, wm: 2.48, groupWidth: 112 },
} as const;
export type RegNetYName = keyof typeof REGNETY;
export const REGNETY_BACKBONES = Object.keys(REGNETY) as [RegNetYName, ...RegNetYName[]];
const STEM_WIDTH = 32;
const SE_RATIO = 0.25;
/** Neck levels: strides 8, 16, 32 from backbone stages 2-4, and 64 from a max-pool (EfficientDet's P6). */
const NECK_STRIDES = [8, 16, 32, 64] as const;

const imageSide = (key: string) => {
  const message = `${key} must be a multiple of 32 and at least 32 (the backbone downsamples by 32)`;
  return z.number().int(message).min(32, message).multipleOf(32, message);
};
const count = () => z.number().int().positive();

export const VideoConfigSchema = z
  .object({
    kind: z.literal('video'),
    name: z.string().optional(),
    cameras: count().default(8),
    imageWidth: imageSide('imageWidth').default(1280),
    imageHeight: imageSide('imageHeight').default(960),
    /** Frames per camera in one sample; the backbone and neck run on every one. */
    timeSteps: count().default(4),
    /** Values per pixel fed to the stem (3: demosaiced RGB; 1: the raw sensor plane). */
    inputChannels: count().default(3),
    /** Bits per value on the host→device feed (12-bit HDR, packed). */
    inputBitsPerValue: z.number().int().min(1).max(32).default(12),
    backbone: z.enum(REGNETY_BACKBONES, { error: `backbone must be one of ${REGNETY_BACKBONES.join(', ')}` }).default('regnety-3.2gf'),
    neckChannels: count().default(256),
    neckRepeats: count().default(3),
    /** Which neck level supplies the image tokens the BEV queries attend to. */
    fusionTokenStride: z.literal(NECK_STRIDES, { error: `fusionTokenStride must be one of the neck strides ${NECK_STRIDES.join(', ')}` }).default(64),
    bevRows: count().default(20),
    bevCols: count().default(80),
    fusionHidden: count().default(1024),
    fusionHeads: count().default(16),
    fusionLayers: count().default(12),
    /** Temporal self-attention layers over the time steps of each BEV cell (0: none). */
    temporalLayers: z.number().int().nonnegative().default(4),
    headTasks: count().default(3),
    headLayers: count().default(4),
    headChannels: count().default(768),
    headOutputs: count().default(32),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.fusionHidden % c.fusionHeads !== 0) ctx.addIssue({ code: 'custom', path: ['fusionHeads'], message: `fusionHeads must divide fusionHidden (${c.fusionHidden})` });
  });

export type VideoConfig = z.output<typeof VideoConfigSchema>;

const B = 2; // bf16 activations
const INDEX_BYTES = 8; // max-pool argmax indices (int64, as PyTorch keeps them)
const TASK_NAMES = ['objects', 'occupancy', 'lanes'];

export interface RegNetStage {
  width: number;
  depth: number;
  groupWidth: number;
}

/** RegNet's quantized linear width rule (torchvision BlockParams.from_init_params, bottleneck ratio 1). */
export function regnetStages(name: RegNetYName): RegNetStage[] {
  const { depth, w0, wa, wm, groupWidth } = REGNETY[name];
  const stages: RegNetStage[] = [];
  for (let j = 0; j < depth; j++) {
    const exponent = Math.round(Math.log((j * wa + w0) / w0) / Math.log(wm));
    const width = Math.round((w0 * wm ** exponent) / 8) * 8;
    const last = stages.at(-1);
    if (last?.width === width) last.depth++;
    else stages.push({ width, depth: 1, groupWidth });
  }
  // Widths become multiples of the group width (which may not exceed the width).
  return stages.map((s) => {
    const g = Math.min(s.groupWidth, s.width);
    let w = Math.max(g, Math.floor((s.width + g / 2) / g) * g);
    if (w < 0.9 * s.width) w += g;
    return { width: w, depth: s.depth, groupWidth: g };
  });
}

/** One image's feature map; `images` (camera-frames per sample) multiplies every per-image op. */
interface FeatureMap {
  channels: number;
  rows: number;
  cols: number;
}
const pixels = (x: FeatureMap) => x.rows * x.cols;
const halve = (side: number) => Math.ceil(side / 2); // 3×3/2 conv or pool, padding 1

/** How an op shards under tensor parallelism: Megatron's column/row pairs, or per conv group. */
type Parallel = 'column' | 'row' | 'grouped' | 'replicated';
const TP_DIM = { column: 'n', row: 'k', grouped: 'batch', replicated: 'none' } as const;

/** A matmul-like op on `rows` positions per sample (implicit GEMM for convs). Column-parallel
 * keeps a replicated input and all-reduces its input gradient; row-parallel all-reduces its output. */
function gemm(name: string, rows: number, inDim: number, outDim: number, o: { parallel: Parallel; groups?: number; kernel?: number; bias?: boolean; savedBytes?: number }): Op {
  const groups = o.groups ?? 1;
  const taps = (o.kernel ?? 1) ** 2;
  const replicatedInput = o.parallel === 'column' || o.parallel === 'replicated';
  return op({
    name,
    matmul: { m: rows, n: outDim / groups, k: (inDim / groups) * taps, batch: groups, tpDim: TP_DIM[o.parallel] },
    params: (inDim / groups) * taps * outDim + (o.bias ? outDim : 0),
    tensorSplit: o.parallel === 'replicated' ? 'replicated' : 'split',
    savedActivationBytes: o.savedBytes ?? 0,
    savedActivationSplit: replicatedInput ? 'replicated' : 'split',
    // Row-parallel layers all-reduce their output in forward; column-parallel ones their input gradient in backward.
    comm: o.parallel === 'row' ? [tensorAllReduce('forward', B * rows * outDim)] : o.parallel === 'column' ? [tensorAllReduce('backward', B * rows * inDim)] : [],
  });
}

/** A memory-bound op (norm, activation, add, pooling): bytes moved, elementwise FLOPs, saved bytes. */
function streamOp(name: string, o: { fwd: number; bwd: number; flops: number; params?: number; saved?: number; split?: TensorSplit }): Op {
  const split = o.split ?? 'replicated';
  return op({ name, otherFlops: o.flops, memoryBytesForward: o.fwd, memoryBytesBackward: o.bwd, params: o.params ?? 0, savedActivationBytes: o.saved ?? 0, tensorSplit: split, savedActivationSplit: split });
}

/** A marker that keeps a block's input for backward (and is all that full recompute keeps). */
function keepInput(name: string, bytes: number): Op {
  return op({ name, savedActivationBytes: bytes, tensorSplit: 'replicated' });
}

// BatchNorm fused with its activation (and a residual add), as cnn.ts's fused kernels: forward
// reads x twice (statistics, normalise) and writes y; backward reads dy and x twice, writes dx.
// `keep` says which of x (BN's input) and y (the activation's output) this op is the one to save:
// a tensor is counted once, by the op that first needs it.
function batchNorm(name: string, elements: number, channels: number, o: { relu?: boolean; add?: boolean; keep: 'x' | 'x+y'; split: TensorSplit }): Op {
  const add = o.add ? 1 : 0;
  return streamOp(name, {
    fwd: (3 + add) * B * elements,
    bwd: (5 + add) * B * elements,
    flops: (5 + (o.relu ? 1 : 0) + add) * elements,
    params: 2 * channels,
    saved: (o.keep === 'x+y' ? 2 : 1) * B * elements,
    split: o.split,
  });
}

interface Built {
  blocks: Block[];
  y: FeatureMap;
}

/** RegNet stem: 3×3/2 conv, BN, ReLU. The image is saved for the conv's weight gradient. */
function stem(c: VideoConfig, images: number): Built {
  const x = { channels: c.inputChannels, rows: c.imageHeight, cols: c.imageWidth };
  const y = { channels: STEM_WIDTH, rows: halve(x.rows), cols: halve(x.cols) };
  const ops = [
    gemm('conv', images * pixels(y), x.channels, STEM_WIDTH, { parallel: 'replicated', kernel: 3, savedBytes: B * images * x.channels * pixels(x) }),
    // Its output is the first bottleneck's input, kept there.
    batchNorm('bn-relu', images * pixels(y), STEM_WIDTH, { relu: true, keep: 'x', split: 'replicated' }),
  ];
  return { blocks: [{ name: 'backbone.stem', placement: 'first-stage', repeat: 1, ops }], y };
}

/** RegNetY bottleneck: 1×1 (column-parallel), 3×3 grouped with stride (TP splits groups),
 * squeeze-excitation, 1×1 (row-parallel, all-reduced), projection shortcut when the shape changes. */
function bottleneck(x: FeatureMap, images: number, stage: RegNetStage, stride: number): { ops: Op[]; y: FeatureMap } {
  const w = stage.width;
  const groups = w / stage.groupWidth;
  const se = Math.round(SE_RATIO * x.channels);
  const y = { channels: w, rows: stride === 2 ? halve(x.rows) : x.rows, cols: stride === 2 ? halve(x.cols) : x.cols };
  const inPos = images * pixels(x);
  const outPos = images * pixels(y);
  const ops = [
    gemm('conv-a', inPos, x.channels, w, { parallel: 'column', savedBytes: B * inPos * x.channels }),
    batchNorm('bn-relu-a', inPos * w, w, { relu: true, keep: 'x+y', split: 'split' }),
    gemm('conv-b', outPos, w, w, { parallel: 'grouped', groups, kernel: 3 }),
    batchNorm('bn-relu-b', outPos * w, w, { relu: true, keep: 'x+y', split: 'split' }),
    streamOp('se-squeeze', { fwd: B * (outPos * w + images * w), bwd: B * (images * w + outPos * w), flops: outPos * w, split: 'split' }),
    gemm('se-fc1', images, w, se, { parallel: 'row', bias: true, savedBytes: B * images * w }),
    gemm('se-fc2', images, se, w, { parallel: 'column', bias: true, savedBytes: B * images * (se + w) }),
    // y = x·sigmoid(s): reads x and s, writes y; backward reads dy and x, writes dx (ds is a reduction).
    streamOp('se-scale', { fwd: 2 * B * outPos * w, bwd: 3 * B * outPos * w, flops: 2 * outPos * w, split: 'split' }),
    gemm('conv-c', outPos, w, w, { parallel: 'row', savedBytes: B * outPos * w }),
  ];
  const projected = stride !== 1 || x.channels !== w;
  if (projected) {
    ops.push(gemm('proj', outPos, x.channels, w, { parallel: 'replicated' }), batchNorm('bn-proj', outPos * w, w, { keep: 'x', split: 'replicated' }));
  }
  // The block output is the next block's input and is kept there.
  ops.push(batchNorm('bn-add-relu-c', outPos * w, w, { relu: true, add: true, keep: 'x', split: 'replicated' }));
  return { ops, y };
}

/** Backbone stages after the stem; returns the outputs of every stage (the neck reads 2-4). */
function backbone(stages: RegNetStage[], first: FeatureMap, images: number): { blocks: Block[]; outputs: FeatureMap[] } {
  const blocks: Block[] = [];
  const outputs: FeatureMap[] = [];
  let x = first;
  stages.forEach((stage, s) => {
    const head = bottleneck(x, images, stage, 2);
    blocks.push({ name: `backbone.s${s + 1}.b0`, placement: 'repeated', repeat: 1, ops: head.ops });
    x = head.y;
    if (stage.depth > 1) {
      blocks.push({ name: `backbone.s${s + 1}.rest`, placement: 'repeated', repeat: stage.depth - 1, ops: bottleneck(x, images, stage, 1).ops });
    }
    outputs.push(x);
  });
  return { blocks, outputs };
}

/** Neck levels P3-P6 of one image (strides 8-64). */
function neckLevels(c: VideoConfig): FeatureMap[] {
  let rows = c.imageHeight / 8;
  let cols = c.imageWidth / 8;
  return NECK_STRIDES.map((_, i) => {
    if (i > 0) [rows, cols] = [halve(rows), halve(cols)];
    return { channels: c.neckChannels, rows, cols };
  });
}

/** 1×1 lateral convs + BN from backbone stages 2-4 to the neck width; P6 by 3×3/2 max-pool of P5. */
function neckLaterals(c: VideoConfig, stageOutputs: FeatureMap[], levels: FeatureMap[], images: number): Block {
  const C = c.neckChannels;
  const ops: Op[] = [];
  // Top stage first: its output is this block's input (the next-lower stage outputs are already kept
  // by the first bottleneck of the stage after them).
  for (const i of [2, 1, 0]) {
    const src = stageOutputs[i + 1]!;
    const pos = images * pixels(levels[i]!);
    ops.push(gemm(`lateral-p${i + 3}`, pos, src.channels, C, { parallel: 'replicated', savedBytes: i === 2 ? B * pos * src.channels : 0 }));
    ops.push(batchNorm(`bn-p${i + 3}`, pos * C, C, { keep: 'x', split: 'replicated' }));
  }
  const p5 = images * C * pixels(levels[2]!);
  const p6 = images * C * pixels(levels[3]!);
  ops.push(streamOp('maxpool-p6', { fwd: B * p5 + (B + INDEX_BYTES) * p6, bwd: (B + INDEX_BYTES) * p6 + B * p5, flops: 9 * p6, saved: INDEX_BYTES * p6 }));
  return { name: 'neck.lateral', placement: 'repeated', repeat: 1, ops };
}

/** One BiFPN node (Tan et al. 2020): fast normalized weighted sum of its inputs (resampled on the
 * fly) with swish, depthwise 3×3, pointwise 1×1 with bias, BN. Depthwise convs are memory-bound on
 * every device, so they are stream ops whose FLOPs, like elementwise work, stay out of model FLOPs. */
function bifpnNode(name: string, out: FeatureMap, inputs: FeatureMap[], images: number, keepOutput: boolean): Op[] {
  const C = out.channels;
  const n = images * C * pixels(out);
  const inBytes = inputs.reduce((s, x) => s + B * images * C * pixels(x), 0);
  return [
    streamOp(`${name}.fuse`, { fwd: inBytes + B * n, bwd: 2 * B * n + inBytes, flops: (2 * inputs.length + 4) * n, params: inputs.length, saved: B * n }),
    streamOp(`${name}.dwconv`, { fwd: 2 * B * n, bwd: 4 * B * n, flops: 18 * n, params: 9 * C, saved: B * n }),
    gemm(`${name}.pwconv`, images * pixels(out), C, C, { parallel: 'replicated', bias: true, savedBytes: B * n }),
    batchNorm(`${name}.bn`, n, C, { keep: keepOutput ? 'x+y' : 'x', split: 'replicated' }),
  ];
}

/** One BiFPN layer over P3-P6: top-down P5'→P4'→P3, then bottom-up P4→P5→P6. The intermediate
 * top-down nodes are kept in the layer; the four outputs are kept by whatever reads them next. */
function bifpnLayer(levels: FeatureMap[], images: number): Op[] {
  const [p3, p4, p5, p6] = levels as [FeatureMap, FeatureMap, FeatureMap, FeatureMap];
  const all = levels.reduce((s, x) => s + B * images * x.channels * pixels(x), 0);
  return [
    keepInput('inputs', all),
    ...bifpnNode('p5-td', p5, [p5, p6], images, true),
    ...bifpnNode('p4-td', p4, [p4, p5], images, true),
    ...bifpnNode('p3-out', p3, [p3, p4], images, false),
    ...bifpnNode('p4-out', p4, [p4, p4, p3], images, false),
    ...bifpnNode('p5-out', p5, [p5, p5, p4], images, false),
    ...bifpnNode('p6-out', p6, [p6, p5], images, false),
  ];
}

interface Attention {
  /** Query rows and key rows per attention group, and how many groups a sample holds. */
  queries: number;
  keys: number;
  groups: number;
  heads: number;
  headDim: number;
  flopsFraction: number;
}

/** Fused attention (attention.ts) in bf16 activations. */
const flashAttention = (name: string, a: Attention): Op => flashAttentionOp({ name, ...a, activationBytes: B });

/** LayerNorm on `rows` × h, keeping its input (the residual stream). */
const layerNorm = (name: string, rows: number, h: number): Op =>
  streamOp(name, { fwd: 2 * B * rows * h, bwd: 3 * B * rows * h, flops: 5 * rows * h, params: 2 * h, saved: B * rows * h });
const residual = (name: string, rows: number, h: number): Op => streamOp(name, { fwd: 3 * B * rows * h, bwd: 2 * B * rows * h, flops: rows * h });

/** Pre-norm self-attention sub-layer over `rows` = groups × queries tokens per sample. */
function selfAttention(prefix: string, rows: number, h: number, attention: Attention): Op[] {
  return [
    layerNorm(`${prefix}-norm`, rows, h),
    gemm(`${prefix}-qkv`, rows, h, 3 * h, { parallel: 'column', bias: true, savedBytes: B * rows * h }),
    flashAttention(`${prefix}-attention`, attention),
    gemm(`${prefix}-out`, rows, h, h, { parallel: 'row', bias: true, savedBytes: B * rows * h }),
    residual(`${prefix}-residual`, rows, h),
  ];
}

function mlp(rows: number, h: number): Op[] {
  const f = 4 * h;
  return [
    layerNorm('mlp-norm', rows, h),
    gemm('mlp-up', rows, h, f, { parallel: 'column', bias: true, savedBytes: B * rows * h }),
    streamOp('gelu', { fwd: 2 * B * rows * f, bwd: 3 * B * rows * f, flops: 8 * rows * f, saved: B * rows * f, split: 'split' }),
    gemm('mlp-down', rows, f, h, { parallel: 'row', bias: true, savedBytes: B * rows * f }),
    residual('mlp-residual', rows, h),
  ];
}

interface FusionShape {
  T: number;
  Q: number;
  /** Image tokens per time step (all cameras). */
  N: number;
  h: number;
  heads: number;
}

/** Image tokens → hidden width (+ camera and position embeddings, LayerNorm), and the learned BEV
 * queries. The normalised tokens are the K/V input of every fusion layer and are kept once here. */
function fusionInput(c: VideoConfig, s: FusionShape, tokensPerCamera: number): Block {
  const { T, Q, N, h } = s;
  const tokens = T * N;
  return {
    name: 'fusion.input',
    placement: 'repeated',
    repeat: 1,
    ops: [
      gemm('token-proj', tokens, c.neckChannels, h, { parallel: 'replicated', bias: true, savedBytes: B * tokens * c.neckChannels }),
      streamOp('token-embeddings', { fwd: 3 * B * tokens * h, bwd: 3 * B * tokens * h, flops: tokens * h, params: (c.cameras + tokensPerCamera) * h }),
      streamOp('token-norm', { fwd: 2 * B * tokens * h, bwd: 3 * B * tokens * h, flops: 5 * tokens * h, params: 2 * h, saved: 2 * B * tokens * h }),
      streamOp('bev-queries', { fwd: B * T * Q * h, bwd: B * T * Q * h, flops: 0, params: Q * h }),
    ],
  };
}

/** A decoder layer per time step: BEV self-attention, cross-attention from the BEV queries to
 * every camera's tokens, MLP. K/V projections run on the (kept) image tokens in every layer. */
function fusionLayer(s: FusionShape): Op[] {
  const { T, Q, N, h, heads } = s;
  const rows = T * Q;
  const dh = h / heads;
  return [
    ...selfAttention('self', rows, h, { queries: Q, keys: Q, groups: T, heads, headDim: dh, flopsFraction: 1 }),
    layerNorm('cross-norm', rows, h),
    gemm('cross-q', rows, h, h, { parallel: 'column', bias: true, savedBytes: B * rows * h }),
    gemm('cross-kv', T * N, h, 2 * h, { parallel: 'column', bias: true }),
    flashAttention('cross-attention', { queries: Q, keys: N, groups: T, heads, headDim: dh, flopsFraction: 1 }),
    gemm('cross-out', rows, h, h, { parallel: 'row', bias: true, savedBytes: B * rows * h }),
    residual('cross-residual', rows, h),
    ...mlp(rows, h),
  ];
}

/** Temporal layer: each BEV cell attends causally over its own time steps, then an MLP. */
function temporalLayer(s: FusionShape): Op[] {
  const { T, Q, h, heads } = s;
  const causal = (T + 1) / (2 * T); // share of the T×T score blocks on or below the diagonal
  return [...selfAttention('time', T * Q, h, { queries: T, keys: T, groups: Q, heads, headDim: h / heads, flopsFraction: causal }), ...mlp(T * Q, h)];
}

/** HydraNet-style task head on the last time step's BEV grid: 3×3 conv trunk with BN+ReLU, a 1×1
 * output conv, and a fp32 loss. The shared BEV input is kept once, by the first head. */
function taskHead(name: string, c: VideoConfig, Q: number, keepInputBytes: number): Block {
  const ch = c.headChannels;
  const ops: Op[] = [];
  for (let i = 0; i < c.headLayers; i++) {
    ops.push(gemm(`conv${i + 1}`, Q, i === 0 ? c.fusionHidden : ch, ch, { parallel: 'replicated', kernel: 3, savedBytes: i === 0 ? keepInputBytes : 0 }));
    ops.push(batchNorm(`bn-relu${i + 1}`, Q * ch, ch, { relu: true, keep: 'x+y', split: 'replicated' }));
  }
  const o = c.headOutputs;
  ops.push(gemm('output', Q, ch, o, { parallel: 'replicated', bias: true }));
  ops.push(streamOp('loss', { fwd: (B + 4 + 4) * Q * o, bwd: (4 + B) * Q * o, flops: 6 * Q * o, saved: 4 * Q * o }));
  return { name: `heads.${name}`, placement: 'last-stage', repeat: 1, ops };
}

export function buildVideoNet(c: VideoConfig): WorkloadGraph {
  const images = c.cameras * c.timeSteps;
  const stages = regnetStages(c.backbone);
  const first = stem(c, images);
  const body = backbone(stages, first.y, images);
  const levels = neckLevels(c);
  const tokenLevel = levels[NECK_STRIDES.indexOf(c.fusionTokenStride)]!;
  const tokensPerCamera = pixels(tokenLevel);
  const s: FusionShape = { T: c.timeSteps, Q: c.bevRows * c.bevCols, N: c.cameras * tokensPerCamera, h: c.fusionHidden, heads: c.fusionHeads };

  const blocks: Block[] = [
    ...first.blocks,
    ...body.blocks,
    neckLaterals(c, body.outputs, levels, images),
    { name: 'neck.bifpn', placement: 'repeated', repeat: c.neckRepeats, ops: bifpnLayer(levels, images) },
    fusionInput(c, s, tokensPerCamera),
    { name: 'fusion.layer', placement: 'repeated', repeat: c.fusionLayers, ops: fusionLayer(s) },
  ];
  if (c.temporalLayers > 0) {
    const rows = s.T * s.Q;
    const timeEmbedding = streamOp('time-embedding', { fwd: 3 * B * rows * s.h, bwd: 3 * B * rows * s.h, flops: rows * s.h, params: s.T * s.h });
    blocks.push({ name: 'temporal.input', placement: 'repeated', repeat: 1, ops: [timeEmbedding] });
    blocks.push({ name: 'temporal.layer', placement: 'repeated', repeat: c.temporalLayers, ops: temporalLayer(s) });
  }
  for (let t = 0; t < c.headTasks; t++) blocks.push(taskHead(TASK_NAMES[t] ?? `task${t + 1}`, c, s.Q, t === 0 ? B * s.Q * s.h : 0));

  const groups = stages.map((st) => st.width / st.groupWidth);
  // Camera frames as the hosts ship them: packed 12-bit values, unpacked to bf16 on the device.
  const inputBytes = (images * c.imageWidth * c.imageHeight * c.inputChannels * c.inputBitsPerValue) / 8;
  return {
    name: c.name ?? `video-${c.cameras}cam-${c.timeSteps}t-${c.backbone}`,
    throughputUnit: 'samples',
    tokensPerSample: 1,
    supports: { tensor: true, sequence: false, context: false, pipeline: true },
    // TP splits attention heads, the MLP width, bottleneck widths and conv groups.
    divisibility: { tensor: [c.fusionHeads, 4 * c.fusionHidden, ...stages.map((st) => st.width), ...groups], context: [] },
    blocks,
    sharedParams: 0,
    inputBytesPerSample: inputBytes,
    summary: {
      cameras: c.cameras,
      image: `${c.imageWidth}×${c.imageHeight}`,
      timeSteps: c.timeSteps,
      imagesPerSample: images,
      inputBytesPerSample: inputBytes,
      backbone: c.backbone,
      backboneStages: stages.map((st) => `${st.width}×${st.depth}`).join(' '),
      backboneGroupWidth: stages[0]!.groupWidth,
      neck: `BiFPN ${c.neckChannels}×${c.neckRepeats}, P3-P6`,
      bevGrid: `${c.bevRows}×${c.bevCols}`,
      imageTokensPerTimeStep: s.N,
      fusion: `${c.fusionLayers} layers, hidden ${c.fusionHidden}, ${c.fusionHeads} heads`,
      temporalLayers: c.temporalLayers,
      headTasks: c.headTasks,
    },
  };
}

export const VIDEO_PARTS = ['backbone', 'neck', 'fusion', 'temporal', 'heads'] as const;
export type VideoPart = (typeof VIDEO_PARTS)[number];

export interface PartCost {
  params: number;
  /** Forward matmul FLOPs per sample (model FLOPs are 3× this). */
  forwardMatmulFlops: number;
  /** Forward elementwise and depthwise FLOPs per sample (not in model FLOPs). */
  forwardOtherFlops: number;
}

/** Parameters and forward FLOPs per sample of each part, from the block names' prefixes. */
export function videoPartCosts(g: WorkloadGraph): Record<VideoPart, PartCost> {
  const out = Object.fromEntries(VIDEO_PARTS.map((p) => [p, { params: 0, forwardMatmulFlops: 0, forwardOtherFlops: 0 }])) as Record<VideoPart, PartCost>;
  for (const b of g.blocks) {
    const part = out[b.name.split('.')[0] as VideoPart];
    if (!part) throw new Error(`block ${b.name} belongs to no part`);
    for (const o of b.ops) {
      part.params += o.params * b.repeat;
      part.forwardMatmulFlops += (o.matmul ? 2 * o.matmul.m * o.matmul.n * o.matmul.k * o.matmul.batch : 0) * b.repeat;
      part.forwardOtherFlops += o.otherFlops * b.repeat;
    }
  }
  return out;
}
