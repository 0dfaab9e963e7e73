// Collective cost over a system's network tiers. A communication group is described by its size
// and the device stride between members (Megatron rank order: tp innermost, then cp, dp, pp), so
// the group's members per tier domain follow from the spec. Collectives run hierarchically:
// reduce-scatter inside the innermost domain, then across the next tier on the remaining shard,
// and mirrored all-gather back. Each tier moves bytes as a ring (or, for all-reduce, a double
// binary tree when that is cheaper) at its bandwidth times the measured efficiency for that
// message size, plus per-step latency.
import { interpolateLogX } from '../../common/interpolate.js';
import type { NetworkTier, SystemSpec } from '../../specs/schema.js';

export type CollectiveKind = 'all-reduce' | 'reduce-scatter' | 'all-gather' | 'all-to-all';

export interface Group {
  size: number;
  /** Device-index distance between consecutive members. */
  stride: number;
}

/** Members of the group inside one domain of each tier, innermost first (last = group size). */
export function membersPerTier(spec: SystemSpec, g: Group): number[] {
  return spec.tiers.map((t) => (t.domainDevices === undefined ? g.size : Math.min(g.size, Math.max(1, Math.floor(t.domainDevices / g.stride)))));
}

function tierTransfer(t: NetworkTier, bytes: number): number {
  const eff = interpolateLogX(t.efficiencyCurve, bytes);
  return bytes / (t.bandwidthGBpsPerDirection * 1e9 * eff);
}

/** Seconds for one collective of `bytes` (the full buffer, as nccl-tests counts size). */
export function collectiveSeconds(spec: SystemSpec, kind: CollectiveKind, bytes: number, g: Group): number {
  if (g.size <= 1 || bytes <= 0) return 0;
  const members = membersPerTier(spec, g);
  let seconds = 0;
  let shard = bytes; // bytes each member still holds that the next tier must combine
  let inner = 1;
  for (let i = 0; i < spec.tiers.length; i++) {
    const tier = spec.tiers[i]!;
    const n = members[i]! / inner;
    if (n > 1) {
      const frac = (n - 1) / n;
      const latency = tier.latencyUs * 1e-6;
      const transfer = tierTransfer(tier, shard);
      // Ring factors: all-reduce = reduce-scatter + all-gather; in-network reduction halves it.
      const factor = kind === 'all-reduce' ? (tier.inNetworkReduction ? 1 : 2) * frac : frac;
      const steps = kind === 'all-reduce' ? 2 * (n - 1) : n - 1;
      let tierSeconds = factor * transfer + steps * latency;
      if (kind === 'all-reduce') {
        // Double binary tree (NCCL): the full buffer up and down, 2·log2(n) latency steps —
        // cheaper than the ring's 2(n−1) steps once latency dominates (many members, small buffers).
        tierSeconds = Math.min(tierSeconds, 2 * transfer + 2 * Math.ceil(Math.log2(n)) * latency);
      }
      seconds += tierSeconds;
      // After this tier, a hierarchical reduce leaves 1/n of the buffer per member.
      if (kind !== 'all-to-all') shard /= n;
    }
    inner = members[i]!;
  }
  return seconds;
}

/** Point-to-point send of `bytes` between devices `distance` apart (pipeline neighbours). */
export function p2pSeconds(spec: SystemSpec, bytes: number, distance: number): number {
  if (bytes <= 0) return 0;
  const tier = spec.tiers.find((t) => t.domainDevices !== undefined && distance < t.domainDevices) ?? spec.tiers[spec.tiers.length - 1]!;
  return tierTransfer(tier, bytes) + tier.latencyUs * 1e-6;
}

