// The stream caps: per owner and in total, refusals are 429 problems with Retry-After, and a
// released slot (released once, however often release is called) can be taken again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpProblem } from '../../../src/server/http/problem.js';
import { StreamGate } from '../../../src/server/http/stream-gate.js';

function refused(fn: () => unknown, mention: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof HttpProblem && e.status === 429 && Number(e.headers['retry-after']) >= 1 && mention.test(e.detail ?? ''));
}

describe('stream gate', () => {
  it('caps each owner, then the total, and gives slots back', () => {
    const gate = new StreamGate({ maxStreamsPerTenant: 2, maxStreams: 3 });
    const a1 = gate.acquire('a');
    gate.acquire('a');
    refused(() => gate.acquire('a'), /2 event streams are open for this tenant; the limit is 2/);
    gate.acquire('b');
    refused(() => gate.acquire('c'), /3 event streams are open on this server; the limit is 3/);
    a1();
    a1();
    assert.equal(gate.openStreams, 2, 'a second release of the same slot changes nothing');
    gate.acquire('c');
    refused(() => gate.acquire('b'), /on this server/);
  });
});
