// The SSE resume point: `Last-Event-ID` (sent by a reconnecting client) wins over `?after=N`. Event
// ids are the store's sequence numbers, so a valid one is a decimal non-negative integer that a
// JavaScript number holds exactly; anything else is a 400 rather than a stream cut short.
import { InputError, issue } from '../../common/errors.js';

const DECIMAL = /^\d{1,16}$/;

export function resumeAfter(header: string | string[] | undefined, after: number): number {
  if (header === undefined) return after;
  const text = Array.isArray(header) ? header.join(',') : header;
  const n = Number(text);
  if (!DECIMAL.test(text) || !Number.isSafeInteger(n)) throw new InputError('header', [issue('Last-Event-ID', `must be a non-negative integer up to ${Number.MAX_SAFE_INTEGER} (an event id this server sent); got ${JSON.stringify(text.slice(0, 40))}`)]);
  return n;
}
