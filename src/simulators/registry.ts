// Every simulator tier, registered explicitly: adding a tier is one folder exporting a
// StepSimulator and one line here (recipe in docs/layout.md).
import { analyticalSimulator } from './analytical/index.js';
import { eventSimulator } from './event/index.js';
import type { SimulationOptions, SimulationResult, StepSimulator } from './simulator.js';

export const SIMULATORS = {
  analytical: analyticalSimulator,
  event: eventSimulator,
} as const;

export type TierName = keyof typeof SIMULATORS;
/** A tier's options (the shared SimulationOptions plus its own). */
export type TierOptions<T extends TierName> = Parameters<(typeof SIMULATORS)[T]['simulate']>[3];
/** A tier's result (a StepReport plus what only that tier shows). */
export type TierResult<T extends TierName> = ReturnType<(typeof SIMULATORS)[T]['simulate']>;

export const TIER_NAMES = Object.keys(SIMULATORS) as TierName[];

export function isTierName(name: string): name is TierName {
  return Object.hasOwn(SIMULATORS, name);
}

export function getSimulator<T extends TierName>(tier: T): StepSimulator<TierOptions<T> & SimulationOptions, TierResult<T> & SimulationResult> {
  return SIMULATORS[tier] as unknown as StepSimulator<TierOptions<T> & SimulationOptions, TierResult<T> & SimulationResult>;
}
