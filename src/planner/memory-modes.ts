// Memory modes as strategy objects, chosen in one table: where a device keeps training state and
// activations, what capacity it may use, what it streams from off-chip memory, and which memory
// its kernels and optimizer read. The memory model, the compute rates, block streams and the
// reports read these fields; none of them compares mode names. Background: docs/dojo-model.md.
import type { MemoryMode } from '../specs/schema.js';

export type MemoryPlace = 'off-chip' | 'on-chip';

export interface MemoryModeModel {
  /** Capacity [off-chip, on-chip] the mode may fill, given the device's capacities. */
  limits(offChipCapacity: number, onChipCapacity: number): readonly [number, number];
  /** Workspace per device: library workspaces (GPUs) or the double buffer for streamed weights. */
  workspaceBytes(libraryWorkspaceBytes: number, streamStagingBytes: () => number): number;
  /** Activations that do not fit on chip and go off chip (written in forward, read in backward). */
  spilledActivationBytes(activationsBytes: number, workspaceBytes: number, onChipCapacity: number): number;
  /** Where the bytes sit: [off-chip, on-chip]. */
  place(b: { totalBytes: number; stateBytes: number; activationsBytes: number; spilledActivationBytes: number; workspaceBytes: number }): [number, number];
  /** Each layer's weights stream in from off-chip memory per micro-batch. */
  streamsWeights: boolean;
  /** Memory that kernels read their operands from, and that the optimizer streams state from. */
  workingMemory: MemoryPlace;
  optimizerMemory: MemoryPlace;
  /** What the mode means, for report notes; absent for the ordinary GPU mode. */
  why?: string;
}

/** The one table from a plan's memory mode to its behaviour. */
export const MEMORY_MODE_MODELS: Record<MemoryMode, MemoryModeModel> = {
  // GPUs: everything in HBM; on-chip SRAM is cache, not a place to plan for.
  device: {
    limits: (off) => [off, Infinity],
    workspaceBytes: (library) => library,
    spilledActivationBytes: () => 0,
    place: (b) => [b.totalBytes, 0],
    streamsWeights: false,
    workingMemory: 'off-chip',
    optimizerMemory: 'off-chip',
  },
  // A statically compiled on-chip program plans its SRAM exactly: no workspace.
  'sram-resident': {
    limits: (_off, on) => [0, on],
    workspaceBytes: () => 0,
    spilledActivationBytes: () => 0,
    place: (b) => [0, b.totalBytes],
    streamsWeights: false,
    workingMemory: 'on-chip',
    optimizerMemory: 'on-chip',
    why: 'weights, optimizer state and activations all live in on-chip SRAM; nothing is streamed',
  },
  // State in off-chip memory, weights streamed per micro-batch through a double buffer;
  // activations stay on chip while they fit and spill the rest.
  'hbm-streaming': {
    limits: (off, on) => [off, on],
    workspaceBytes: (_library, staging) => staging(),
    spilledActivationBytes: (act, ws, on) => Math.min(act, Math.max(0, act + ws - on)),
    place: (b) => [b.stateBytes + b.spilledActivationBytes, b.activationsBytes - b.spilledActivationBytes + b.workspaceBytes],
    streamsWeights: true,
    workingMemory: 'on-chip',
    optimizerMemory: 'off-chip',
    why: "state lives in off-chip memory and each layer's weights stream in per micro-batch; activations stay on chip",
  },
};
