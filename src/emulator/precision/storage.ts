// Rounds FP32 tensors to their storage format in place (encode then decode, so the runtime keeps
// computing on FP32 values that are exactly what the format holds) and keeps, per named tensor,
// the running maximum, the bias in use and the over/underflow counts the emulator reports.
import { roundToBf16 } from '../numerics/bf16.js';
import { createStream, type RandomStream } from '../numerics/counter-rng.js';
import { CFLOAT_LAYOUTS, type CFloatLayoutName } from '../numerics/formats.js';
import { decodeMinifloat, encodeMinifloat, minifloatFormat, type MinifloatFormat } from '../numerics/minifloat.js';
import { addCounts, NEAREST_EVEN, zeroCounts, type ConversionCounts, type Rounding } from '../numerics/rounding.js';
import { biasFor, DEFAULT_BIAS_RULE, updateRunningMax, type BiasRule } from './bias-rule.js';
import type { StorageSpec } from './policy.js';

export interface TensorStorageReport extends ConversionCounts {
  format: string;
  /** Bias chosen at the last store (configurable formats only). */
  bias?: number;
  runningMax: number;
  stores: number;
  elements: number;
}

export class TensorStore {
  private readonly tensors = new Map<string, { report: TensorStorageReport; stream: RandomStream }>();
  private readonly formats = new Map<string, MinifloatFormat>();
  private nextStream = 1;

  constructor(
    private readonly seed: number,
    private readonly rule: BiasRule = DEFAULT_BIAS_RULE,
  ) {}

  /** Rounds `values` to `spec`'s format in place under the name `name`; returns this store's counts. */
  store(name: string, values: Float32Array, spec: StorageSpec): ConversionCounts {
    if (spec.format === 'fp32') return zeroCounts();
    let entry = this.tensors.get(name);
    if (!entry) {
      // One stochastic-rounding stream per tensor name, numbered in first-use order.
      entry = {
        report: { format: spec.format, runningMax: 0, stores: 0, elements: 0, ...zeroCounts() },
        stream: createStream(this.seed, this.nextStream++),
      };
      this.tensors.set(name, entry);
    }
    const rounding: Rounding = spec.rounding === 'stochastic' ? { mode: 'stochastic', stream: entry.stream } : NEAREST_EVEN;
    let counts: ConversionCounts;
    if (spec.format === 'bf16') {
      counts = roundToBf16(values, rounding);
    } else {
      const layout = CFLOAT_LAYOUTS[spec.format as CFloatLayoutName];
      let amax = 0;
      for (let i = 0; i < values.length; i++) amax = Math.max(amax, Math.abs(values[i]!));
      entry.report.runningMax = updateRunningMax(entry.report.runningMax, amax, this.rule);
      const bias =
        layout.bias === 'configurable'
          ? entry.report.runningMax > 0
            ? biasFor(layout, this.rule.headroom * entry.report.runningMax)
            : (entry.report.bias ?? biasFor(layout, 1))
          : layout.bias;
      entry.report.bias = bias;
      const format = this.format(spec.format, bias);
      const codes = format.bits === 8 ? new Uint8Array(values.length) : new Uint16Array(values.length);
      counts = encodeMinifloat(format, values, codes, rounding);
      decodeMinifloat(format, codes, values);
    }
    entry.report.stores++;
    entry.report.elements += values.length;
    addCounts(entry.report, counts);
    return counts;
  }

  private format(name: CFloatLayoutName, bias: number): MinifloatFormat {
    const key = `${name}/${bias}`;
    let format = this.formats.get(key);
    if (!format) {
      const layout = CFLOAT_LAYOUTS[name];
      format = minifloatFormat(layout, layout.bias === 'configurable' ? bias : undefined);
      this.formats.set(key, format);
    }
    return format;
  }

  report(): Record<string, TensorStorageReport> {
    return Object.fromEntries([...this.tensors].map(([name, e]) => [name, { ...e.report }]));
  }

  totals(): ConversionCounts {
    const total = zeroCounts();
    for (const e of this.tensors.values()) addCounts(total, e.report);
    return total;
  }
}
