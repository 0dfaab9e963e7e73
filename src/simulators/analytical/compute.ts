// Per-op device time: a roofline between the matmul rate (best-shape efficiency × shape factor)
// and streaming memory bandwidth, plus a fixed per-kernel overhead.
import type { DeviceSpec, MemoryMode, Precision } from '../../specs/schema.js';
import { MEMORY_MODE_MODELS } from '../../planner/memory-modes.js';
import type { MatmulShape } from '../../workloads/graph.js';
import type { Efficiency } from './efficiency.js';

export interface DeviceRates {
  /** FLOP/s at best shape for the plan's precision. */
  matmulFlops: number;
  /** Achievable streaming bytes/s for framework elementwise kernels. */
  elementwiseBytes: number;
  /** Achievable bytes/s for matmul operand traffic. */
  matmulBytes: number;
  overheadS: number;
  halfDim: number;
  /** Bytes per matmul operand element at this precision. */
  operandBytes: number;
  /** Achievable bytes/s of fused optimizer kernels (multi-tensor streaming). */
  optimizerBytes: number;
}


/** Rates for a memory mode: working data comes from off-chip memory ('device') or from on-chip
 * SRAM (Dojo modes); the optimizer streams state from wherever the state lives. */
export function deviceRates(device: DeviceSpec, precision: Precision, eff: Efficiency, mode: MemoryMode = 'device'): DeviceRates {
  const peak = device.peakTflops[precision] ?? 0;
  const best = device.matmulEfficiencyMax[precision] ?? 0;
  const offChip = device.memoryBandwidthGBps * 1e9 * device.memoryEfficiency;
  const onChip = (device.onChipBandwidthGBps ?? device.memoryBandwidthGBps) * 1e9 * device.memoryEfficiency;
  const memory = { 'off-chip': offChip, 'on-chip': onChip };
  const model = MEMORY_MODE_MODELS[mode];
  const working = memory[model.workingMemory];
  return {
    matmulFlops: peak * 1e12 * best * eff.matmulFrameworkFactor,
    elementwiseBytes: working * eff.elementwiseFactor,
    matmulBytes: working,
    overheadS: eff.kernelOverheadUs * 1e-6,
    halfDim: eff.matmulHalfDim,
    operandBytes: precision === 'fp8' ? 1 : 2,
    optimizerBytes: memory[model.optimizerMemory],
  };
}

/** Seconds for `batch` matmuls of m×k by k×n on one device. */
export function matmulSeconds(r: DeviceRates, m: number, n: number, k: number, batch: number): number {
  const flops = 2 * m * n * k * batch;
  const bytes = r.operandBytes * batch * (m * k + k * n) + 2 * batch * m * n;
  return Math.max(flops / (r.matmulFlops * shapeFactor(r, m, n, k)), bytes / r.matmulBytes) + r.overheadS;
}

/** A matmul dimension d reaches d/(d + halfDim) of the best-shape rate. */
function shapeFactor(r: DeviceRates, m: number, n: number, k: number): number {
  return (m / (m + r.halfDim)) * (n / (n + r.halfDim)) * (k / (k + r.halfDim));
}

/** Seconds for a fused matmul-like kernel that moves only `ioBytes` (e.g. FlashAttention). */
export function fusedKernelSeconds(r: DeviceRates, m: number, n: number, k: number, batch: number, kernel: { efficiency: number; flopsFraction: number }, ioBytes: number): number {
  const flops = 2 * m * n * k * batch * kernel.flopsFraction;
  return Math.max(flops / (r.matmulFlops * kernel.efficiency * shapeFactor(r, m, n, k)), ioBytes / r.matmulBytes) + r.overheadS;
}

export function streamSeconds(r: DeviceRates, bytes: number): number {
  return bytes > 0 ? bytes / r.elementwiseBytes + r.overheadS : 0;
}

/** The per-device shape of a matmul for a micro-batch under TP/CP (dimension tpDim divided by tp). */
export function shardedShape(s: MatmulShape, microBatch: number, tp: number, cp: number): [number, number, number, number] {
  let { m, n, k, batch } = s;
  m = (m * microBatch) / cp;
  if (s.tpDim === 'm') m /= tp;
  else if (s.tpDim === 'n') n /= tp;
  else if (s.tpDim === 'k') k /= tp;
  else if (s.tpDim === 'batch') batch /= tp;
  return [m, n, k, batch];
}
