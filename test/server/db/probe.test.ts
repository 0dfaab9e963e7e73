// The database probe behind /health: health is read from the last probe's outcome, never from a
// query per request, and turns unhealthy on a failed probe or when probes stop answering.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbProbe } from '../../../src/server/db/probe.js';
import type { SqlResult } from '../../../src/service/store/sql.js';

/** A database stand-in: counts queries; each answers, fails or hangs as the test says. */
function fakeSql() {
  const f = {
    queries: 0,
    mode: 'answer' as 'answer' | 'fail' | 'hang',
    query: async <R>(): Promise<SqlResult<R>> => {
      f.queries++;
      if (f.mode === 'fail') throw new Error('connection refused');
      if (f.mode === 'hang') return new Promise<SqlResult<R>>(() => undefined);
      return { rows: [], rowCount: 1 };
    },
  };
  return f;
}

describe('database probe for /health', () => {
  it('answers health from the last probe without querying per read', async () => {
    const sql = fakeSql();
    const probe = new DbProbe(sql, { everyMs: 60_000 });
    await probe.start();
    for (let i = 0; i < 100; i++) assert.deepEqual(probe.health(), { ok: true, problem: null });
    assert.equal(sql.queries, 1);
    probe.stop();
  });

  it('is unhealthy after a failed probe, naming the error, and healthy again after a good one', async () => {
    const sql = fakeSql();
    const probe = new DbProbe(sql);
    await probe.probeOnce();
    sql.mode = 'fail';
    await probe.probeOnce();
    const down = probe.health();
    assert.equal(down.ok, false);
    assert.match(down.problem!, /connection refused/);
    sql.mode = 'answer';
    await probe.probeOnce();
    assert.equal(probe.health().ok, true);
  });

  it('is unhealthy once probes stop answering for longer than staleMs', async () => {
    const sql = fakeSql();
    let nowMs = 0;
    const probe = new DbProbe(sql, { staleMs: 10_000, now: () => nowMs });
    await probe.probeOnce();
    sql.mode = 'hang';
    void probe.probeOnce(); // never returns
    nowMs = 9_999;
    assert.equal(probe.health().ok, true);
    nowMs = 10_001;
    const down = probe.health();
    assert.equal(down.ok, false);
    assert.match(down.problem!, /has not answered a probe for 10001 ms \(limit 10000 ms\)/);
  });

  it('is unhealthy before the first probe', () => {
    assert.equal(new DbProbe(fakeSql()).health().ok, false);
  });
});
