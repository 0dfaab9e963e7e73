// Collective cost over a system's network tiers. A communication group is described by its size
// and the device stride between members (Megatron rank order: tp innermost, then cp, dp, pp), so
// the group's members per tier domain follow from the spec. Collectives run hierarchically:
// reduce-scatter inside the innermost domain, then across the next tier on the remaining shard,
// and mirrored all-gather back. A switched tier moves bytes as a ring (or, for all-reduce, a
// double binary tree when cheaper); a 2D-mesh tier decomposes the group into rows then columns,
// one hop per ring step. Each runs at its bandwidth times the measured efficiency for the message
// size, plus per-step latency. A bypass tier (Dojo's Z-plane) is a flat alternative route.
import { interpolateLogX } from '../../common/interpolate.js';
import type { NetworkTier, SystemSpec } from '../../specs/schema.js';

export type CollectiveKind = 'all-reduce' | 'reduce-scatter' | 'all-gather' | 'all-to-all';

export interface Group {
  size: number;
  /** Device-index distance between consecutive members. */
  stride: number;
}

const hierarchy = (spec: SystemSpec): NetworkTier[] => spec.tiers.filter((t) => !t.bypass);

/** Members of the group inside one domain of each hierarchy tier, innermost first (last = group size). */
export function membersPerTier(spec: SystemSpec, g: Group): number[] {
  return hierarchy(spec).map((t) => (t.domainDevices === undefined ? g.size : Math.min(g.size, Math.max(1, Math.floor(t.domainDevices / g.stride)))));
}

function transferSeconds(t: NetworkTier, bytes: number): number {
  return bytes / (t.bandwidthGBpsPerDirection * 1e9 * interpolateLogX(t.efficiencyCurve, bytes));
}

/** One phase of `n` members on one tier, each holding `bytes`. */
function phaseSeconds(tier: NetworkTier, kind: CollectiveKind, bytes: number, n: number): number {
  if (n <= 1 || bytes <= 0) return 0;
  const latency = tier.latencyUs * 1e-6;
  if (tier.topology.kind === 'mesh2d') return meshSeconds(tier, kind, bytes, n, latency);
  const frac = (n - 1) / n;
  const transfer = transferSeconds(tier, bytes);
  // Ring factors: all-reduce = reduce-scatter + all-gather; in-network reduction halves it.
  const factor = kind === 'all-reduce' ? (tier.inNetworkReduction ? 1 : 2) * frac : frac;
  const steps = kind === 'all-reduce' ? 2 * (n - 1) : n - 1;
  const ring = factor * transfer + steps * latency;
  if (kind !== 'all-reduce') return ring;
  // Double binary tree (NCCL): the full buffer up and down, 2·log2(n) latency steps — cheaper
  // than the ring's 2(n−1) steps once latency dominates (many members, small buffers).
  return Math.min(ring, 2 * transfer + 2 * Math.ceil(Math.log2(n)) * latency);
}

/** The most square r × c ≤ the mesh that holds n members (r·c = n). */
function meshShape(tier: NetworkTier & { topology: { kind: 'mesh2d'; rows: number; cols: number } }, n: number): [number, number] {
  let best: [number, number] = [1, n];
  for (let r = 1; r * r <= n; r++) {
    if (n % r !== 0) continue;
    const c = n / r;
    const fits = (r <= tier.topology.rows && c <= tier.topology.cols) || (c <= tier.topology.rows && r <= tier.topology.cols);
    if (fits) best = [r, c];
  }
  return best;
}

/** 2D mesh: ring along each row on the full buffer, then along each column on 1/c of it (and the
 * mirror for all-gather); a line ring's steps are single hops, bounded by the edge bandwidth. */
function meshSeconds(tier: NetworkTier, kind: CollectiveKind, bytes: number, n: number, latency: number): number {
  const [r, c] = meshShape(tier as NetworkTier & { topology: { kind: 'mesh2d'; rows: number; cols: number } }, n);
  const line = (members: number, b: number) => (members <= 1 ? 0 : ((members - 1) / members) * transferSeconds(tier, b) + (members - 1) * latency);
  const oneWay = line(c, bytes) + line(r, bytes / c);
  return kind === 'all-reduce' ? 2 * oneWay : oneWay;
}

function hierarchicalSeconds(spec: SystemSpec, kind: CollectiveKind, bytes: number, g: Group): number {
  const tiers = hierarchy(spec);
  const members = membersPerTier(spec, g);
  let seconds = 0;
  let shard = bytes; // what each member still holds that the next tier must combine
  let inner = 1;
  for (let i = 0; i < tiers.length; i++) {
    const n = members[i]! / inner;
    if (n > 1) {
      seconds += phaseSeconds(tiers[i]!, kind, shard, n);
      // After this tier, a hierarchical reduce leaves 1/n of the buffer per member.
      if (kind !== 'all-to-all') shard /= n;
    }
    inner = members[i]!;
  }
  return seconds;
}

export interface CollectiveRoute {
  seconds: number;
  /** 'hierarchy' or the name of the bypass tier that was cheaper. */
  via: string;
  /** Cost over the tier hierarchy, for reports that explain the choice. */
  hierarchySeconds: number;
}

/** Cost of a collective and which route (tier hierarchy or a bypass network) it takes. */
export function collectiveRoute(spec: SystemSpec, kind: CollectiveKind, bytes: number, g: Group): CollectiveRoute {
  if (g.size <= 1 || bytes <= 0) return { seconds: 0, via: 'hierarchy', hierarchySeconds: 0 };
  const hierarchySeconds = hierarchicalSeconds(spec, kind, bytes, g);
  let best: CollectiveRoute = { seconds: hierarchySeconds, via: 'hierarchy', hierarchySeconds };
  for (const t of spec.tiers) {
    if (!t.bypass) continue;
    const s = phaseSeconds(t, kind, bytes, g.size);
    if (s < best.seconds) best = { seconds: s, via: t.name, hierarchySeconds };
  }
  return best;
}

/** Seconds for one collective of `bytes` (the full buffer, as nccl-tests counts size). */
export function collectiveSeconds(spec: SystemSpec, kind: CollectiveKind, bytes: number, g: Group): number {
  return collectiveRoute(spec, kind, bytes, g).seconds;
}

/** Point-to-point send of `bytes` between devices `distance` apart (pipeline neighbours). */
export function p2pSeconds(spec: SystemSpec, bytes: number, distance: number): number {
  if (bytes <= 0) return 0;
  const tiers = hierarchy(spec);
  const tier = tiers.find((t) => t.domainDevices !== undefined && distance < t.domainDevices) ?? tiers[tiers.length - 1]!;
  return transferSeconds(tier, bytes) + tier.latencyUs * 1e-6;
}
