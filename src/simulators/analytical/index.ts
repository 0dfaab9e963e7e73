// The analytical tier as a StepSimulator: closed-form step time (see step.ts).
import type { SimulationOptions, SimulationResult, StepSimulator } from '../simulator.js';
import { simulateStep } from './step.js';

export const analyticalSimulator: StepSimulator<SimulationOptions, SimulationResult> = {
  name: 'analytical',
  description: 'closed forms: per-block roofline times, 1F1B pipeline, collectives over network tiers',
  needs: 'workload ops (FLOPs, bytes, communication), plan, system spec, efficiency curves, prices',
  simulate: (g, plan, sys, opts) => ({ report: simulateStep(g, plan, sys, opts) }),
};
