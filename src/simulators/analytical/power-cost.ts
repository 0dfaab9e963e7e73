// Power from component figures and utilization; energy per step; cost from the price sheet
// (amortized capital + energy when owned, node-hour rate when rented).
import { amortizedCapexUsdPerSecond, systemPrice, type PriceSheet } from '../../specs/prices.js';
import type { SystemInstance } from '../../specs/schema.js';
import type { CostReport, FootprintReport, PowerReport, RunReport } from '../report.js';

/** How much training a run is: exactly one of tokens, samples or steps. */
export type TrainingAmount = { tokens: number } | { samples: number } | { steps: number };

export interface PowerCostInput {
  sys: SystemInstance;
  prices: PriceSheet;
  stepSeconds: number;
  /** Compute share of the step, 0..1. */
  utilization: number;
  samplesPerStep: number;
  /** Tokens per sample for language models; 1 otherwise (units are then samples). */
  tokensPerSample: number;
  training?: TrainingAmount;
}

export function powerAndCost({ sys, prices, stepSeconds, utilization, samplesPerStep, tokensPerSample, training }: PowerCostInput): { power: PowerReport; cost: CostReport; footprint: FootprintReport; run?: RunReport } {
  const { spec, devices } = sys;
  const unitsPerStep = samplesPerStep * tokensPerSample;
  const d = spec.device;
  const u = Math.min(1, Math.max(0, utilization));
  const devicePowerW = d.idlePowerW + (d.tdpW - d.idlePowerW) * u;
  const nodes = Math.ceil(devices / spec.devicesPerNode);
  const networkW = spec.tiers.reduce((a, t) => a + t.powerWPerDevice, 0) * devices;
  const itPowerW = devicePowerW * devices + spec.nodeOtherPowerW * nodes + networkW;
  const facilityPowerW = itPowerW * prices.pue;
  const energyPerStepJ = facilityPowerW * stepSeconds;

  const price = systemPrice(prices, spec);
  const energyUsdPerSecond = (facilityPowerW / 1000 / 3600) * prices.energyUsdPerKWh;
  const ownedUsdPerSecond = price ? amortizedCapexUsdPerSecond(price, nodes, prices) + energyUsdPerSecond : energyUsdPerSecond;
  const useCloud = prices.costBasis === 'cloud' && price?.cloudUsdPerNodeHour !== undefined;
  const usdPerSecond = useCloud ? (price!.cloudUsdPerNodeHour! * nodes) / 3600 : ownedUsdPerSecond;
  const cost: CostReport = {
    basis: useCloud ? 'cloud' : 'owned',
    systemPriced: price !== undefined,
    costPerStepUsd: usdPerSecond * stepSeconds,
    costPerHourUsd: usdPerSecond * 3600,
    costPerMillionUnitsUsd: (usdPerSecond * stepSeconds * 1e6) / unitsPerStep,
  };
  const power: PowerReport = { deviceUtilization: u, devicePowerW, itPowerW, facilityPowerW, energyPerStepJ };
  const racks = (nodes * spec.nodeRackUnits) / 42;
  const footprint: FootprintReport = { racks, floorM2: racks * prices.floorM2PerRack };
  if (!training) return { power, cost, footprint };
  const steps = Math.ceil(
    'steps' in training ? training.steps : 'samples' in training ? training.samples / samplesPerStep : training.tokens / (samplesPerStep * tokensPerSample),
  );
  const run: RunReport = {
    steps,
    wallClockSeconds: steps * stepSeconds,
    energyKWh: (steps * energyPerStepJ) / 3.6e6,
    costUsd: steps * cost.costPerStepUsd,
  };
  return { power, cost, footprint, run };
}
