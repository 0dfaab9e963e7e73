// How the event tier places a collective or a pipeline send on the system's network tiers: the
// per-tier phases of a collective (summing to the analytical tier's collectiveSeconds) and the
// tier a point-to-point send uses.
import type { SystemSpec } from '../../specs/schema.js';
import { collectiveRoute, hierarchyPhases, type CollectiveKind, type Group } from '../analytical/collectives.js';

/** A collective as per-tier phases (innermost first, indices into spec.tiers) whose seconds sum
 * to collectiveSeconds: one phase per hierarchy tier the group spans, or a single phase on a
 * bypass network (Dojo's Z-plane) when that route is cheaper. */
export function collectivePhases(spec: SystemSpec, kind: CollectiveKind, bytes: number, g: Group): { tier: number; seconds: number }[] {
  if (g.size <= 1 || bytes <= 0) return [];
  const route = collectiveRoute(spec, kind, bytes, g);
  if (route.via !== 'hierarchy') return [{ tier: spec.tiers.findIndex((t) => t.name === route.via), seconds: route.seconds }];
  return hierarchyPhases(spec, kind, bytes, g).map(({ tier, seconds }) => ({ tier, seconds }));
}

/** The tier a point-to-point send between devices `distance` apart uses (as p2pSeconds picks it). */
export function p2pTier(spec: SystemSpec, distance: number): number {
  const hierarchy = spec.tiers.filter((t) => !t.bypass);
  const tier = hierarchy.find((t) => t.domainDevices !== undefined && distance < t.domainDevices) ?? hierarchy[hierarchy.length - 1]!;
  return spec.tiers.indexOf(tier);
}
