// The event-driven tier as a StepSimulator: tasks on resources (see simulate.ts).
import type { StepSimulator } from '../simulator.js';
import { simulateStepEvents, type EventOptions, type EventStepResult } from './simulate.js';

export const eventSimulator: StepSimulator<EventOptions, EventStepResult> = {
  name: 'event',
  description: 'tasks on resources: overlap, link and memory-port contention, per-resource utilization, Perfetto traces',
  needs: 'the same inputs as the analytical tier (it reuses its block times), plus trace options',
  simulate: simulateStepEvents,
};
