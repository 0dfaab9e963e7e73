// Numeric flags of the service commands, read with the flag's name in the error.
import { InputError } from '../../common/errors.js';

export function parseIntFlag(v: string, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max) throw new InputError(`--${name}`, [{ path: name, message: `must be an integer in [${min}, ${max}]; got ${JSON.stringify(v)}` }]);
  return n;
}

export function parsePositiveFlag(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`--${name}`, [{ path: name, message: `must be a positive number; got ${JSON.stringify(v)}` }]);
  return n;
}
