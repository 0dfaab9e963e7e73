// Load benchmark of the training service on loopback: a real `opendojo serve` process on the
// embedded database, driven by autocannon from this process. Reports sustained requests per
// second and latency percentiles for job submission (a durable insert plus a scheduling pass)
// and for status reads, then a mixed phase (issue 13 scope 10): jobs running while two tenants
// submit at once and a probe reads /health, reporting each tenant's submit p99 and /health p99
// (targets: submit ≤ 250 ms, /health ≤ 50 ms). Not a test: figures go in notes.
// Usage: node dist/bench/api.js [seconds]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';

const seconds = Number(process.argv[2] ?? 10);
const bin = join(process.cwd(), 'bin', 'opendojo.js');
const dir = mkdtempSync(join(tmpdir(), 'opendojo-bench-'));

const admin = spawnSync(process.execPath, [bin, 'admin', 'create-key', '--data-dir', dir], { encoding: 'utf8' }).stdout.trim();
const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dir, '--rate', '1000000', '--log-level', 'warn', '--speedup', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /serving on (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
});

async function post(path: string, key: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await r.json()) as Record<string, unknown>;
}

try {
  const tenant = await post('/v1/tenants', admin, { name: 'bench' });
  const key = tenant.apiKey as string;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  // One tile per job so most wait in the queue (speedup 1: nothing finishes during the run).
  const spec = JSON.stringify({ name: 'bench', model: 'gpt3-1.7b', training: { steps: 1000 }, resources: { tiles: 1 }, plan: { tp: 1, pp: 1, microBatch: 1, globalBatch: 8 } });
  const first = await post('/v1/jobs', key, JSON.parse(spec));
  if (!first.id) throw new Error(`submit failed: ${JSON.stringify(first)}`);

  const report = (name: string, r: Result) => {
    const ok = r['2xx'];
    process.stdout.write(`${name.padEnd(14)} ${(ok / r.duration).toFixed(0).padStart(6)} req/s  latency p50 ${r.latency.p50} ms  p90 ${r.latency.p90} ms  p99 ${r.latency.p99} ms  max ${r.latency.max} ms  (${ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors)\n`);
    return { name, rps: ok / r.duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
  };
  process.stdout.write(`service load benchmark: ${seconds} s per phase, loopback, embedded database (PGlite)\n`);
  const status = report('status read', await autocannon({ url: `${url}/v1/jobs/${first.id}`, connections: 20, duration: seconds, headers }));
  const submit = report('submit', await autocannon({ url: `${url}/v1/jobs`, method: 'POST', connections: 10, duration: seconds, headers, body: spec }));
  const statusAfter = report('status (queued)', await autocannon({ url: `${url}/v1/jobs/${first.id}`, connections: 20, duration: seconds, headers }));
  const list = (await (await fetch(`${url}/v1/jobs?limit=1`, { headers })).json()) as { counts: unknown };
  process.stdout.write(`jobs held at the end: ${JSON.stringify(list.counts)}\n`);

  // Mixed: two more tenants, each with jobs running, submit concurrently while /health is probed.
  const keys: string[] = [];
  for (const name of ['bench-a', 'bench-b']) {
    const k = (await post('/v1/tenants', admin, { name })).apiKey as string;
    for (let i = 0; i < 4; i++) await post('/v1/jobs', k, { ...JSON.parse(spec), name: `${name}-running-${i}`, resources: { tiles: 6 } });
    keys.push(k);
  }
  const submitAs = (k: string) => autocannon({ url: `${url}/v1/jobs`, method: 'POST', connections: 5, duration: seconds, headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' }, body: spec });
  const [submitA, submitB, health] = await Promise.all([submitAs(keys[0]!), submitAs(keys[1]!), autocannon({ url: `${url}/health`, connections: 2, duration: seconds })]);
  const mixed = { submitA: report('mixed submit A', submitA), submitB: report('mixed submit B', submitB), health: report('mixed /health', health) };
  process.stdout.write(`${JSON.stringify({ status, submit, statusAfter, mixed })}\n`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
