// Shared test helpers: scenario construction and tolerance assertions with a stated bound.
import assert from 'node:assert/strict';
import { parseScenario, type Scenario } from '../src/engine/scenario.js';

export const within = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${what}: ${actual} vs ${expected} (±${(tolerance * 100).toFixed(2)}%)`);

export const GPT3 = { kind: 'transformer', layers: 96, hidden: 12288, heads: 96, seqLen: 2048, vocab: 51200 } as const;

export function scenario(doc: Record<string, unknown>): Scenario {
  return parseScenario({ model: GPT3, system: { preset: 'dgx-a100-80gb', gpus: 64 }, ...doc }, 'test scenario');
}
