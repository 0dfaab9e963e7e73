// ResNet-50 builder against published references: torchvision's parameter count, the commonly
// quoted 4.09 GMACs at 224×224, and the feature-map sizes of each stage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResNetConfigSchema, buildResNet50 } from '../../src/workloads/cnn.js';
import { graphParams, modelFlopsPerSample, type WorkloadGraph } from '../../src/workloads/graph.js';

const build = (input: Record<string, unknown> = {}): WorkloadGraph => buildResNet50(ResNetConfigSchema.parse({ kind: 'resnet50', ...input }));
const forwardFlops = (g: WorkloadGraph): number => modelFlopsPerSample(g) / 3;
const within = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance * 100}%)`);

function findOp(g: WorkloadGraph, blockName: string, opName: string) {
  const block = g.blocks.find((b) => b.name === blockName);
  assert.ok(block, `block ${blockName}`);
  const found = block.ops.find((o) => o.name === opName);
  assert.ok(found, `op ${blockName}/${opName}`);
  return found;
}

test('parameters match torchvision resnet50 (25,557,032)', () => {
  within(graphParams(build()), 25_557_032, 0.005, 'params');
});

test('forward FLOPs at 224×224 are 2 × 4.09 GMACs', () => {
  within(forwardFlops(build()), 2 * 4.09e9, 0.03, 'forward FLOPs');
});

test('topology: stem, 16 bottlenecks as repeated blocks, head; projection only in first block of each stage', () => {
  const g = build();
  assert.equal(g.blocks.length, 18);
  assert.equal(g.blocks[0]?.placement, 'first-stage');
  assert.equal(g.blocks.at(-1)?.placement, 'last-stage');
  const repeated = g.blocks.filter((b) => b.placement === 'repeated');
  assert.equal(repeated.length, 16);
  assert.ok(repeated.every((b) => b.repeat === 1));
  const projected = repeated.filter((b) => b.ops.some((o) => o.name === 'downsample-conv')).map((b) => b.name);
  assert.deepEqual(projected, ['layer1.0', 'layer2.0', 'layer3.0', 'layer4.0']);
  assert.deepEqual(g.supports, { tensor: false, sequence: false, context: false, pipeline: true });
  assert.equal(g.throughputUnit, 'samples');
  assert.equal(g.tokensPerSample, 1);
  assert.equal(g.name, 'resnet50');
  assert.equal(build({ name: 'rn50' }).name, 'rn50');
});

test('feature-map sizes: 112 after the stem conv, 56/28/14/7 per stage at 224', () => {
  const g = build();
  assert.equal(findOp(g, 'stem', 'conv1').matmul?.m, 112 * 112);
  assert.deepEqual(findOp(g, 'stem', 'conv1').matmul, { m: 112 * 112, n: 64, k: 3 * 7 * 7, batch: 1, tpDim: 'n' });
  // v1.5: the stride sits in the 3×3 conv, so conv1 of layer2.0 still runs at 56×56.
  assert.equal(findOp(g, 'layer2.0', 'conv1').matmul?.m, 56 * 56);
  assert.equal(findOp(g, 'layer2.0', 'conv2').matmul?.m, 28 * 28);
  for (const [stage, side] of [[1, 56], [2, 28], [3, 14], [4, 7]] as const) {
    assert.equal(findOp(g, `layer${stage}.0`, 'conv3').matmul?.m, side * side, `layer${stage}`);
  }
  const lastBottleneck = g.blocks.filter((b) => b.placement === 'repeated').at(-1);
  const convs = lastBottleneck?.ops.filter((o) => o.matmul) ?? [];
  assert.equal(convs.at(-1)?.matmul?.m, 49, 'final conv runs at 7×7');
  assert.deepEqual(findOp(g, 'head', 'fc').matmul, { m: 1, n: 1000, k: 2048, batch: 1, tpDim: 'n' });
});

test('imageSize 448 gives about 4× the FLOPs; classes change only the FC', () => {
  within(forwardFlops(build({ imageSize: 448 })) / forwardFlops(build()), 4, 0.01, 'FLOP ratio 448/224');
  assert.equal(graphParams(build({ classes: 10 })), graphParams(build()) - 2048 * 990 - 990);
});

test('an invalid imageSize fails validation naming imageSize', () => {
  for (const imageSize of [100, 16, 0]) {
    const r = ResNetConfigSchema.safeParse({ kind: 'resnet50', imageSize });
    assert.equal(r.success, false, `imageSize ${imageSize}`);
    const issue = r.error?.issues[0];
    assert.deepEqual(issue?.path, ['imageSize']);
    assert.match(issue?.message ?? '', /imageSize/);
  }
  assert.equal(ResNetConfigSchema.safeParse({ kind: 'resnet50', imageSize: 224, depth: 50 }).success, false, 'strict');
});

test('unfused (eager) memory-bound ops carry bytes and saved activations; convs have no bias', () => {
  const g = build({ fusedNormActivation: false });
  const bn = findOp(g, 'layer1.0', 'bn1');
  const elems = 64 * 56 * 56;
  assert.equal(bn.params, 128);
  assert.equal(bn.memoryBytesForward, 8 * elems);
  assert.equal(bn.savedActivationBytes, 2 * elems);
  assert.equal(findOp(g, 'layer1.0', 'relu1').savedActivationBytes, 2 * elems);
  assert.equal(findOp(g, 'layer1.0', 'conv2').params, 64 * 64 * 9);
  for (const b of g.blocks) for (const o of b.ops) if (!o.matmul) assert.ok(o.memoryBytesForward > 0 && o.memoryBytesBackward > 0, `${b.name}/${o.name} bytes`);
});

test('fused BN+ReLU(+add) moves fewer bytes, keeps the same saved activations and parameters', () => {
  const fused = build();
  const eager = build({ fusedNormActivation: false });
  const bytes = (g: WorkloadGraph) => g.blocks.reduce((a, b) => a + b.ops.reduce((x, o) => x + o.memoryBytesForward + o.memoryBytesBackward, 0), 0);
  const saved = (g: WorkloadGraph) => g.blocks.reduce((a, b) => a + b.ops.reduce((x, o) => x + o.savedActivationBytes, 0), 0);
  assert.ok(bytes(fused) < 0.6 * bytes(eager), `fused ${bytes(fused)} vs eager ${bytes(eager)}`);
  assert.equal(saved(fused), saved(eager));
  assert.equal(graphParams(fused), graphParams(eager));
  const elems = 64 * 56 * 56;
  assert.equal(findOp(fused, 'layer1.0', 'bn1-relu1').memoryBytesForward, 3 * 2 * elems);
});
