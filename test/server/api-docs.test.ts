// Runs docs/api.md against a real server, top to bottom, so the page cannot drift from the API.
// The convention (also described at the end of the page):
//   - a ```sh block starting with `curl` is split into words as a shell would (quotes, `\`
//     continuations, $VAR expanded outside single quotes) and sent; only -s -S -i -N -X -H -d;
//   - the ```http block right after it is the expected reply: `HTTP/1.1 STATUS`, headers that must
//     be present, a blank line, then a JSON body the reply must contain (keys shown, arrays'
//     elements each matching some real element; "…" is any value, `…` in a string any run of
//     characters) or, for other bodies (SSE), lines that must appear in that order;
//   - "$NAME" in a reply binds NAME to the real value the first time and must equal it after;
//     an unbound $NAME in a request fails;
//   - a ```yaml block whose first line is `# file: NAME` is written to the CLI's directory;
//   - in ```console blocks, `$ export N=V` sets a variable and `$ opendojo …` runs the CLI (exit
//     0 unless the line ends in `# exit N`; `--json` must print one JSON document).
// CLI examples run as child processes, spawned asynchronously: the server lives in this process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Usd } from '../../src/server/http/openapi.js';
import { ROUTES } from '../../src/server/http/routes.js';
import { testService, type TestService } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
type Vars = Record<string, string>;

// ---- shell words ------------------------------------------------------------------------------

const NAME = /^(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/;

/** Words of a shell command line: quoting, escapes, `\` newlines, $VAR/${VAR}, `#` comments. */
export function shellWords(text: string, vars: Vars): { words: string[]; comment: string } {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  const expand = () => {
    const m = NAME.exec(text.slice(i + 1));
    if (!m) return '$';
    const name = m[1] ?? m[2]!;
    if (vars[name] === undefined) throw new Error(`unbound $${name} (no earlier example sets it)`);
    i += m[0].length;
    return vars[name];
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') i++;
    else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) return { words, comment: text.slice(i + 1).split('\n')[0]!.trim() };
    else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && '"\\$`\n'.includes(text[i + 1]!)) word += text[++i] === '\n' ? '' : text[i];
        else if (text[i] === '$') word += expand();
        else word += text[i];
      }
      if (i >= text.length) throw new Error(`unterminated " in: ${text}`);
    } else if (c === '\\') word = (word ?? '') + (text[++i] ?? '');
    else if (c === '$') word = (word ?? '') + expand();
    else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return { words, comment: '' };
}

// ---- curl and replies -------------------------------------------------------------------------

interface Request {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function parseCurl(words: string[]): Request {
  assert.equal(words[0], 'curl');
  const headers: Record<string, string> = {};
  let method: string | undefined;
  let body: string | undefined;
  let url: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (['-s', '-S', '-sS', '-i', '-N', '--no-buffer', '--silent', '--include'].includes(w)) continue;
    if (w === '-X' || w === '--request') method = words[++i];
    else if (w === '-H' || w === '--header') {
      const h = words[++i]!;
      const colon = h.indexOf(':');
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    } else if (w === '-d' || w === '--data' || w === '--data-raw') body = words[++i];
    else if (w.startsWith('-')) throw new Error(`curl option ${w} is not supported by the doc test`);
    else if (url === undefined) url = w;
    else throw new Error(`two URLs: ${url} and ${w}`);
  }
  if (!url) throw new Error('curl without a URL');
  return { method: method ?? (body !== undefined ? 'POST' : 'GET'), url, headers, ...(body !== undefined ? { body } : {}) };
}

interface Expected {
  status: number;
  headers: [string, string][];
  body: string;
}

function parseReply(block: string): Expected {
  const lines = block.split('\n');
  const m = /^HTTP\/1\.1 (\d{3})\b/.exec(lines.shift() ?? '');
  if (!m) throw new Error(`a reply block starts with "HTTP/1.1 STATUS": ${block.slice(0, 80)}`);
  const headers: [string, string][] = [];
  while (lines.length && lines[0]!.trim() !== '') {
    const h = lines.shift()!;
    const colon = h.indexOf(':');
    headers.push([h.slice(0, colon).trim().toLowerCase(), h.slice(colon + 1).trim()]);
  }
  return { status: Number(m[1]), headers, body: lines.join('\n').trim() };
}

// ---- matching ---------------------------------------------------------------------------------

const ANY = '…';
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches text against a pattern with `…` and $NAME; binds unbound names into `vars`. */
function matchPattern(actual: string, pattern: string, vars: Vars): boolean {
  const names: string[] = [];
  const re = pattern
    .split(/(…|\$[A-Z_][A-Z0-9_]*)/)
    .map((part) => {
      if (part === ANY) return '[\\s\\S]*?';
      if (/^\$[A-Z_]/.test(part)) {
        const name = part.slice(1);
        if (vars[name] !== undefined) return escapeRe(vars[name]);
        names.push(name);
        return '([\\s\\S]+?)';
      }
      return escapeRe(part);
    })
    .join('');
  const m = new RegExp(`^${re}$`).exec(actual);
  if (!m) return false;
  names.forEach((n, i) => (vars[n] = m[i + 1]!));
  return true;
}

/** Problems of `actual` against the shown `expected`, binding variables on success only. */
function matchJson(actual: unknown, expected: unknown, where: string, vars: Vars): string[] {
  if (typeof expected === 'string') {
    if (expected === ANY) return actual === undefined ? [`${where}: missing`] : [];
    if (actual === undefined || (actual !== null && typeof actual === 'object')) return [`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    if (expected.includes(ANY) || /\$[A-Z_]/.test(expected)) return matchPattern(String(actual), expected, vars) ? [] : [`${where}: ${JSON.stringify(actual)} does not match ${JSON.stringify(expected)}`];
    return actual === expected ? [] : [`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${where}: expected an array, got ${JSON.stringify(actual)?.slice(0, 100)}`];
    const used = new Set<number>();
    const problems: string[] = [];
    expected.forEach((e, k) => {
      const hit = actual.findIndex((a, i) => {
        if (used.has(i)) return false;
        const trial = { ...vars };
        if (matchJson(a, e, where, trial).length) return false;
        Object.assign(vars, trial);
        return true;
      });
      if (hit < 0) problems.push(`${where}[${k}]: no element matches ${JSON.stringify(e)}`);
      else used.add(hit);
    });
    return problems;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${where}: expected an object, got ${JSON.stringify(actual)?.slice(0, 100)}`];
    return Object.entries(expected).flatMap(([k, v]) => matchJson((actual as Record<string, unknown>)[k], v, `${where}.${k}`, vars));
  }
  return Object.is(actual, expected) ? [] : [`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** Shown lines must appear in the actual text in order (a line of just `…` is a visual gap). */
function matchLines(actual: string, expected: string, vars: Vars): string[] {
  const lines = actual.split('\n');
  let at = 0;
  for (const want of expected.split('\n').filter((l) => l.trim() !== '' && l.trim() !== ANY)) {
    const found = lines.findIndex((l, i) => i >= at && matchPattern(l, want, vars));
    if (found < 0) return [`no line matching ${JSON.stringify(want)} after line ${at} of:\n${actual.slice(0, 1500)}`];
    at = found + 1;
  }
  return [];
}

function checkReply(status: number, headers: Headers, text: string, want: Expected, vars: Vars): string[] {
  if (status !== want.status) return [`status ${status}, expected ${want.status}: ${text.slice(0, 400)}`];
  const problems: string[] = [];
  for (const [name, value] of want.headers) {
    const got = headers.get(name);
    if (got === null) problems.push(`no ${name} header`);
    else if (!matchPattern(got, value, vars)) problems.push(`${name}: ${got}, expected ${value}`);
  }
  if (!want.body) return problems;
  let expected: unknown;
  try {
    expected = JSON.parse(want.body);
  } catch {
    return [...problems, ...matchLines(text, want.body, vars)];
  }
  let actual: unknown;
  try {
    actual = JSON.parse(text);
  } catch {
    return [...problems, `the reply is not JSON: ${text.slice(0, 200)}`];
  }
  return [...problems, ...matchJson(actual, expected, 'body', vars)];
}

// ---- money: one representation ----------------------------------------------------------------

const USD = new RegExp(Usd.pattern);

/** Breaches of the Money rule (docs/api.md): no string starts with "$", and every `…Usd` field
 * holding a value is a `Usd` decimal string (or null for "no limit"), except in a job's echoed `spec`. */
export function moneyProblems(value: unknown, where = 'body'): string[] {
  if (typeof value === 'string') return value.startsWith('$') ? [`${where}: ${JSON.stringify(value)} starts with "$"`] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const at = Array.isArray(value) ? `${where}[${k}]` : `${where}.${k}`;
    if (k === 'spec' && !Array.isArray(value)) return [];
    // An object under a `…Usd` key is a schema (the OpenAPI document), not an amount.
    const own = /Usd$/.test(k) && !Array.isArray(value) && (typeof v === 'number' || (typeof v === 'string' && !USD.test(v))) ? [`${at}: ${JSON.stringify(v)} is not a Usd decimal string (${Usd.pattern})`] : [];
    return [...own, ...moneyProblems(v, at)];
  });
}

/** The JSON documents of a reply: the body, or each `data:` line of an event stream. */
function replyDocuments(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch {
    return text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  }
}

describe('the Money rule checker', () => {
  it('flags "$" strings and non-decimal …Usd fields anywhere, but not the echoed spec', () => {
    assert.deepEqual(moneyProblems({ a: [{ b: '$1.00' }] }), ['body.a[0].b: "$1.00" starts with "$"']);
    assert.equal(moneyProblems({ billUsd: 35.55 }).length, 1, 'a JSON number');
    assert.equal(moneyProblems({ x: { amountUsd: '1,234.500000' } }).length, 1, 'a thousands separator');
    assert.equal(moneyProblems({ amountUsd: '1.5' }).length, 1, 'fewer than six decimals');
    assert.deepEqual(moneyProblems({ amountUsd: '-1234.500000', budgetUsd: null, spec: { maxBudgetUsd: 5000 }, note: 'costs $5' }), []);
  });
});

// ---- the page as a list of steps -------------------------------------------------------------

type Step = { kind: 'http'; name: string; command: string; reply: Expected } | { kind: 'file'; name: string; text: string } | { kind: 'cli'; name: string; line: string };

function steps(md: string): Step[] {
  const blocks = [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
  const out: Step[] = [];
  blocks.forEach((b, i) => {
    if (b.lang === 'sh' && /^curl\b/.test(b.text)) {
      const next = blocks[i + 1];
      if (next?.lang !== 'http') throw new Error(`a curl example needs an \`\`\`http reply block after it: ${b.text.slice(0, 80)}`);
      const target = /"\$OPENDOJO_SERVER([^"?]*)/.exec(b.text)?.[1] ?? '';
      const method = /-X (\w+)/.exec(b.text)?.[1] ?? (/ -d /.test(b.text) ? 'POST' : 'GET');
      out.push({ kind: 'http', name: `${method} ${target}`, command: b.text, reply: parseReply(next.text) });
    } else if (b.lang === 'yaml' && /^# file: (\S+)/.test(b.text)) {
      out.push({ kind: 'file', name: /^# file: (\S+)/.exec(b.text)![1]!, text: b.text });
    } else if (b.lang === 'console') {
      for (const l of b.text.split('\n')) if (/^\$ (opendojo|export) /.test(l)) out.push({ kind: 'cli', name: l.slice(2), line: l.slice(2) });
    }
  });
  return out;
}

/** Does a documented request path match a route template (`/v1/jobs/{id}/cancel`)? */
const routeMatches = (template: string, path: string) => new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(path);

function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [join(root, 'bin', 'opendojo.js'), ...args], { cwd, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('docs/api.md: every curl and CLI example against a real server', () => {
  const list = steps(doc);
  let t: TestService;
  const vars: Vars = {};
  before(async () => {
    t = await testService({ speedup: 36_000 });
    Object.assign(vars, { OPENDOJO_SERVER: t.url, ADMIN_KEY: t.admin });
  });
  after(async () => t.close());

  it('has an example of every route and every client command', () => {
    const requests = list.filter((s) => s.kind === 'http').map((s) => s.name);
    for (const r of ROUTES) assert.ok(requests.some((q) => q.startsWith(`${r.method} `) && routeMatches(r.path, q.slice(r.method.length + 1))), `no curl example of ${r.method} ${r.path}`);
    const cli = list.filter((s) => s.kind === 'cli').map((s) => s.name);
    for (const c of ['submit', 'jobs', 'job', 'cancel', 'usage', 'invoices', 'tenants', 'tenants create', 'tenants keys']) {
      assert.ok(cli.some((l) => l.startsWith(`opendojo ${c} `) || l === `opendojo ${c}`), `no example of opendojo ${c}`);
    }
  });

  for (const step of list) {
    it(step.kind === 'http' ? `curl ${step.name}` : step.kind === 'file' ? `file ${step.name}` : `$ ${step.name}`, async () => {
      if (step.kind === 'file') return writeFileSync(join(t.dir, step.name), step.text);
      if (step.kind === 'cli') {
        const { words, comment } = shellWords(step.line, vars);
        if (words[0] === 'export') {
          const [name, ...value] = words[1]!.split('=');
          if (name !== 'OPENDOJO_SERVER') vars[name!] = value.join('=');
          return;
        }
        const want = Number(/^exit (\d+)/.exec(comment)?.[1] ?? 0);
        const env: NodeJS.ProcessEnv = { ...process.env, HOME: t.dir, OPENDOJO_SERVER: t.url, OPENDOJO_API_KEY: vars.OPENDOJO_API_KEY ?? '' };
        delete env.OPENDOJO_CONFIG;
        const r = await runCli(words.slice(1), t.dir, env);
        assert.equal(r.code, want, `exit ${r.code}, expected ${want}\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
        if (words.includes('--json')) {
          assert.doesNotThrow(() => JSON.parse(r.stdout), 'stdout is one JSON document');
          assert.deepEqual(moneyProblems(JSON.parse(r.stdout), 'stdout'), [], 'the Money rule (docs/api.md)');
        }
        return;
      }
      const req = parseCurl(shellWords(step.command, vars).words);
      const res = await fetch(req.url, { method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}) });
      const text = await res.text();
      const trial = { ...vars };
      const problems = checkReply(res.status, res.headers, text, step.reply, trial);
      assert.deepEqual(problems, [], `${req.method} ${req.url}\n${problems.join('\n')}`);
      const money = replyDocuments(text).flatMap((d) => moneyProblems(d));
      assert.deepEqual(money, [], `${req.method} ${req.url}: the Money rule (docs/api.md)`);
      Object.assign(vars, trial);
    });
  }
});
