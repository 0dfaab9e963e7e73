// `serve --redis URL` and `worker` fail fast, naming the URL and the socket error, when Redis does
// not answer (instead of serving while BullMQ retries forever); `serve` shuts down on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opendojo-serve-'));

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('serve --redis with nothing listening exits 2 within seconds, naming the URL and ECONNREFUSED', async () => {
  const url = `redis://127.0.0.1:${await closedPort()}`;
  const started = Date.now();
  const r = spawnSync(process.execPath, ['bin/opendojo.js', 'serve', '--port', '0', '--data-dir', join(dir, 'a'), '--redis', url], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot reach Redis at ${url.replace(/\./g, '\\.')}: connect ECONNREFUSED`));
  assert.equal(r.stdout, '', 'it never claims to be serving');
  assert.ok(Date.now() - started < 30_000);
});

test('worker with an unresolvable Redis host exits 2 naming the host', () => {
  const r = spawnSync(process.execPath, ['bin/opendojo.js', 'worker', '--database', 'postgres://x@127.0.0.1:1/x', '--redis', 'redis://user:secret@nohost.invalid:6379'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot reach Redis at redis:\/\/…@nohost\.invalid:6379/);
  assert.doesNotMatch(r.stderr, /secret/, 'the password is not echoed');
});

test('serve stops on SIGTERM (exit 0) well within its grace period', async () => {
  const child = spawn(process.execPath, ['bin/opendojo.js', 'serve', '--port', '0', '--data-dir', join(dir, 'b')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('serving on') && resolve());
    child.on('exit', (code) => reject(new Error(`exited ${code} before serving`)));
  });
  const sent = Date.now();
  child.kill('SIGTERM');
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  assert.equal(code, 0, `signal ${signal}\n${stderr}`);
  assert.ok(Date.now() - sent < 10_000, `took ${Date.now() - sent} ms`);
});
