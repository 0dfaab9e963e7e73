// Numbers as text, both ways: aligned tables and numbers with their units chosen for the reader
// (s or ms, GB, TFLOP/s, %, $, kW or MW, kWh or MWh), and numeric command-line flags read back.
// Commands build a CommandResult with both the JSON object and a text renderer; main prints one.
import { InputError } from '../common/errors.js';
import type { Plan } from '../planner/plan.js';

/** What a command hands back to main: the JSON document and its human rendering. */
export interface CommandResult {
  json: unknown;
  text: () => string;
  exitCode?: number;
}

export type Emit = (result: CommandResult, asJson: boolean) => void;

export type Align = 'left' | 'right';
export interface Column {
  header: string;
  align?: Align;
}

/** Aligned columns; text left-aligned, numbers right-aligned (as declared per column). */
export function table(columns: Column[], rows: string[][], indent = ''): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => (columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Two-column "label  value" lines, labels padded to one width. */
export function fields(pairs: [string, string][], indent = '  '): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join('\n');
}

export function section(title: string, body: string): string {
  return `${title}\n${body}`;
}

/** Fixed decimals chosen from magnitude: 3 significant digits, thousands separated. */
export function num(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(x))));
  return x.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export const int = (x: number): string => Math.round(x).toLocaleString('en-US');

export function seconds(s: number): string {
  if (s === 0) return '0 s';
  if (s < 1e-3) return `${num(s * 1e6)} µs`;
  if (s < 1) return `${num(s * 1e3)} ms`;
  return `${num(s, 4)} s`;
}

export function duration(s: number): string {
  if (s < 3600) return seconds(s);
  if (s < 86400 * 2) return `${num(s / 3600)} h`;
  return `${num(s / 86400)} days`;
}

export const gb = (bytes: number): string => `${num(bytes / 1e9)} GB`;
export const percent = (fraction: number, decimals = 1): string => `${(fraction * 100).toFixed(decimals)}%`;
export const signedPercent = (fraction: number): string => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;
export const tflops = (t: number): string => `${num(t)} TFLOP/s`;

export function usd(x: number): string {
  if (x >= 1e6) return `$${num(x / 1e6)}M`;
  if (x >= 100) return `$${int(x)}`;
  return `$${x.toFixed(2)}`;
}

export function watts(w: number): string {
  if (w >= 1e6) return `${num(w / 1e6)} MW`;
  if (w >= 1e3) return `${num(w / 1e3)} kW`;
  return `${num(w)} W`;
}

export function energyKWh(kwh: number): string {
  if (kwh >= 1000) return `${num(kwh / 1000)} MWh`;
  return `${num(kwh)} kWh`;
}

/** Large counts in words a reader scans: 300B, 1.5M, 95,368. */
export function quantity(x: number): string {
  if (x >= 1e12) return `${num(x / 1e12)}T`;
  if (x >= 1e9) return `${num(x / 1e9)}B`;
  if (x >= 1e6) return `${num(x / 1e6)}M`;
  return int(x);
}

export function flop(x: number): string {
  const units: [number, string][] = [[1e18, 'EFLOP'], [1e15, 'PFLOP'], [1e12, 'TFLOP'], [1e9, 'GFLOP']];
  const [scale, unit] = units.find(([s]) => x >= s) ?? [1e6, 'MFLOP'];
  return `${num(x / scale)} ${unit}`;
}

export const rate = (perSecond: number, unit: string): string => `${int(perSecond)} ${unit}/s`;

const RECOMPUTE_SHORT: Record<Plan['recompute'], string> = { none: 'none', selective: 'sel', full: 'full' };

/** Compact plan, e.g. "tp8 pp8 dp16 mb1 v1 sel SP z0" (cp, precision and memory mode only when not default). */
export function compactPlan(p: Plan): string {
  return [
    `tp${p.tp}`,
    `pp${p.pp}`,
    `dp${p.dp}`,
    p.cp > 1 ? `cp${p.cp}` : '',
    `mb${p.microBatch}`,
    `v${p.virtualStages}`,
    RECOMPUTE_SHORT[p.recompute],
    p.sequenceParallel ? 'SP' : '',
    `z${p.zeroStage}`,
    p.precision !== 'bf16' ? p.precision : '',
    p.memoryMode !== 'device' ? p.memoryMode : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** Commander argument parser for a positive integer flag; a bad value is an InputError (exit 2). */
/** A command-line number > 0 (fractions allowed), e.g. a time bound in seconds. */
export function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError('command line', [{ path: flag, message: `must be a number greater than 0; got "${value}"` }]);
    return n;
  };
}

export function positiveInt(flag: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InputError('command line', [{ path: flag, message: `must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` (at most ${max})` : ''}; got "${value}"` }]);
    }
    return n;
  };
}

/** "Examples:" help text from [command, what it does] pairs. */
export function helpExamples(examples: [string, string][]): string {
  return `\nExamples:\n${examples.map(([cmd, what]) => `  # ${what}\n  $ ${cmd}`).join('\n\n')}\n`;
}

/** camelCase key → words: "tensorParallelCommSeconds" → "tensor parallel comm". */
export const keyWords = (key: string): string =>
  key
    .replace(/(Seconds|Bytes)$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
