// The generic-system view of Dojo: ONE TRAINING TILE is the "device", so the analytical tier can
// compare a tile, tray, cabinet or ExaPod with GPU nodes. Every figure is built from the hierarchy
// (dojo-hierarchy.ts) with its derivation as the source; mesh routing, SRAM placement and DIP
// traffic are left to the event-driven tier.
import type { SystemSpecInput } from '../schema.js';
import { computeDojoAggregates, defaultDojoHierarchy, DOJO_LEVELS, tilesPerLevel, type DojoAssumptionKey, type DojoHierarchy, type DojoLevel } from './dojo-hierarchy.js';

type TierInput = SystemSpecInput['tiers'][number];

const DESCRIPTIONS: Record<DojoLevel, string> = {
  tile: 'One Tesla Dojo training tile (25 D1 dies, ~9 PF BF16/CFP8) with its share of DIP HBM and hosts.',
  tray: 'One Tesla Dojo system tray: 6 training tiles (2×3) on a tile mesh, with their DIPs and hosts.',
  cabinet: 'One Tesla Dojo cabinet: 2 trays, 12 training tiles, the mesh continuing between trays.',
  exapod: 'A Tesla Dojo ExaPOD: 10 cabinets, 120 training tiles (~1.1 EF BF16/CFP8, 1.3 TB SRAM, 13 TB HBM).',
};
const GENERIC_NOTE =
  ' Generic view: one tile is one device and the mesh is summarised as tiers; per-hop mesh routing, node SRAM placement and DIP traffic are the event-driven tier\'s job.';

/** Short form of a derived number quoted inside a source string. */
const short = (x: number) => Number(x.toFixed(3)).toString();

/** The source of a figure taken straight from a named assumption, saying where to override it. */
const assumed = (h: DojoHierarchy, key: DojoAssumptionKey) => `${h.assumptions.sources[key]} [assumptions.${key}]`;

function meshTiers(h: DojoHierarchy, level: DojoLevel): TierInput[] {
  const agg = computeDojoAggregates(h);
  const a = h.assumptions;
  const tiles = tilesPerLevel(h);
  const edgeDir = agg.tile.edgeBandwidthGBpsPerDirection;
  // A ring step moves data from one tile's centre to the next: one tile width of node hops, and
  // the die boundaries on the way (two inside each tile of a 5-wide grid plus the tile boundary).
  const nodeHops = h.tile.d1Grid[0] * Math.max(...h.d1.nodeGrid);
  const dieCrossings = h.tile.d1Grid[0];
  const stepLatencyUs = (nodeHops * a.meshHopLatencyNs + dieCrossings * a.dieToDieLatencyNs) / 1000;
  const latencySource = `derived: ${nodeHops} mesh hops × meshHopLatencyNs (${a.meshHopLatencyNs}) + ${dieCrossings} die crossings × dieToDieLatencyNs (${a.dieToDieLatencyNs}); both assumptions (no published hop latency)`;
  const curveSource = assumed(h, 'meshEfficiencyCurve');
  const powerSource = 'included in the tile powerW (the mesh runs through the tile\'s own I/O dies)';

  const trayBw = a.collectiveEdgesPerTile * edgeDir;
  const [trayRows, trayCols] = h.tray.tileGrid;
  const trayMesh: TierInput = {
    name: 'tray-mesh',
    domainDevices: tiles.tray,
    topology: { kind: 'mesh2d', rows: trayRows, cols: trayCols },
    bandwidthGBpsPerDirection: trayBw,
    latencyUs: stepLatencyUs,
    efficiencyCurve: a.meshEfficiencyCurve,
    powerWPerDevice: 0,
    sources: {
      domainDevices: 'dojo-facts §5: 6 tiles per tray (2×3), S14/S16 [T]; computed from tray.tileGrid',
      bandwidthGBpsPerDirection: `derived: collectiveEdgesPerTile (${a.collectiveEdgesPerTile}) × ${short(edgeDir)} GB/s per edge per direction (9 TB/s tile edge, S1 [T]; tileEdgeBandwidthIsBidirectional = ${a.tileEdgeBandwidthIsBidirectional})`,
      latencyUs: latencySource,
      efficiencyCurve: curveSource,
      powerWPerDevice: powerSource,
    },
  };
  const zPlane = zPlaneTier(h);
  if (level === 'tile') return [trayMesh];
  if (level === 'tray') return [trayMesh, zPlane];

  const [podRows, podCols] = level === 'exapod' ? a.exapodTileGrid : [trayRows * h.cabinet.traysPerCabinet, trayCols];
  const podMesh: TierInput = {
    name: 'pod-mesh',
    topology: { kind: 'mesh2d', rows: podRows, cols: podCols },
    bandwidthGBpsPerDirection: trayBw * a.interTrayEdgeFraction,
    latencyUs: stepLatencyUs,
    efficiencyCurve: a.meshEfficiencyCurve,
    powerWPerDevice: 0,
    sources: {
      bandwidthGBpsPerDirection: `derived: tray-mesh ${short(trayBw)} GB/s × interTrayEdgeFraction (${a.interTrayEdgeFraction}); a ring across trays is bounded by its tray-boundary links (inter-tray wiring unpublished, dojo-facts §5/§10)`,
      latencyUs: `${latencySource}; cable flight time across trays ignored`,
      efficiencyCurve: curveSource,
      powerWPerDevice: powerSource,
    },
  };
  return [trayMesh, podMesh, zPlane];
}

/** The Z-plane: TTPoE over Ethernet from each tile's DIPs, a flat switched network beside the
 * mesh. Few hops (switch latency) at far lower bandwidth; a collective takes it when cheaper. */
function zPlaneTier(h: DojoHierarchy): TierInput {
  const agg = computeDojoAggregates(h);
  const a = h.assumptions;
  const latencyUs = h.zPlane.endToEndLatencyUs + a.zPlaneSwitchLatencyUs;
  return {
    name: 'z-plane',
    bypass: true,
    bandwidthGBpsPerDirection: agg.tile.dipsPerTile * h.dip.ttpoeGBps,
    latencyUs,
    efficiencyCurve: [[65536, 0.5], [1048576, 0.9], [16777216, 0.977]],
    powerWPerDevice: 0,
    sources: {
      bandwidthGBpsPerDirection: `derived: dipsPerTile (${short(agg.tile.dipsPerTile)}) × ${h.dip.ttpoeGBps} GB/s TTPoE per DIP (S1 [T])`,
      latencyUs: `derived: TTPoE end-to-end ${h.zPlane.endToEndLatencyUs} µs (S11 [P]) + zPlaneSwitchLatencyUs (${a.zPlaneSwitchLatencyUs}, assumption) per step`,
      efficiencyCurve: 'large-message end: 97.65 of 100 Gb/s measured on a TTPoE link (S9 [P from T]); small-message shape an assumption',
      powerWPerDevice: 'included in dipPowerW and hostPowerW',
    },
  };
}

/** The generic SystemSpec input for one level of the hierarchy (validated when registered). */
export function buildDojoSystem(level: DojoLevel, h: DojoHierarchy = defaultDojoHierarchy()): SystemSpecInput {
  const agg = computeDojoAggregates(h);
  const a = h.assumptions;
  const tiles = tilesPerLevel(h);
  const tile = agg.levels.tile;
  const d1PerTile = h.tile.d1Grid[0] * h.tile.d1Grid[1];
  const peakSource = `derived: ${d1PerTile} D1 × ${h.d1.nodesUsable} nodes × ${h.node.matrixFlopsPerCycle} FLOP/cycle × ${h.node.clockGHz} GHz (dojo-facts §1-§3 [T]); Tesla quotes 9 PF per tile. One BF16/CFP8 rate: fp8 is not doubled (§1a); fp16 support is unclear (§10.4) and is listed at the bf16 rate`;
  return {
    name: `dojo-${level}`,
    description: DESCRIPTIONS[level] + GENERIC_NOTE,
    family: 'dojo',
    dojoLevel: level,
    device: {
      name: 'Dojo training tile',
      peakTflops: { bf16: tile.peakTflopsBf16, fp16: tile.peakTflopsBf16, fp8: tile.peakTflopsBf16, fp32: tile.peakTflopsFp32 },
      matmulEfficiencyMax: { bf16: a.matmulEfficiencyMax, fp16: a.matmulEfficiencyMax, fp8: a.matmulEfficiencyMax, fp32: a.matmulEfficiencyMax },
      memoryGB: tile.hbmGB,
      memoryBandwidthGBps: agg.tile.memoryBandwidthGBps,
      memoryEfficiency: a.memoryEfficiency,
      onChipMemoryMB: tile.sramGB * 1000,
      onChipBandwidthGBps: d1PerTile * h.d1.nodesUsable * h.node.sramLoadGBps,
      memoryModes: ['hbm-streaming', 'sram-resident'],
      hostFeedGBps: (a.hostsPerTray * h.hosts.nicGbps) / 8 / tiles.tray,
      tdpW: h.tile.powerW,
      idlePowerW: a.tileIdlePowerW,
      sources: {
        peakTflops: `${peakSource}; fp32 from ${h.node.fp32FlopsPerCycle} FLOP/cycle per node (S6 [T])`,
        matmulEfficiencyMax: assumed(h, 'matmulEfficiencyMax'),
        memoryGB: `derived: dipsPerTile (${short(agg.tile.dipsPerTile)} = dipsPerTray / tiles per tray) × ${h.dip.hbmGB} GB HBM per DIP (S1 [T])`,
        memoryBandwidthGBps: `derived: dipsPerTile × min(HBM ${h.dip.hbmBandwidthGBps}, TTP ${h.dip.ttpGBps}) GB/s per DIP (S1 [T]); HBM sits in the DIPs, reached over TTP`,
        memoryEfficiency: assumed(h, 'memoryEfficiency'),
        onChipMemoryMB: `derived: ${d1PerTile} D1 × ${h.d1.nodesUsable} nodes × ${h.node.sramMB} MB node SRAM (S2/S3 [T]); Tesla quotes 11 GB per tile`,
        onChipBandwidthGBps: `derived: ${d1PerTile} D1 × ${h.d1.nodesUsable} nodes × ${h.node.sramLoadGBps} GB/s SRAM load per node (dojo-facts §1 [U]: unconfirmed)`,
        memoryModes: 'modelling choice (docs/dojo-model.md): SRAM next to compute is the working memory; HBM sits on DIPs behind the tile edges',
        hostFeedGBps: `derived: hostsPerTray (${a.hostsPerTray}, assumption) × ${h.hosts.nicGbps} Gb/s DNIC (S12 [P]) / ${tiles.tray} tiles per tray`,
        tdpW: `${h.tile.sources.powerW}`,
        idlePowerW: assumed(h, 'tileIdlePowerW'),
      },
    },
    devicesPerNode: 1,
    defaultDevices: tiles[level],
    maxDevices: tiles[level],
    tiers: meshTiers(h, level),
    nodeOtherPowerW: agg.tile.otherPowerW,
    nodeRackUnits: a.cabinetRackUnits / tiles.cabinet,
    priceKey: 'dojo-tile',
    sources: {
      devicesPerNode: 'modelling choice: a tile is the unit bought, powered and priced (price key dojo-tile)',
      defaultDevices: `derived: tiles in one ${level} (dojo-facts §5, S14/S16/S19 [T])`,
      maxDevices: `derived: tiles in one ${level}; no tier beyond the ExaPod mesh is modelled (the Z-plane is left to the event-driven tier)`,
      nodeOtherPowerW: `derived: dipsPerTile × dipPowerW (${a.dipPowerW}) + hostsPerTray (${a.hostsPerTray}) × hostPowerW (${a.hostPowerW}) / tiles per tray; all assumptions`,
      nodeRackUnits: `derived: cabinetRackUnits (${a.cabinetRackUnits}, assumption) / ${tiles.cabinet} tiles per cabinet`,
    },
  };
}

/** The built-in Dojo presets, one per level, from the default hierarchy. */
export function dojoSystemPresets(h: DojoHierarchy = defaultDojoHierarchy()): SystemSpecInput[] {
  return DOJO_LEVELS.map((level) => buildDojoSystem(level, h));
}
