// The multi-camera video network builder: its RegNetY backbone against torchvision's published
// parameter counts and FLOPs, hand-calculated conv FLOPs, scaling with cameras, frames and image
// size, the TP declarations, the engine on both examples, input validation, and the doc's table
// and YAML examples (docs/video-network.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { InputError } from '../../src/common/errors.js';
import { evaluateScenario } from '../../src/engine/evaluate.js';
import { isAutoPlan, parseScenario } from '../../src/engine/scenario.js';
import { searchPlans } from '../../src/engine/search.js';
import { graphParams, matmulFlops, modelFlopsPerSample, type Op, type WorkloadGraph } from '../../src/workloads/graph.js';
import { VIDEO_PARTS, VideoConfigSchema, buildVideoNet, regnetStages, videoPartCosts, type RegNetYName } from '../../src/workloads/video.js';
import { within } from '../helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const build = (input: Record<string, unknown> = {}): WorkloadGraph => buildVideoNet(VideoConfigSchema.parse({ kind: 'video', ...input }));
const backboneFlops = (g: WorkloadGraph): number => videoPartCosts(g).backbone.forwardMatmulFlops;
const blockFlops = (g: WorkloadGraph, name: string): number => {
  const b = g.blocks.find((x) => x.name === name);
  assert.ok(b, `block ${name}`);
  return b.repeat * b.ops.reduce((s, o) => s + (o.matmul ? matmulFlops(o.matmul) : 0), 0);
};
function findOp(g: WorkloadGraph, block: string, name: string): Op {
  const found = g.blocks.find((b) => b.name === block)?.ops.find((o) => o.name === name);
  assert.ok(found, `${block}/${name}`);
  return found;
}

test('default parameters land in the documented 300-800 M ("hundreds of millions")', () => {
  const params = graphParams(build());
  assert.ok(params > 300e6 && params < 800e6, `params ${params}`);
});

// torchvision regnet.py: num_params (with the 1000-class FC) and "_ops" (GMACs at 224×224).
const TORCHVISION: [RegNetYName, number, number][] = [
  ['regnety-1.6gf', 11_202_430, 1.6],
  ['regnety-3.2gf', 19_436_338, 3.2],
  ['regnety-8gf', 39_381_472, 8.5],
  ['regnety-16gf', 83_590_140, 15.9],
];

test('RegNetY stages, parameters and MACs match torchvision (backbone + a 1000-class FC at 224×224)', () => {
  assert.deepEqual(regnetStages('regnety-8gf'), [
    { width: 224, depth: 2, groupWidth: 56 },
    { width: 448, depth: 4, groupWidth: 56 },
    { width: 896, depth: 10, groupWidth: 56 },
    { width: 2016, depth: 1, groupWidth: 56 },
  ]);
  for (const [backbone, params, gmacs] of TORCHVISION) {
    const g = build({ backbone, cameras: 1, timeSteps: 1, imageWidth: 224, imageHeight: 224 });
    const last = regnetStages(backbone).at(-1)!.width;
    const fc = last * 1000 + 1000;
    assert.equal(videoPartCosts(g).backbone.params + fc, params, backbone);
    // torchvision rounds to 0.1 GMAC.
    within((backboneFlops(g) / 2 + last * 1000) / 1e9, gmacs, 0.02, `${backbone} GMACs`);
  }
});

test('backbone FLOPs per camera-frame match a hand calculation: stem conv and stage 1 of RegNetY-3.2GF', () => {
  const g = build();
  const images = 8 * 4;
  // Conv as implicit GEMM: FLOPs = 2 · H_out·W_out · C_out · (C_in/groups) · k².
  const conv = (pixels: number, cin: number, cout: number, k = 1, groups = 1) => 2 * pixels * cout * (cin / groups) * k * k;
  const p0 = 640 * 480; // stem output (stride 2)
  const p1 = 320 * 240; // stage 1 output (stride 4)
  assert.equal(blockFlops(g, 'backbone.stem') / images, conv(p0, 3, 32, 3));
  // Stage 1: width 72, depth 2, group width 24 (3 groups), SE squeeze = round(0.25 · block input width).
  const w = 72;
  const se = (cin: number) => 2 * 2 * w * Math.round(0.25 * cin);
  const first = conv(p0, 32, w) + conv(p1, w, w, 3, 3) + se(32) + conv(p1, w, w) + conv(p1, 32, w);
  const second = conv(p1, w, w) + conv(p1, w, w, 3, 3) + se(w) + conv(p1, w, w);
  assert.equal((blockFlops(g, 'backbone.s1.b0') + blockFlops(g, 'backbone.s1.rest')) / images, first + second);
});

test('a grouped conv costs the dense conv divided by its groups', () => {
  const g = build({ backbone: 'regnety-8gf' });
  const groupedOp = findOp(g, 'backbone.s2.rest', 'conv-b');
  const m = groupedOp.matmul!;
  const width = 448;
  const groups = width / 56;
  assert.equal(m.batch, groups);
  assert.equal(matmulFlops(m), matmulFlops({ m: m.m, n: width, k: width * 9, batch: 1, tpDim: 'n' }) / groups);
  assert.equal(groupedOp.params, (width * width * 9) / groups);
});

test('scaling: cameras and frames scale the backbone linearly; half the image side cuts it ~4×', () => {
  const base = backboneFlops(build());
  assert.equal(backboneFlops(build({ cameras: 16 })), 2 * base);
  assert.equal(backboneFlops(build({ timeSteps: 8 })), 2 * base);
  // Only the per-image squeeze-excitation FCs do not shrink with the image.
  within(base / backboneFlops(build({ imageWidth: 640, imageHeight: 480 })), 4, 0.01, 'full / half resolution');
  // Only the per-camera and per-frame embeddings grow: (8 more cameras + 4 more frames) × hidden.
  assert.equal(graphParams(build({ cameras: 16, timeSteps: 8 })) - graphParams(build()), (8 + 4) * 1024);
});

test('FLOPs and parameters decompose by part and add up to the graph totals', () => {
  const g = build();
  const parts = videoPartCosts(g);
  const sum = (k: 'params' | 'forwardMatmulFlops') => VIDEO_PARTS.reduce((s, p) => s + parts[p][k], 0);
  assert.equal(sum('params'), graphParams(g));
  within(3 * sum('forwardMatmulFlops'), modelFlopsPerSample(g), 1e-12, 'model FLOPs');
  for (const p of VIDEO_PARTS) assert.ok(parts[p].params > 0 && parts[p].forwardMatmulFlops > 0, p);
  // The per-camera work is the largest FLOP share; the BEV transformer holds most parameters.
  assert.ok(parts.backbone.forwardMatmulFlops > parts.fusion.forwardMatmulFlops);
  assert.ok(parts.fusion.params > graphParams(g) / 2);
});

test('topology: stem first, heads last, everything else repeated; data-parallel first, TP where it divides', () => {
  const g = build();
  assert.equal(g.blocks[0]?.placement, 'first-stage');
  assert.deepEqual(g.blocks.filter((b) => b.placement === 'last-stage').map((b) => b.name), ['heads.objects', 'heads.occupancy', 'heads.lanes']);
  assert.ok(g.blocks.slice(1, -3).every((b) => b.placement === 'repeated'));
  assert.deepEqual(g.supports, { tensor: true, sequence: false, context: false, pipeline: true });
  assert.equal(g.throughputUnit, 'samples');
  assert.equal(g.tokensPerSample, 1);
  // 8 cameras × 4 frames × 1280×960 × 3 values × 12 bits.
  assert.equal(g.inputBytesPerSample, 8 * 4 * 1280 * 960 * 3 * 1.5);
  assert.equal(g.summary.inputBytesPerSample, g.inputBytesPerSample);
  assert.equal(build({ temporalLayers: 0 }).blocks.some((b) => b.name.startsWith('temporal')), false);
});

test('TP declarations: split ops name a split dimension, row-parallel ops all-reduce outputs, column-parallel inputs', () => {
  const g = build({ backbone: 'regnety-8gf' });
  for (const b of g.blocks) {
    for (const o of b.ops) {
      const where = `${b.name}/${o.name}`;
      if (!o.matmul) continue;
      assert.equal(o.matmul.tpDim === 'none', o.tensorSplit === 'replicated', where);
      const tpBytes = (pass: 'forward' | 'backward') => o.comm.filter((c) => c.axis === 'tensor' && c.collective === 'all-reduce' && c.pass === pass).reduce((a, c) => a + c.bytesPerSample, 0);
      if (o.matmul.tpDim === 'k') assert.equal(tpBytes('forward'), 2 * o.matmul.m * o.matmul.n * o.matmul.batch, where);
      if (o.matmul.tpDim === 'n') assert.equal(tpBytes('backward'), 2 * o.matmul.m * o.matmul.k * o.matmul.batch, where);
      if (o.matmul.tpDim === 'batch' || o.matmul.tpDim === 'none') assert.deepEqual(o.comm, [], where);
    }
  }
  // RegNetY-8GF has 4/8/16/36 groups: tp = 2 divides; RegNetY-3.2GF's stage 1 has 3 groups.
  const scenario = (backbone: string) => ({ model: { kind: 'video', backbone }, system: { preset: 'dgx-a100-80gb', gpus: 8 }, plan: { tp: 2, globalBatch: 8 } });
  assert.ok(evaluateScenario(parseScenario(scenario('regnety-8gf'), 'tp')).stepTimeSeconds > 0);
  assert.throws(() => evaluateScenario(parseScenario(scenario('regnety-3.2gf'), 'tp')), (e: unknown) => e instanceof InputError && e.issues.some((i) => i.path === 'plan.tp' && / 3 /.test(` ${i.message} `)));
});

const loadExample = (file: string) => parseScenario(YAML.parse(readFileSync(join(root, 'examples', file), 'utf8')), file);

test('examples/video-net-a100.yaml simulates and fits: a clip per A100-80GB', () => {
  const r = evaluateScenario(loadExample('video-net-a100.yaml'));
  assert.ok(r.fits, r.notes.join('\n'));
  assert.ok(r.stepTimeSeconds > 0 && r.samplesPerSecond > 0 && r.mfu > 0 && r.mfu < 1, JSON.stringify(r.breakdown));
});

test('examples/video-net-dojo.yaml: a 4-frame clip fits no tile SRAM, so it runs HBM-streaming with spilled activations, host-feed bound (as its comment says)', () => {
  const s = loadExample('video-net-dojo.yaml');
  assert.ok(isAutoPlan(s.plan));
  const best = searchPlans(s, { top: 1 }).best[0];
  assert.ok(best, 'no plan fits');
  assert.ok(best.fits && best.stepTimeSeconds > 0 && best.samplesPerSecond > 0, best.notes.join('\n'));
  assert.equal(best.plan.memoryMode, 'hbm-streaming');
  assert.ok(best.notes.some((n) => /spill to off-chip memory/.test(n)), best.notes.join('\n'));
  assert.ok(best.notes.some((n) => /host-feed stalls compute/.test(n)), best.notes.join('\n'));
  const sram = parseScenario({ model: { preset: 'tesla-video-net' }, system: { preset: 'dojo-tray' }, plan: { auto: true, globalBatch: 6, memoryMode: 'sram-resident' } }, 'four frames in SRAM');
  assert.equal(searchPlans(sram, { top: 1 }).best.length, 0, 'a 4-frame clip must not fit SRAM-resident');
});

test('an invalid config fails naming the key and what is allowed', () => {
  const issues = (model: Record<string, unknown>) => {
    try {
      parseScenario({ model: { kind: 'video', ...model }, system: { preset: 'dgx-a100-80gb', gpus: 8 }, plan: { globalBatch: 8 } }, 'bad.yaml');
    } catch (e) {
      assert.ok(e instanceof InputError);
      return e.issues;
    }
    assert.fail('no error');
  };
  const [width] = issues({ imageWidth: 1000 });
  assert.equal(width?.path, 'model.imageWidth');
  assert.match(width?.message ?? '', /imageWidth must be a multiple of 32/);
  assert.equal(issues({ fusionHeads: 24 })[0]?.path, 'model.fusionHeads');
  assert.match(issues({ backbone: 'resnet50' })[0]?.message ?? '', /regnety-8gf/);
  assert.match(issues({ fusionTokenStride: 4 })[0]?.message ?? '', /8, 16, 32, 64/);
  // Strict: an unknown key is rejected, named by its own path with the allowed keys listed.
  assert.equal(issues({ lidar: true })[0]?.path, 'model.lidar');
  assert.match(issues({ lidar: true })[0]?.message ?? '', /unknown key; allowed: kind, name, cameras/);
});

const doc = readFileSync(join(root, 'docs', 'video-network.md'), 'utf8');

test('docs/video-network.md: every scenario example parses (and a concrete one simulates)', () => {
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^model:/m.test(b));
  assert.ok(blocks.length >= 2, `only ${blocks.length} scenario blocks`);
  for (const [i, block] of blocks.entries()) {
    const s = parseScenario(YAML.parse(block), `video-network.md example ${i + 1}`);
    assert.equal(s.modelConfig.kind, 'video');
    if (!isAutoPlan(s.plan)) assert.ok(evaluateScenario(s).stepTimeSeconds > 0);
  }
});

test('docs/video-network.md: the table of parts is what the builder computes', () => {
  const parts = videoPartCosts(build());
  const rows = [...doc.matchAll(/^\| (backbone|neck|fusion|temporal|heads)\b[^|]*\| ([\d.]+) \| ([\d,]+) \|/gm)];
  assert.deepEqual(rows.map((r) => r[1]), [...VIDEO_PARTS]);
  for (const [, part, params, gflops] of rows) {
    const p = parts[part as (typeof VIDEO_PARTS)[number]];
    assert.equal(params, (p.params / 1e6).toFixed(1), `${part} params (M)`);
    assert.equal(Number(gflops!.replace(/,/g, '')), Math.round(p.forwardMatmulFlops / 1e9), `${part} forward GFLOPs`);
  }
});
