// Exact money and quantities for billing. Every amount is an integer number of micro-dollars and
// every quantity an integer count of its unit (milli-device-seconds, joules, milli-GB-seconds),
// both held as bigint so sums never lose a unit however many entries they cover. Rounding happens
// in exactly one place — `priceOf`, half-even to the micro-dollar — and never on sums; see
// docs/billing.md for where it is applied.
import { InputError } from '../../common/errors.js';

/** Micro-dollars (1 USD = 1,000,000). */
export type Micros = bigint;

export const MICROS_PER_USD = 1_000_000n;

/** Integer division rounded half to even; `den` must be positive. */
export function divRoundHalfEven(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new RangeError('divRoundHalfEven: denominator must be positive');
  const q = num / den; // truncates toward zero
  const r = num - q * den;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice < den) return q;
  const away = num < 0n ? q - 1n : q + 1n;
  if (twice > den) return away;
  return q % 2n === 0n ? q : away;
}

/** Integer division rounded toward minus infinity; `den` must be positive. */
export function divFloor(num: bigint, den: bigint): bigint {
  const q = num / den;
  return q * den > num ? q - 1n : q;
}

/**
 * The price of `quantity` units at `unitPriceMicros` per `unitsPerPriceUnit` units (e.g. micros
 * per device-hour with 3,600,000 milli-device-seconds per device-hour), rounded half-even once.
 */
export function priceOf(quantity: bigint, unitPriceMicros: bigint, unitsPerPriceUnit: bigint): Micros {
  return divRoundHalfEven(quantity * unitPriceMicros, unitsPerPriceUnit);
}

/**
 * Splits `total` into integer parts proportional to `weights` so the parts sum to `total`
 * exactly: part i is floor(total·W_i/W) − floor(total·W_{i−1}/W) for cumulative weights W_i.
 * The differences telescope, so no remainder is ever lost or invented.
 */
export function apportion(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((a, w) => a + w, 0n);
  if (sum <= 0n) throw new RangeError('apportion: weights must sum to a positive value');
  let cumulative = 0n;
  let previous = 0n;
  return weights.map((w) => {
    cumulative += w;
    const upTo = divFloor(total * cumulative, sum);
    const part = upTo - previous;
    previous = upTo;
    return part;
  });
}

export function sumMicros(values: Iterable<bigint>): bigint {
  let s = 0n;
  for (const v of values) s += v;
  return s;
}

/**
 * A decimal USD figure from a rate card (at most 6 decimal places) as exact micros. Figures are
 * read through their shortest decimal form, so 0.1 is 100,000 micros, not 99,999.
 */
export function usdToMicros(usd: number, path = 'usd'): Micros {
  if (!Number.isFinite(usd)) throw new InputError('money', [{ path, message: `expected a finite number of dollars, got ${usd}` }]);
  const text = Math.abs(usd).toString();
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new InputError('money', [{ path, message: `expected at most 6 decimal places (whole micro-dollars), got ${usd}` }]);
  const micros = BigInt(m[1]!) * MICROS_PER_USD + BigInt((m[2] ?? '').padEnd(6, '0'));
  return usd < 0 ? -micros : micros;
}

/** True when `usd` is representable as whole micro-dollars (used by the rate-card schema). */
export function isWholeMicros(usd: number): boolean {
  return Number.isFinite(usd) && /^-?\d+(\.\d{1,6})?$/.test(usd.toString());
}

/**
 * `-1234567n` → `-1.234567`: the HTTP API's form of money (docs/api.md, "Money"), a decimal string
 * of dollars with no currency sign or separators, exact to the micro-dollar (a JSON number could not hold
 * every bigint amount); `digits` 2 rounds half-even to cents.
 */
export function decimalUsd(micros: Micros, digits: 2 | 6 = 6): string {
  const scaled = digits === 6 ? micros : divRoundHalfEven(micros, 10_000n);
  const unit = digits === 6 ? MICROS_PER_USD : 100n;
  const abs = scaled < 0n ? -scaled : scaled;
  return `${scaled < 0n ? '-' : ''}${abs / unit}.${(abs % unit).toString().padStart(digits, '0')}`;
}

/** `-1234567891n` → `-$1,234.567891`, for people; `digits` 2 rounds half-even to cents. */
export function formatUsd(micros: Micros, digits: 2 | 6 = 6): string {
  const m = /^(-?)(\d+)\.(\d+)$/.exec(decimalUsd(micros, digits))!;
  return `${m[1]}$${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${m[3]}`;
}

/** A quantity in its price unit for display (≤ 6 decimals, half-even): `5400000n` milli-device-seconds → `1.5 device-hours`. */
export function formatQuantity(quantity: bigint, unit: QuantityUnit): string {
  const { per, name } = DISPLAY[unit];
  const scaled = divRoundHalfEven(quantity * 1_000_000n, per);
  const abs = scaled < 0n ? -scaled : scaled;
  const frac = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  const text = `${scaled < 0n ? '-' : ''}${abs / 1_000_000n}${frac ? `.${frac}` : ''}`;
  return name ? `${text} ${name}` : text;
}

export type QuantityUnit = 'milli-device-seconds' | 'joules' | 'milli-gb-seconds' | 'each';

/** How many quantity units make one price unit (the denominator in `priceOf`). */
export const UNITS_PER_PRICE_UNIT: Readonly<Record<QuantityUnit, bigint>> = {
  'milli-device-seconds': 3_600_000n, // per device-hour
  joules: 3_600_000n, // per kWh
  'milli-gb-seconds': 2_592_000_000n, // per GB-month of 30 days
  each: 1n,
};

const DISPLAY: Readonly<Record<QuantityUnit, { per: bigint; name: string }>> = {
  'milli-device-seconds': { per: 3_600_000n, name: 'device-hours' },
  joules: { per: 3_600_000n, name: 'kWh' },
  'milli-gb-seconds': { per: 2_592_000_000n, name: 'GB-months' },
  each: { per: 1n, name: '' },
};
