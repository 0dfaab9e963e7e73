// The Tesla Dojo hierarchy (node → D1 → tile → tray → cabinet → ExaPod, plus DIPs, Z-plane and
// hosts) as validated data. Only the parts are typed in (dojo-hierarchy.json); every aggregate
// (a tile's peak, an ExaPod's HBM) is computed here, so a changed part or assumption flows through.
import { z } from 'zod';
import { InputError, issue } from '../../common/errors.js';
import { parseOrThrow } from '../../common/zod-issues.js';
import rawHierarchy from './dojo-hierarchy.json' with { type: 'json' };

const positive = z.number().positive();
const count = z.number().int().positive();
const fraction = z.number().gt(0).lte(1);
const grid = z.tuple([count, count]);

/** A strict section whose `sources` map must cite every figure it holds, and nothing else. */
function section<T extends z.ZodRawShape>(shape: T) {
  return z
    .object({ ...shape, sources: z.record(z.string(), z.string()) })
    .strict()
    .superRefine((v, ctx) => {
      // The generic shape hides `sources` from TypeScript; the object schema above guarantees it.
      const sources = (v as { sources: Record<string, string> }).sources;
      for (const key of Object.keys(shape)) {
        if (!(key in sources)) ctx.addIssue({ code: 'custom', path: ['sources', key], message: 'missing: every figure needs a source (citation or "assumption: …")' });
      }
      for (const key of Object.keys(sources)) {
        if (!(key in shape)) ctx.addIssue({ code: 'custom', path: ['sources', key], message: `source for unknown key; allowed: ${Object.keys(shape).join(', ')}` });
      }
    });
}

const assumptionShape = {
  dipsPerTray: positive,
  tileEdgeBandwidthIsBidirectional: z.boolean(),
  collectiveEdgesPerTile: z.number().int().min(1).max(4),
  interTrayEdgeFraction: fraction,
  meshHopLatencyNs: z.number().nonnegative(),
  dieToDieLatencyNs: z.number().nonnegative(),
  zPlaneSwitchLatencyUs: z.number().nonnegative(),
  matmulEfficiencyMax: fraction,
  memoryEfficiency: fraction,
  /** [message bytes, efficiency] pairs, strictly increasing in size (same rule as SystemSchema). */
  meshEfficiencyCurve: z
    .array(z.tuple([positive, fraction]))
    .min(1)
    .refine((c) => c.every((p, i) => i === 0 || p[0] > c[i - 1]![0]), 'points must be sorted by strictly increasing message size'),
  hostsPerTray: z.number().int().nonnegative(),
  exapodTileGrid: grid,
  dipPowerW: z.number().nonnegative(),
  hostPowerW: z.number().nonnegative(),
  tileIdlePowerW: z.number().nonnegative(),
  cabinetRackUnits: positive,
};
export type DojoAssumptionKey = keyof typeof assumptionShape;
export const DOJO_ASSUMPTION_KEYS = Object.keys(assumptionShape) as DojoAssumptionKey[];

export const DojoHierarchySchema = z
  .object({
    node: section({
      clockGHz: positive,
      matrixFlopsPerCycle: positive,
      fp32FlopsPerCycle: positive,
      sramMB: positive,
      sramLoadGBps: positive,
      sramStoreGBps: positive,
      meshLinkGBpsPerDirection: positive,
      meshLinksPerNode: count,
      smtThreads: count,
    }),
    d1: section({
      nodesUsable: count,
      nodeGrid: grid,
      tdpW: positive,
      offDieBandwidthGBpsPerEdge: positive,
      onDieBisectionGBps: positive,
      dieAreaMm2: positive,
      transistorsBillion: positive,
      serdesLanes: count,
      serdesLaneGbps: positive,
    }),
    tile: section({ d1Grid: grid, ioDies: count, edgeBandwidthGBps: positive, bisectionGBps: positive, powerW: positive, supplyV: positive }),
    dip: section({ hbmGB: positive, hbmBandwidthGBps: positive, ttpGBps: positive, ttpoeGBps: positive, pcieGBps: positive, dipsPerEdgeGroup: count }),
    tray: section({ tileGrid: grid, powerW: positive, massKg: positive }),
    cabinet: section({ traysPerCabinet: count }),
    exapod: section({ cabinets: count }),
    zPlane: section({
      transport: z.string().min(1),
      endToEndLatencyUs: positive,
      measuredThroughputGbps: positive,
      maxFrameBytes: count,
      virtualChannels: count,
      meshHopsAcrossPod: count,
      zPlaneHopsAcrossPod: count,
    }),
    hosts: section({ nicGbps: positive, dnicRamGB: positive }),
    assumptions: section(assumptionShape),
  })
  .strict()
  .superRefine((h, ctx) => {
    // Assumptions must say they are assumptions (or user overrides), so no guess passes as a fact.
    for (const [key, text] of Object.entries(h.assumptions.sources)) {
      if (!/^(assumption|override):/.test(text)) {
        ctx.addIssue({ code: 'custom', path: ['assumptions', 'sources', key], message: 'must start with "assumption:" or "override:"' });
      }
    }
    if (h.d1.nodesUsable > h.d1.nodeGrid[0] * h.d1.nodeGrid[1]) {
      ctx.addIssue({ code: 'custom', path: ['d1', 'nodesUsable'], message: `must be ≤ the node grid (${h.d1.nodeGrid.join('×')})` });
    }
    const [rows, cols] = h.assumptions.exapodTileGrid;
    const [trayRows, trayCols] = h.tray.tileGrid;
    const tiles = trayRows * trayCols * h.cabinet.traysPerCabinet * h.exapod.cabinets;
    const tiledBy = (r: number, c: number) => rows % r === 0 && cols % c === 0;
    if (rows * cols !== tiles) {
      ctx.addIssue({ code: 'custom', path: ['assumptions', 'exapodTileGrid'], message: `must hold the ExaPod's ${tiles} tiles (got ${rows}×${cols} = ${rows * cols})` });
    } else if (!tiledBy(trayRows, trayCols) && !tiledBy(trayCols, trayRows)) {
      ctx.addIssue({ code: 'custom', path: ['assumptions', 'exapodTileGrid'], message: `must be a whole number of ${trayRows}×${trayCols} trays` });
    }
  });

export type DojoHierarchy = z.output<typeof DojoHierarchySchema>;
export type DojoAssumptions = DojoHierarchy['assumptions'];

const builtin: DojoHierarchy = parseOrThrow(DojoHierarchySchema, rawHierarchy, 'src/specs/dojo/dojo-hierarchy.json');

export function defaultDojoHierarchy(): DojoHierarchy {
  return builtin;
}

/**
 * A new hierarchy with assumption overrides applied and validated. Unknown keys and bad values
 * throw an InputError naming the key; the source of an overridden value records the override.
 */
export function withDojoAssumptions(h: DojoHierarchy, overrides: Readonly<Record<string, unknown>>): DojoHierarchy {
  const allowed: readonly string[] = DOJO_ASSUMPTION_KEYS;
  const unknown = Object.keys(overrides).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new InputError(
      'dojo assumptions',
      unknown.map((k) => issue(`assumptions.${k}`, `unknown assumption "${k}"; allowed: ${allowed.join(', ')}`)),
    );
  }
  const sources = { ...h.assumptions.sources };
  for (const key of Object.keys(overrides)) {
    sources[key] = `override: set by the user (was ${JSON.stringify(h.assumptions[key as DojoAssumptionKey])})`;
  }
  return parseOrThrow(DojoHierarchySchema, { ...h, assumptions: { ...h.assumptions, ...overrides, sources } }, 'dojo assumptions');
}

/** Totals for one level of the hierarchy, all computed from the per-tile figures. */
export interface DojoLevelAggregate {
  tiles: number;
  d1s: number;
  nodes: number;
  dips: number;
  peakTflopsBf16: number;
  peakTflopsFp32: number;
  sramGB: number;
  hbmGB: number;
  /** Tiles plus their DIPs and hosts at load. */
  powerW: number;
}

import { DOJO_LEVELS, type DojoLevel } from '../schema.js';
export { DOJO_LEVELS, type DojoLevel };

export interface DojoAggregates {
  node: { peakTflopsBf16: number; peakTflopsFp32: number };
  d1: { peakTflopsBf16: number; peakTflopsFp32: number; sramMB: number };
  levels: Record<DojoLevel, DojoLevelAggregate>;
  tile: {
    dipsPerTile: number;
    /** dipsPerTile × min(HBM, TTP): a DIP cannot deliver more than its HBM or its link allows. */
    memoryBandwidthGBps: number;
    /** Four edges of 9 TB/s (Tesla quotes 36 TB/s). */
    offTileBandwidthGBps: number;
    edgeBandwidthGBpsPerDirection: number;
    /** The tile's share of DIP and host power. */
    otherPowerW: number;
  };
}

export function tilesPerLevel(h: DojoHierarchy): Record<DojoLevel, number> {
  const tray = h.tray.tileGrid[0] * h.tray.tileGrid[1];
  const cabinet = tray * h.cabinet.traysPerCabinet;
  return { tile: 1, tray, cabinet, exapod: cabinet * h.exapod.cabinets };
}

export function computeDojoAggregates(h: DojoHierarchy): DojoAggregates {
  const { node, d1, tile, dip, assumptions: a } = h;
  const tiles = tilesPerLevel(h);
  const nodeTflops = (flopsPerCycle: number) => (flopsPerCycle * node.clockGHz) / 1000;
  const nodePeak = { peakTflopsBf16: nodeTflops(node.matrixFlopsPerCycle), peakTflopsFp32: nodeTflops(node.fp32FlopsPerCycle) };
  const d1Agg = {
    peakTflopsBf16: d1.nodesUsable * nodePeak.peakTflopsBf16,
    peakTflopsFp32: d1.nodesUsable * nodePeak.peakTflopsFp32,
    sramMB: d1.nodesUsable * node.sramMB,
  };
  const d1PerTile = tile.d1Grid[0] * tile.d1Grid[1];
  const dipsPerTile = a.dipsPerTray / tiles.tray;
  const otherPowerW = dipsPerTile * a.dipPowerW + (a.hostsPerTray * a.hostPowerW) / tiles.tray;

  const level = (n: number): DojoLevelAggregate => ({
    tiles: n,
    d1s: n * d1PerTile,
    nodes: n * d1PerTile * d1.nodesUsable,
    dips: n * dipsPerTile,
    peakTflopsBf16: n * d1PerTile * d1Agg.peakTflopsBf16,
    peakTflopsFp32: n * d1PerTile * d1Agg.peakTflopsFp32,
    sramGB: (n * d1PerTile * d1Agg.sramMB) / 1000,
    hbmGB: n * dipsPerTile * dip.hbmGB,
    powerW: n * (tile.powerW + otherPowerW),
  });
  const levels = Object.fromEntries(DOJO_LEVELS.map((l) => [l, level(tiles[l])])) as Record<DojoLevel, DojoLevelAggregate>;

  return {
    node: nodePeak,
    d1: d1Agg,
    levels,
    tile: {
      dipsPerTile,
      memoryBandwidthGBps: dipsPerTile * Math.min(dip.hbmBandwidthGBps, dip.ttpGBps),
      offTileBandwidthGBps: 4 * tile.edgeBandwidthGBps,
      edgeBandwidthGBpsPerDirection: a.tileEdgeBandwidthIsBidirectional ? tile.edgeBandwidthGBps / 2 : tile.edgeBandwidthGBps,
      otherPowerW,
    },
  };
}
