// Software-side efficiencies shared by every scenario: how close real kernels get to the
// device's measured best (matmul microbenchmark, streaming bandwidth). One set for all rows of
// the calibration; see docs/how-the-model-works.md for how each was chosen.
import { z } from 'zod';

export const EfficiencySchema = z
  .object({
    /** Fixed cost per kernel launch (launch + tail), in µs. */
    kernelOverheadUs: z.number().nonnegative(),
    /** A matmul dimension d reaches d/(d + halfDim) of the best-shape rate (tile quantization). */
    matmulHalfDim: z.number().nonnegative(),
    /** Fraction of the best-shape rate that framework matmuls on real shapes reach. */
    matmulFrameworkFactor: z.number().gt(0).lte(1),
    /** Fraction of achievable streaming bandwidth that elementwise/normalization kernels reach. */
    elementwiseFactor: z.number().gt(0).lte(1),
    /** Device-memory traffic per parameter of one optimizer step (Adam, mixed precision: read and
     * write master weights and moments, read gradients, write weights), which sets its time.
     * Not the state it keeps (memory-settings.json, optimizerStateBytesPerParam = 12). */
    optimizerBytesPerParam: z.number().nonnegative(),
    /** Fraction of a gradient reduction that stays exposed even when overlapped (last bucket). */
    gradReduceTailFraction: z.number().min(0).max(1),
  })
  .strict();

export type Efficiency = z.output<typeof EfficiencySchema>;

// Chosen once, for every scenario, by a bounded grid search over physically plausible ranges
// against the Megatron-LM 2021 / Korthikanti 2022 rows (docs/how-the-model-works.md, "Calibration").
export const DEFAULT_EFFICIENCY: Efficiency = {
  kernelOverheadUs: 2,
  matmulHalfDim: 32,
  matmulFrameworkFactor: 0.96,
  elementwiseFactor: 0.5,
  optimizerBytesPerParam: 32,
  gradReduceTailFraction: 0.05,
};
