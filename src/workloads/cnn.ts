// ResNet-50 v1.5 builder (He et al. 2016; torchvision's v1.5 puts the stride-2 in the bottleneck's
// 3×3 conv). Convolutions are emitted as implicit GEMMs per image (m = H_out·W_out, n = C_out,
// k = C_in·R·S); BatchNorm, ReLU, pooling and the residual add are memory-bound ops with byte
// counts. Each bottleneck is its own block so pipeline stages split the network between blocks.
// The network trains with data parallelism (optionally pipeline), so tensor/sequence/context
// parallelism are declared unsupported.
import { z } from 'zod';
import { op, type Block, type Op, type WorkloadGraph } from './graph.js';

const SIZE_MESSAGE = 'imageSize must be a multiple of 32 and at least 32 (the network downsamples by 32)';

export const ResNetConfigSchema = z
  .object({
    kind: z.literal('resnet50'),
    name: z.string().optional(),
    /** Square input side in pixels. */
    imageSize: z.number().int().min(32, SIZE_MESSAGE).multipleOf(32, SIZE_MESSAGE).default(224),
    classes: z.number().int().positive().default(1000),
    /** BatchNorm fused with its ReLU (and the residual add) into one memory pass, as cuDNN's NHWC
     * kernels, MLPerf submissions and torch.compile do; false: three separate kernels (eager PyTorch). */
    fusedNormActivation: z.boolean().default(true),
  })
  .strict();

export type ResNetConfig = z.output<typeof ResNetConfigSchema>;

/** Stages of ResNet-50: bottleneck count, bottleneck width (output is 4× wider), first stride. */
const STAGES = [
  { blocks: 3, width: 64, stride: 1 },
  { blocks: 4, width: 128, stride: 2 },
  { blocks: 6, width: 256, stride: 2 },
  { blocks: 3, width: 512, stride: 2 },
] as const;
const EXPANSION = 4;
const STEM_CHANNELS = 64;

// Byte model (assumptions, 2-byte bf16/fp16 activations, per element of the op's tensor):
// - BatchNorm (training) forward: statistics (mean, variance) read x, taken as two reads since
//   unfused kernels make one pass per moment; normalise reads x and writes y: 3 reads + 1 write.
//   Backward: a reduction pass reads dy and x, a second pass reads dy and x and writes dx
//   (5 accesses), taken as 6 (1.5× forward) for the unfused case.
// - ReLU forward reads x, writes y; backward reads dy and the saved output, writes dx.
// - Residual add forward reads two inputs, writes one; backward's cost is the gradient
//   accumulation where the block input forks (read two gradients, write the sum).
// - Max-pool keeps int64 argmax indices (PyTorch's max_pool2d_with_indices).
// Saved activations follow what PyTorch autograd keeps, each tensor counted once at its owner:
// BN keeps its input (the conv output); ReLU keeps its output, which is also the next conv's
// saved input, so convs add nothing; the max-pool keeps its indices and its output (the input of
// the first bottleneck); the stem conv keeps the image; the FC keeps its pooled input. Per-channel
// BN statistics and shapes are ignored.
const B = 2;
const INDEX_BYTES = 8;

/** A square feature map as seen by one image. */
interface FeatureMap {
  channels: number;
  side: number;
}

const elements = (x: FeatureMap): number => x.channels * x.side * x.side;
const outSide = (side: number, kernel: number, stride: number, pad: number): number => Math.floor((side + 2 * pad - kernel) / stride) + 1;

/** Conv without bias as an implicit GEMM; torchvision pads by ⌊kernel/2⌋. */
function conv(name: string, x: FeatureMap, outChannels: number, kernel: number, stride: number, saveInput = false): { op: Op; y: FeatureMap } {
  const y = { channels: outChannels, side: outSide(x.side, kernel, stride, Math.floor(kernel / 2)) };
  const convOp = op({
    name,
    matmul: { m: y.side * y.side, n: outChannels, k: x.channels * kernel * kernel, batch: 1, tpDim: 'n' },
    params: x.channels * outChannels * kernel * kernel,
    savedActivationBytes: saveInput ? B * elements(x) : 0,
  });
  return { op: convOp, y };
}

function batchNorm(name: string, x: FeatureMap): Op {
  const n = elements(x);
  return op({ name, otherFlops: 5 * n, memoryBytesForward: 4 * B * n, memoryBytesBackward: 6 * B * n, params: 2 * x.channels, savedActivationBytes: B * n });
}

function relu(name: string, x: FeatureMap): Op {
  const n = elements(x);
  return op({ name, otherFlops: n, memoryBytesForward: 2 * B * n, memoryBytesBackward: 3 * B * n, savedActivationBytes: B * n });
}

// Fused BatchNorm(+add)(+ReLU): a statistics pass reads x, a second pass reads x (and the residual)
// and writes y; backward reduces over dy and x, then reads dy, x and writes dx, with the ReLU mask
// taken from y. It keeps its input and its output (the next conv's input).
function fusedNorm(name: string, x: FeatureMap, withRelu: boolean, withAdd: boolean): Op {
  const n = elements(x);
  return op({
    name,
    otherFlops: (5 + (withRelu ? 1 : 0) + (withAdd ? 1 : 0)) * n,
    memoryBytesForward: (3 + (withAdd ? 1 : 0)) * B * n,
    memoryBytesBackward: (5 + (withAdd ? 1 : 0)) * B * n,
    params: 2 * x.channels,
    savedActivationBytes: (withRelu ? 2 : 1) * B * n,
  });
}

function residualAdd(name: string, x: FeatureMap): Op {
  const n = elements(x);
  return op({ name, otherFlops: n, memoryBytesForward: 3 * B * n, memoryBytesBackward: 3 * B * n });
}

/** 7×7/2 conv, BN, ReLU, 3×3/2 max-pool. */
function stem(image: FeatureMap): { block: Block; y: FeatureMap } {
  const c = conv('conv1', image, STEM_CHANNELS, 7, 2, true);
  const pooled = { channels: STEM_CHANNELS, side: outSide(c.y.side, 3, 2, 1) };
  const inN = elements(c.y);
  const outN = elements(pooled);
  const maxPool = op({
    name: 'maxpool',
    otherFlops: 9 * outN,
    memoryBytesForward: B * inN + (B + INDEX_BYTES) * outN,
    memoryBytesBackward: (B + INDEX_BYTES) * outN + B * inN,
    savedActivationBytes: (B + INDEX_BYTES) * outN,
  });
  const ops = [c.op, batchNorm('bn1', c.y), relu('relu', c.y), maxPool];
  return { block: { name: 'stem', placement: 'first-stage', repeat: 1, ops }, y: pooled };
}

/** 1×1 reduce, 3×3 (carries the stride, v1.5), 1×1 expand; projection shortcut when the shape changes. */
function bottleneck(name: string, x: FeatureMap, width: number, stride: number, fused: boolean): { block: Block; y: FeatureMap } {
  const outChannels = width * EXPANSION;
  const c1 = conv('conv1', x, width, 1, 1);
  const c2 = conv('conv2', c1.y, width, 3, stride);
  const c3 = conv('conv3', c2.y, outChannels, 1, 1);
  const projected = stride !== 1 || x.channels !== outChannels;
  const shortcut = projected ? conv('downsample-conv', x, outChannels, 1, stride) : undefined;
  if (fused) {
    const ops = [c1.op, fusedNorm('bn1-relu1', c1.y, true, false), c2.op, fusedNorm('bn2-relu2', c2.y, true, false), c3.op];
    if (shortcut) ops.push(shortcut.op, fusedNorm('downsample-bn', shortcut.y, false, false));
    ops.push(fusedNorm('bn3-add-relu3', c3.y, true, true));
    return { block: { name, placement: 'repeated', repeat: 1, ops }, y: c3.y };
  }
  const ops = [c1.op, batchNorm('bn1', c1.y), relu('relu1', c1.y), c2.op, batchNorm('bn2', c2.y), relu('relu2', c2.y), c3.op, batchNorm('bn3', c3.y)];
  if (shortcut) ops.push(shortcut.op, batchNorm('downsample-bn', shortcut.y));
  ops.push(residualAdd('residual-add', c3.y), relu('relu3', c3.y));
  return { block: { name, placement: 'repeated', repeat: 1, ops }, y: c3.y };
}

/** Global average pool, FC to the classes, softmax cross-entropy (fp32 probabilities). */
function head(x: FeatureMap, classes: number): Block {
  const inN = elements(x);
  const c = x.channels;
  const ops = [
    op({ name: 'avgpool', otherFlops: inN, memoryBytesForward: B * (inN + c), memoryBytesBackward: B * (c + inN) }),
    op({ name: 'fc', matmul: { m: 1, n: classes, k: c, batch: 1, tpDim: 'n' }, params: c * classes + classes, savedActivationBytes: B * c }),
    op({ name: 'cross-entropy', otherFlops: 6 * classes, memoryBytesForward: (B + 4 + 4) * classes, memoryBytesBackward: (4 + B) * classes, savedActivationBytes: 4 * classes }),
  ];
  return { name: 'head', placement: 'last-stage', repeat: 1, ops };
}

export function buildResNet50(c: ResNetConfig): WorkloadGraph {
  const first = stem({ channels: 3, side: c.imageSize });
  const blocks: Block[] = [first.block];
  let x = first.y;
  STAGES.forEach((stage, s) => {
    for (let i = 0; i < stage.blocks; i++) {
      const b = bottleneck(`layer${s + 1}.${i}`, x, stage.width, i === 0 ? stage.stride : 1, c.fusedNormActivation);
      blocks.push(b.block);
      x = b.y;
    }
  });
  blocks.push(head(x, c.classes));
  return {
    name: c.name ?? 'resnet50',
    throughputUnit: 'samples',
    tokensPerSample: 1,
    supports: { tensor: false, sequence: false, context: false, pipeline: true },
    divisibility: { tensor: [], context: [] },
    blocks,
    sharedParams: 0,
    // Decoded 8-bit RGB: hosts decode JPEGs and ship pixels (Dojo tiles have no decoder).
    inputBytesPerSample: 3 * c.imageSize * c.imageSize,
    summary: { imageSize: c.imageSize, classes: c.classes, blocks: STAGES.reduce((n, s) => n + s.blocks, 0), stages: STAGES.map((s) => s.blocks).join('-'), variant: 'v1.5' },
  };
}
