// Shared by the service tests: an in-process service on a temporary embedded database, an
// admin key, tenants, and small HTTP helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/service/api/logger.js';
import { newKey } from '../../src/server/http/auth.js';
import { startService, type RunningService, type ServiceOptions } from '../../src/server/service.js';

export interface TestService {
  svc: RunningService;
  url: string;
  admin: string;
  dir: string;
  close(): Promise<void>;
}

export async function testService(opts: Partial<ServiceOptions> = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'opendojo-svc-'));
  const svc = await startService({ port: 0, dataDir: dir, speedup: 36_000, tickMs: 100, log: silentLogger, ...opts });
  const key = newKey();
  await svc.opened.store.createApiKey({ id: key.id, tenantId: null, role: 'admin', secretSha256: key.sha256, label: 'test' });
  return {
    svc,
    url: svc.url,
    admin: key.token,
    dir,
    close: async () => {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are checked field by field in each test
  body: any;
  headers: Headers;
}

export async function call(url: string, method: string, path: string, key: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url + path, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (SSE, empty)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function createTenant(url: string, admin: string, name: string, extra: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  const r = await call(url, 'POST', '/v1/tenants', admin, { name, ...extra });
  if (r.status !== 201) throw new Error(`tenant ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.tenant.id, key: r.body.apiKey };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A small job: GPT 1.7B on 6 tiles, ~1.35 s virtual per step. */
export const smallJob = (steps = 2000, extra: Record<string, unknown> = {}) => ({ name: 'small', model: 'gpt3-1.7b', training: { steps }, resources: { tiles: 6 }, plan: 'auto', ...extra });

/** `opendojo serve` as a child process on a data dir (so a test can kill -9 it), resolved with its
 * URL once it serves; rejects with the end of its stderr if it exits first. */
export function spawnServer(dir: string, extraArgs: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const bin = join(process.cwd(), 'bin', 'opendojo.js');
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dir, '--speedup', '36000', '--rate', '100000', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited ${code} before serving: ${err.slice(-2000)}`)));
  });
}
