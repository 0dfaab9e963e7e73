// kill -9 of the server during a burst of submissions: every job whose submission got a 2xx is
// present and consistent after a restart on the same data directory, and a job that was running
// resumes from its checkpoint and completes. The server is a real child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { call, smallJob, spawnServer, waitFor } from './helpers.js';

const bin = join(process.cwd(), 'bin', 'opendojo.js');

const serve = (dir: string) => spawnServer(dir, ['--log-level', 'warn']);

describe('durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opendojo-kill-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('kill -9 during a burst loses no acknowledged submission', async () => {
    const admin = spawnSync(process.execPath, [bin, 'admin', 'create-key', '--data-dir', dir], { encoding: 'utf8' });
    assert.equal(admin.status, 0, admin.stderr);
    const adminKey = admin.stdout.trim();
    let { child, url } = await serve(dir);
    const tenant = await call(url, 'POST', '/v1/tenants', adminKey, { name: 'burst' });
    const key = tenant.body.apiKey as string;
    // A long job that is running when the server dies.
    const long = await call(url, 'POST', '/v1/jobs', key, smallJob(30_000, { name: 'long', checkpointInterval: { steps: 1000 } }));
    assert.equal(long.status, 201);
    await waitFor('a checkpoint', async () => (await call(url, 'GET', `/v1/jobs/${long.body.id}`, key)).body.progress.durableStep >= 1000);

    const acked = new Map<string, string>();
    let attempted = 0;
    let killed = false;
    const submitter = async (w: number) => {
      for (let i = 0; !killed || i < 3; i++) {
        const name = `burst-${w}-${i}`;
        attempted++;
        try {
          const r = await call(url, 'POST', '/v1/jobs', key, smallJob(50_000, { name, resources: { tiles: 1 } }));
          if (r.status === 201) acked.set(r.body.id, name);
        } catch {
          return; // connection refused or reset: the server is gone
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => submitter(w));
    await waitFor('40 acknowledged', async () => acked.size >= 40, 30_000, 5);
    child.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    assert.ok(acked.size >= 40 && attempted > acked.size - 1);

    ({ child, url } = await serve(dir));
    try {
      for (const [id, name] of acked) {
        const j = await call(url, 'GET', `/v1/jobs/${id}`, key);
        assert.equal(j.status, 200, `acknowledged job ${id} is present`);
        assert.equal(j.body.name, name);
        assert.ok(['queued', 'admitted', 'running', 'succeeded'].includes(j.body.state), `${id} ${j.body.state}`);
        const events = (await call(url, 'GET', `/v1/jobs/${id}/events`, key)).body.events;
        assert.equal(events[0].state, 'queued', 'its history starts at submission');
      }
      const listed = (await call(url, 'GET', '/v1/jobs?limit=500', key)).body.jobs as { id: string }[];
      for (const id of acked.keys()) assert.ok(listed.some((j) => j.id === id));
      // The job that was running resumes from its last checkpoint and completes.
      const done = await waitFor('the long job completes', async () => {
        const j = await call(url, 'GET', `/v1/jobs/${long.body.id}`, key);
        return j.body.state === 'succeeded' && j.body;
      }, 40_000);
      assert.equal(done.progress.step, 30_000);
      const restarted = (await call(url, 'GET', `/v1/jobs/${long.body.id}/events`, key)).body.events.filter((e: { kind: string; reason?: string }) => e.kind === 'restarted' && e.reason === 'control-plane-restart');
      assert.equal(restarted.length, 1);
      assert.ok(restarted[0].fromStep >= 1000);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
