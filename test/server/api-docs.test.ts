// Runs every ```http example in docs/api.md, in order, against a real server: request line,
// headers, blank line, JSON body, then `# expect STATUS {json subset}`. `$ADMIN`, `$ACME` and
// `$JOB` are replaced by the admin key, the tenant key created by the tenant example and the id
// of the first job submitted. A status or a field that differs fails the test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, testService, type TestService } from './helpers.js';

interface Example {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
  subset?: unknown;
  text: string;
}

function examples(md: string): Example[] {
  return [...md.matchAll(/```http\n([\s\S]*?)```/g)].map((m) => {
    const text = m[1]!;
    const lines = text.trimEnd().split('\n');
    const expect = lines.pop()!;
    const e = /^# expect (\d{3})(?: (.*))?$/.exec(expect);
    if (!e) throw new Error(`example without "# expect": ${text}`);
    const [method, path] = lines.shift()!.split(' ') as [string, string];
    const headers: Record<string, string> = {};
    while (lines.length && lines[0]!.trim() !== '') {
      const [k, ...v] = lines.shift()!.split(':');
      headers[k!.toLowerCase()] = v.join(':').trim();
    }
    const body = lines.join('\n').trim();
    return { method, path, headers, ...(body ? { body } : {}), status: Number(e[1]), ...(e[2] ? { subset: JSON.parse(e[2]) } : {}), text };
  });
}

function assertSubset(actual: unknown, subset: unknown, where: string): void {
  if (subset && typeof subset === 'object' && !Array.isArray(subset)) {
    assert.ok(actual && typeof actual === 'object', `${where}: expected an object`);
    for (const [k, v] of Object.entries(subset)) assertSubset((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else assert.deepEqual(actual, subset, where);
}

describe('docs/api.md examples', () => {
  let t: TestService;
  before(async () => {
    t = await testService({ speedup: 3600 });
  });
  after(async () => t.close());

  it('every http example returns the documented status and fields', async () => {
    const md = readFileSync(join(process.cwd(), 'docs', 'api.md'), 'utf8');
    const list = examples(md);
    assert.ok(list.length >= 15, `${list.length} examples`);
    const vars: Record<string, string> = { ADMIN: t.admin };
    const fill = (s: string) => s.replace(/\$([A-Z]+)/g, (_m, n: string) => vars[n] ?? `$${n}`);
    for (const ex of list) {
      const headers = Object.fromEntries(Object.entries(ex.headers).map(([k, v]) => [k, fill(v)]));
      const key = headers.authorization?.replace(/^Bearer /, '') ?? null;
      delete headers.authorization;
      const r = await call(t.url, ex.method, fill(ex.path), key, ex.body === undefined ? undefined : fill(ex.body), headers);
      assert.equal(r.status, ex.status, `${ex.method} ${ex.path}: ${JSON.stringify(r.body).slice(0, 300)}`);
      if (ex.subset !== undefined) assertSubset(r.body, ex.subset, `${ex.method} ${ex.path}`);
      if (ex.path === '/v1/tenants' && r.status === 201) vars.ACME = r.body.apiKey;
      if (ex.path === '/v1/jobs' && ex.method === 'POST' && r.status === 201 && !vars.JOB) vars.JOB = r.body.id;
    }
  });
});
