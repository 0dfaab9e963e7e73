// All-to-all, priced per network topology, against closed forms on synthetic systems whose links
// run at full efficiency (so every expected figure is plain arithmetic on the spec's numbers):
// - switched tier, N members, buffer B: pairwise exchange, (N−1)/N·B/bw + (N−1)·latency;
// - two switched tiers (nodes of D devices): B·(D−1)/N over the inner tier and B·(N−D)/N over the
//   outer one, each with its own steps;
// - 2D mesh r × c: a line all-to-all along rows then columns, each bounded by the middle link,
//   ⌊n/2⌋·⌈n/2⌉/n·B/bw + (n−1)·latency per line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectiveSeconds } from '../../src/simulators/analytical/collectives.js';
import { collectivePhases } from '../../src/simulators/event/schedule.js';
import { parseSystemSpec } from '../../src/specs/registry.js';
import { within } from '../helpers.js';

const flat = [[1, 1], [1e15, 1]];
const device = { name: 'test device', peakTflops: { bf16: 100 }, matmulEfficiencyMax: { bf16: 0.8 }, memoryGB: 80, memoryBandwidthGBps: 2000, memoryEfficiency: 0.9, tdpW: 400, idlePowerW: 50 };
const spec = (tiers: unknown[], devicesPerNode = 8) => parseSystemSpec({ name: 'test', description: 'synthetic', device, devicesPerNode, defaultDevices: devicesPerNode, tiers, nodeOtherPowerW: 0 }, 'test spec');

const inner = { name: 'inner', domainDevices: 8, bandwidthGBpsPerDirection: 400, latencyUs: 3, efficiencyCurve: flat };
const outer = { name: 'outer', bandwidthGBpsPerDirection: 50, latencyUs: 10, efficiencyCurve: flat };
const B = 2 ** 30;

test('switched tier: (N−1)/N·B/bw + (N−1)·latency', () => {
  const s = spec([{ ...inner, domainDevices: undefined }]);
  for (const n of [2, 4, 8]) within(collectiveSeconds(s, 'all-to-all', B, { size: n, stride: 1 }), ((n - 1) / n) * (B / 400e9) + (n - 1) * 3e-6, 1e-12, `all-to-all over ${n}`);
});

test('two tiers: each carries the share of the buffer destined across it', () => {
  const s = spec([inner, outer]);
  const N = 32;
  const expected = (B * 7) / N / 400e9 + 7 * 3e-6 + (B * (N - 8)) / N / 50e9 + 3 * 10e-6;
  within(collectiveSeconds(s, 'all-to-all', B, { size: N, stride: 1 }), expected, 1e-12, 'hierarchical all-to-all');
  // The event tier's per-tier phases sum to the same figure.
  const phases = collectivePhases(s, 'all-to-all', B, { size: N, stride: 1 });
  assert.equal(phases.length, 2);
  within(phases.reduce((a, p) => a + p.seconds, 0), expected, 1e-12, 'phases sum');
  // A group that spans nodes with one member per node uses only the outer tier.
  within(collectiveSeconds(s, 'all-to-all', B, { size: 4, stride: 8 }), (3 / 4) * (B / 50e9) + 3 * 10e-6, 1e-12, 'one member per node');
});

test('2D mesh: rows then columns, each bounded by its middle link', () => {
  const s = spec([{ name: 'mesh', domainDevices: 24, bandwidthGBpsPerDirection: 100, latencyUs: 1, efficiencyCurve: flat, topology: { kind: 'mesh2d', rows: 4, cols: 6 } }], 24);
  const line = (n: number) => ((Math.floor(n / 2) * Math.ceil(n / 2)) / n) * (B / 100e9) + (n - 1) * 1e-6;
  within(collectiveSeconds(s, 'all-to-all', B, { size: 24, stride: 1 }), line(6) + line(4), 1e-12, '4 × 6 mesh');
  within(collectiveSeconds(s, 'all-to-all', B, { size: 5, stride: 1 }), line(5), 1e-12, 'a line of 5 (prime: 1 × 5)');
  // On a long line the mesh costs more than a switch of the same per-device bandwidth would:
  // the middle link carries n/4 buffers.
  const switched = spec([{ name: 'switch', bandwidthGBpsPerDirection: 100, latencyUs: 1, efficiencyCurve: flat }], 24);
  assert.ok(collectiveSeconds(s, 'all-to-all', B, { size: 24, stride: 1 }) > collectiveSeconds(switched, 'all-to-all', B, { size: 24, stride: 1 }));
});

test('all-to-all of nothing, or in a group of one, is free', () => {
  const s = spec([inner, outer]);
  assert.equal(collectiveSeconds(s, 'all-to-all', 0, { size: 8, stride: 1 }), 0);
  assert.equal(collectiveSeconds(s, 'all-to-all', B, { size: 1, stride: 1 }), 0);
});
