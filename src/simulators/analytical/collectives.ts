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

export type { CollectiveKind } from '../../workloads/graph.js';
import type { CollectiveKind } from '../../workloads/graph.js';

export type { Group } from '../../planner/axes.js';
import type { Group } from '../../planner/axes.js';

const hierarchy = (spec: SystemSpec): NetworkTier[] => spec.tiers.filter((t) => !t.bypass);

/** Members of the group inside one domain of each hierarchy tier, innermost first (last = group size). */
export function membersPerTier(spec: SystemSpec, g: Group): number[] {
  return hierarchy(spec).map((t) => (t.domainDevices === undefined ? g.size : Math.min(g.size, Math.max(1, Math.floor(t.domainDevices / g.stride)))));
}

function transferSeconds(t: NetworkTier, bytes: number): number {
  return bytes / (t.bandwidthGBpsPerDirection * 1e9 * interpolateLogX(t.efficiencyCurve, bytes));
}

/** How a network topology moves a collective's bytes: one phase of `n` members of one tier,
 * each holding `bytes` (for all-to-all: each member's whole send buffer, a 1/n chunk per peer).
 * Chosen by the tier's `topology.kind` in TOPOLOGIES, never by comparing kinds elsewhere. */
interface TopologyModel {
  phaseSeconds(tier: NetworkTier, kind: CollectiveKind, bytes: number, n: number): number;
}

/** Switched tier: every member reaches every other in one step. Reductions and gathers run as a
 * ring (all-reduce also as a double binary tree when cheaper); all-to-all as a pairwise exchange
 * where each member sends (n−1)/n of its buffer through its own port, one peer per step. */
const switched: TopologyModel = {
  phaseSeconds(tier, kind, bytes, n) {
    const latency = tier.latencyUs * 1e-6;
    const frac = (n - 1) / n;
    const transfer = transferSeconds(tier, bytes);
    if (kind === 'all-to-all') return frac * transfer + (n - 1) * latency;
    // Ring factors: all-reduce = reduce-scatter + all-gather; in-network reduction halves it.
    const factor = kind === 'all-reduce' ? (tier.inNetworkReduction ? 1 : 2) * frac : frac;
    const steps = kind === 'all-reduce' ? 2 * (n - 1) : n - 1;
    const ring = factor * transfer + steps * latency;
    if (kind !== 'all-reduce') return ring;
    // Double binary tree (NCCL): the full buffer up and down, 2·log2(n) latency steps — cheaper
    // than the ring's 2(n−1) steps once latency dominates (many members, small buffers).
    return Math.min(ring, 2 * transfer + 2 * Math.ceil(Math.log2(n)) * latency);
  },
};

type MeshTier = NetworkTier & { topology: { kind: 'mesh2d'; rows: number; cols: number } };

/** The most square r × c ≤ the mesh that holds n members (r·c = n). */
function meshShape(tier: MeshTier, n: number): [number, number] {
  let best: [number, number] = [1, n];
  for (let r = 1; r * r <= n; r++) {
    if (n % r !== 0) continue;
    const c = n / r;
    const fits = (r <= tier.topology.rows && c <= tier.topology.cols) || (c <= tier.topology.rows && r <= tier.topology.cols);
    if (fits) best = [r, c];
  }
  return best;
}

/** 2D mesh: decompose by rows, then columns. Reductions and gathers: a ring along each row on the
 * full buffer, then along each column on 1/c of it (mirrored for all-gather), single-hop steps
 * bounded by the edge bandwidth. All-to-all: along rows then columns on the full buffer (each
 * member keeps its buffer size), bounded by the line's middle link, which carries
 * ⌊n/2⌋·⌈n/2⌉/n buffers per direction (every member left of it sends that share rightwards). */
const mesh2d: TopologyModel = {
  phaseSeconds(tier, kind, bytes, n) {
    const latency = tier.latencyUs * 1e-6;
    const [r, c] = meshShape(tier as MeshTier, n);
    if (kind === 'all-to-all') {
      const line = (members: number) => (members <= 1 ? 0 : ((Math.floor(members / 2) * Math.ceil(members / 2)) / members) * transferSeconds(tier, bytes) + (members - 1) * latency);
      return line(c) + line(r);
    }
    const line = (members: number, b: number) => (members <= 1 ? 0 : ((members - 1) / members) * transferSeconds(tier, b) + (members - 1) * latency);
    const oneWay = line(c, bytes) + line(r, bytes / c);
    return kind === 'all-reduce' ? 2 * oneWay : oneWay;
  },
};

/** The one table from a tier's topology kind to how it prices collectives. */
const TOPOLOGIES: Record<NetworkTier['topology']['kind'], TopologyModel> = { switch: switched, mesh2d };

/** One phase of `n` members on one tier, each holding `bytes`. */
function phaseSeconds(tier: NetworkTier, kind: CollectiveKind, bytes: number, n: number): number {
  if (n <= 1 || bytes <= 0) return 0;
  return TOPOLOGIES[tier.topology.kind].phaseSeconds(tier, kind, bytes, n);
}

export interface CollectivePhase {
  /** Index into spec.tiers. */
  tier: number;
  /** Members this phase combines (group members per domain of this tier / of the tier inside it). */
  members: number;
  /** What each member holds in this phase. */
  bytes: number;
  seconds: number;
}

/** A collective over the tier hierarchy as phases, innermost tier first. Reductions and gathers
 * shrink the shard by the members of each phase; all-to-all is hierarchical too: at tier i the
 * m_i group members of a domain exchange, each sending (m_i − m_{i−1})/N of its buffer across
 * that tier, i.e. an all-to-all of m_i/m_{i−1} members on a buffer of B·m_i/N. */
export function hierarchyPhases(spec: SystemSpec, kind: CollectiveKind, bytes: number, g: Group): CollectivePhase[] {
  const tiers = hierarchy(spec);
  const members = membersPerTier(spec, g);
  const phases: CollectivePhase[] = [];
  let shard = bytes; // what each member still holds that the next tier must combine
  let inner = 1;
  for (let i = 0; i < tiers.length; i++) {
    const n = members[i]! / inner;
    if (n > 1) {
      const held = kind === 'all-to-all' ? (bytes * members[i]!) / g.size : shard;
      phases.push({ tier: spec.tiers.indexOf(tiers[i]!), members: n, bytes: held, seconds: phaseSeconds(tiers[i]!, kind, held, n) });
      // After this tier, a hierarchical reduce leaves 1/n of the buffer per member.
      if (kind !== 'all-to-all') shard /= n;
    }
    inner = members[i]!;
  }
  return phases;
}

function hierarchicalSeconds(spec: SystemSpec, kind: CollectiveKind, bytes: number, g: Group): number {
  let seconds = 0;
  for (const p of hierarchyPhases(spec, kind, bytes, g)) seconds += p.seconds;
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
