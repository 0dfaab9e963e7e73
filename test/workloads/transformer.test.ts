// The transformer builder against published references: GPT-3 175B (Brown et al. 2020) parameter
// count, Megatron's model-FLOP formula and Korthikanti et al.'s activation formula; Llama-2-7B's
// parameter count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransformerConfigSchema, buildTransformer } from '../../src/workloads/transformer.js';
import { graphParams, modelFlopsPerSample, type WorkloadGraph } from '../../src/workloads/graph.js';

const within = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance * 100}%)`);

const gpt3 = { layers: 96, hidden: 12288, heads: 96, seqLen: 2048, vocab: 51200 };
const build = (c: Record<string, unknown>): WorkloadGraph => buildTransformer(TransformerConfigSchema.parse({ kind: 'transformer', ...c }));

test('GPT-3 175B parameters ≈ 174.6B and match 12·l·h²·(1 + 13/12h) + (V + s)·h', () => {
  const { layers: l, hidden: h, seqLen: s, vocab: V } = gpt3;
  const params = graphParams(build(gpt3));
  within(params, 174.6e9, 0.01, 'params vs 174.6B');
  within(params, 12 * l * h * h * (1 + 13 / (12 * h)) + (V + s) * h, 0.01, 'params vs formula');
});

test('GPT-3 175B model FLOPs per sequence = 72·s·l·h²·(1 + s/6h + V/12lh)', () => {
  const { layers: l, hidden: h, seqLen: s, vocab: V } = gpt3;
  const expected = 72 * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
  within(modelFlopsPerSample(build(gpt3)), expected, 0.001, 'model FLOPs');
});

test('GPT-3 175B saved activations per layer per sequence = s·h·(34 + 5·a·s/h) bytes without TP (materialized attention)', () => {
  const { hidden: h, heads: a, seqLen: s } = gpt3;
  const layer = build({ ...gpt3, attention: 'materialized' }).blocks.find((b) => b.placement === 'repeated');
  assert.ok(layer);
  const saved = layer.ops.reduce((n, o) => n + o.savedActivationBytes, 0);
  within(saved, s * h * (34 + (5 * a * s) / h), 0.001, 'saved activations');
});

test('Llama-2-7B parameters ≈ 6.74B', () => {
  const g = build({ layers: 32, hidden: 4096, heads: 32, seqLen: 4096, vocab: 32000, ffnHidden: 11008, activation: 'swiglu' });
  within(graphParams(g), 6.74e9, 0.01, 'params');
});

test('flash attention keeps the model FLOPs but drops the 5·a·s² activation term', () => {
  const { layers: l, hidden: h, heads: a, seqLen: s, vocab: V } = gpt3;
  const flash = build({ ...gpt3, attention: 'flash' });
  within(modelFlopsPerSample(flash), 72 * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h)), 0.001, 'model FLOPs');
  const layer = flash.blocks.find((b) => b.placement === 'repeated');
  assert.ok(layer);
  const saved = layer.ops.reduce((n, o) => n + o.savedActivationBytes, 0);
  // Korthikanti's 34·s·h (Q, K, V and every linear input are still kept) with the 5·a·s² softmax
  // and dropout terms replaced by FlashAttention's fp32 log-sum-exp per head and token.
  within(saved, 34 * s * h + 4 * a * s, 0.001, 'flash saved activations');
});
