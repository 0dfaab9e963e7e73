// The CLI client's pieces without a server: where the server URL and key come from (flag > env >
// config file, field by field), problem+json turned into errors that list each field, the SSE
// parser on input split at every byte, the event stream resuming from Last-Event-ID after a drop,
// and `submit`'s flags turned into a job spec.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/common/errors.js';
import { defaultConfigPath, resolveConfig, type ConfigSources } from '../../src/cli/client/config.js';
import { ApiClient, ApiError, formatProblem } from '../../src/cli/client/http-client.js';
import { renderTenant, renderUsage, usdNumber } from '../../src/cli/client/render.js';
import { SseParser, type SseFrame } from '../../src/cli/client/sse.js';
import { buildJobSpec } from '../../src/cli/client/submit-spec.js';

const HOME = '/home/u';

function sources(o: { flags?: ConfigSources['flags']; env?: Record<string, string>; files?: Record<string, string> }): ConfigSources {
  return { flags: o.flags ?? {}, env: o.env ?? {}, home: HOME, readFile: (p) => o.files?.[p] };
}

const issuesOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected an InputError');
};

describe('client configuration: flag > environment > config file', () => {
  const file = JSON.stringify({ server: 'http://file:1', apiKey: 'odk_file' });
  const env = { OPENDOJO_SERVER: 'http://env:2', OPENDOJO_API_KEY: 'odk_env' };
  const flags = { server: 'http://flag:3', apiKey: 'odk_flag' };
  const files = { [defaultConfigPath(HOME)]: file };

  it('a flag wins over the environment and the file', () => {
    const c = resolveConfig(sources({ flags, env, files }));
    assert.deepEqual([c.server, c.apiKey, c.from], ['http://flag:3', 'odk_flag', { server: 'flag', apiKey: 'flag' }]);
  });

  it('the environment wins over the file', () => {
    const c = resolveConfig(sources({ env, files }));
    assert.deepEqual([c.server, c.apiKey, c.from], ['http://env:2', 'odk_env', { server: 'env', apiKey: 'env' }]);
  });

  it('the default file ~/.config/opendojo/config.json is the last resort', () => {
    const c = resolveConfig(sources({ files }));
    assert.equal(c.configFile, '/home/u/.config/opendojo/config.json');
    assert.deepEqual([c.server, c.apiKey], ['http://file:1', 'odk_file']);
  });

  it('each field resolves on its own: a key from a flag, the server from the file', () => {
    const c = resolveConfig(sources({ flags: { apiKey: 'odk_flag' }, env: { OPENDOJO_API_KEY: 'odk_env' }, files }));
    assert.deepEqual([c.server, c.apiKey, c.from], ['http://file:1', 'odk_flag', { server: 'file', apiKey: 'flag' }]);
  });

  it('an empty environment variable counts as unset', () => {
    const c = resolveConfig(sources({ env: { OPENDOJO_SERVER: '', OPENDOJO_API_KEY: '' }, files }));
    assert.equal(c.from.server, 'file');
  });

  it('which file: --config, else $OPENDOJO_CONFIG, else the default', () => {
    const all = { ...files, '/etc/a.json': JSON.stringify({ server: 'http://a:1', apiKey: 'odk_a' }), '/etc/b.json': JSON.stringify({ server: 'http://b:1', apiKey: 'odk_b' }) };
    assert.equal(resolveConfig(sources({ flags: { config: '/etc/a.json' }, env: { OPENDOJO_CONFIG: '/etc/b.json' }, files: all })).server, 'http://a:1');
    assert.equal(resolveConfig(sources({ env: { OPENDOJO_CONFIG: '/etc/b.json' }, files: all })).server, 'http://b:1');
  });

  it('a named config file must exist; the default one may be missing', () => {
    assert.deepEqual(issuesOf(() => resolveConfig(sources({ flags: { config: '/nope.json', ...flags } }))), [': no such config file']);
    assert.equal(resolveConfig(sources({ flags })).server, 'http://flag:3');
  });

  it('nothing configured: one error naming all three ways for each value', () => {
    const issues = issuesOf(() => resolveConfig(sources({})));
    assert.equal(issues.length, 2);
    for (const [text, flag, envName, key] of [[issues[0]!, '--server', 'OPENDOJO_SERVER', '"server"'], [issues[1]!, '--api-key', 'OPENDOJO_API_KEY', '"apiKey"']] as const) {
      for (const needle of [flag, envName, key, '/home/u/.config/opendojo/config.json']) assert.ok(text.includes(needle), `"${text}" does not mention ${needle}`);
    }
  });

  it('a bad URL, a bad config file and an unknown key are named', () => {
    assert.match(issuesOf(() => resolveConfig(sources({ env: { OPENDOJO_SERVER: 'localhost:8080', OPENDOJO_API_KEY: 'k' } })))[0]!, /^OPENDOJO_SERVER: must be an http:\/\/ or https:\/\/ URL/);
    assert.match(issuesOf(() => resolveConfig(sources({ files: { [defaultConfigPath(HOME)]: '{"server": ' } })))[0]!, /not valid JSON/);
    assert.match(issuesOf(() => resolveConfig(sources({ files: { [defaultConfigPath(HOME)]: '{"url": "http://x"}' } })))[0]!, /Unrecognized key.*url.*allowed keys: server, apiKey/);
  });
});

/** A fetch that answers each call from a list of handlers, recording the requests. */
function fakeFetch(...answers: ((url: string, init: RequestInit) => Response | Promise<Response>)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, init });
    const answer = answers[calls.length - 1];
    if (!answer) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    return answer(url, init);
  }) as typeof fetch;
  return { fn, calls };
}

const header = (init: RequestInit, name: string) => (init.headers as Record<string, string>)[name];

describe('HTTP client: JSON requests and problem+json errors', () => {
  const problem = {
    type: 'https://opendojo.dev/problems/422',
    title: 'Unprocessable Content',
    status: 422,
    detail: 'invalid job',
    errors: [
      { field: 'training.steps', message: 'Too small: expected number to be >0' },
      { field: 'resources.shape', message: 'expected ROWSxCOLS, e.g. 2x3' },
    ],
  };

  it('formats a problem with one line per field', () => {
    assert.equal(formatProblem(422, problem), '422 Unprocessable Content: invalid job\n  - training.steps: Too small: expected number to be >0\n  - resources.shape: expected ROWSxCOLS, e.g. 2x3');
    assert.equal(formatProblem(404, { title: 'Not Found', detail: 'no such job' }), '404 Not Found: no such job');
  });

  it('a problem+json reply becomes an ApiError naming the request, each field and message', async () => {
    const f = fakeFetch(() => new Response(JSON.stringify(problem), { status: 422, headers: { 'content-type': 'application/problem+json' } }));
    const c = new ApiClient({ server: 'http://svc:8080/base', apiKey: 'odk_k', fetch: f.fn });
    const err = await c.post('/v1/jobs', { model: 'x' }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 422);
    assert.deepEqual(err.issues.map((i) => i.field), ['training.steps', 'resources.shape']);
    assert.equal(err.message, `POST /v1/jobs: ${formatProblem(422, problem)}`);
    // The request: under the server's path prefix, with the key and a JSON body.
    assert.equal(f.calls[0]!.url, 'http://svc:8080/base/v1/jobs');
    assert.equal(header(f.calls[0]!.init, 'authorization'), 'Bearer odk_k');
    assert.equal(header(f.calls[0]!.init, 'content-type'), 'application/json');
    assert.deepEqual(JSON.parse(String(f.calls[0]!.init.body)), { model: 'x' });
  });

  it('a non-JSON error page keeps an excerpt; Retry-After is read on a 429', async () => {
    const f = fakeFetch(
      () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      () => new Response(JSON.stringify({ title: 'Too Many Requests', status: 429 }), { status: 429, headers: { 'retry-after': '2' } }),
    );
    const c = new ApiClient({ server: 'http://svc', apiKey: 'k', fetch: f.fn });
    const e1 = (await c.get('/v1/jobs').catch((e: unknown) => e)) as ApiError;
    assert.equal(e1.message, 'GET /v1/jobs: 502 Bad Gateway: <html>bad gateway</html>');
    const e2 = (await c.get('/v1/jobs', { state: 'running', limit: undefined }).catch((e: unknown) => e)) as ApiError;
    assert.equal(e2.retryAfter, 2);
    assert.equal(f.calls[1]!.url, 'http://svc/v1/jobs?state=running', 'undefined query values are left out');
  });

  it('an unreachable server is named with the reason', async () => {
    const c = new ApiClient({ server: 'http://127.0.0.1:9', apiKey: 'k', fetch: fakeFetch().fn });
    await assert.rejects(c.get('/v1/me'), /GET \/v1\/me: cannot reach http:\/\/127\.0\.0\.1:9\/ \(ECONNREFUSED\)/);
  });
});

const frame = (id: number, event: string, data: object) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const STREAM = [': stream open\n\n', frame(1, 'state', { id: 1, kind: 'state', state: 'queued', reason: 'submitted' }), frame(2, 'progress', { id: 2, kind: 'progress', step: 20, note: 'naïve — ü' }), ': keep-alive\n\n', frame(3, 'state', { id: 3, kind: 'state', state: 'succeeded' }), 'event: end\ndata: {}\n\n'].join('');

function parseAll(chunks: (string | Uint8Array)[]): SseFrame[] {
  const p = new SseParser();
  return chunks.flatMap((c) => p.push(c));
}

describe('SSE parser', () => {
  const whole = parseAll([STREAM]);

  it('parses frames: id, event, data; comments skipped', () => {
    assert.deepEqual(whole.map((f) => [f.id, f.event]), [['1', 'state'], ['2', 'progress'], ['3', 'state'], ['3', 'end']]);
    assert.equal(JSON.parse(whole[1]!.data).note, 'naïve — ü');
  });

  it('gives the same frames however the bytes are split (every split point, and byte by byte)', () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) assert.deepEqual(parseAll([bytes.slice(0, cut), bytes.slice(cut)]), whole, `split at byte ${cut}`);
    assert.deepEqual(parseAll([...bytes].map((b) => Uint8Array.of(b))), whole, 'one byte per chunk (splits UTF-8 characters too)');
  });

  it('accepts CRLF and CR line ends, a CRLF split across chunks, and multi-line data', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    assert.deepEqual(parseAll([crlf]), whole);
    for (let cut = 1; cut < crlf.length; cut++) assert.deepEqual(parseAll([crlf.slice(0, cut), crlf.slice(cut)]), whole, `CRLF split at ${cut}`);
    assert.deepEqual(parseAll([STREAM.replace(/\n/g, '\r')]), whole);
    assert.deepEqual(parseAll(['data: a\ndata:b\n', '\nevent: x\n\n']), [{ id: undefined, event: 'message', data: 'a\nb' }]);
  });

  it('keeps an unfinished frame until its blank line arrives', () => {
    const p = new SseParser();
    assert.deepEqual(p.push('id: 7\nevent: state\ndata: {"a":'), []);
    assert.deepEqual(p.push('1}\n\n'), [{ id: '7', event: 'state', data: '{"a":1}' }]);
    assert.equal(p.lastEventId, '7');
  });
});

/** An SSE response whose body yields `text` in chunks, then ends or (with `drop`) fails. */
function sseResponse(text: string, drop = false): Response {
  const chunks = text.match(/[\s\S]{1,17}/g) ?? [];
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(new TextEncoder().encode(chunks[i++]!));
      else if (drop) c.error(new TypeError('terminated'));
      else c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

describe('job event stream: resumes once from Last-Event-ID', () => {
  const ev = (id: number, kind: string, extra: object = {}) => frame(id, kind, { id, kind, ...extra });

  it('after a drop it reconnects with Last-Event-ID and skips events it already has', async () => {
    const f = fakeFetch(
      () => sseResponse(ev(1, 'state', { state: 'running' }) + ev(2, 'progress', { step: 5 }), true),
      // The server may replay from an older id; those are skipped.
      () => sseResponse(ev(2, 'progress', { step: 5 }) + ev(3, 'progress', { step: 9 }) + ev(4, 'state', { state: 'succeeded' }) + 'event: end\ndata: {}\n\n'),
    );
    const c = new ApiClient({ server: 'http://svc', apiKey: 'k', fetch: f.fn });
    const reconnects: number[] = [];
    const got = [];
    for await (const e of c.jobEvents('job_1', { reconnectDelayMs: 0, onReconnect: (last) => reconnects.push(last) })) got.push([e.id, e.kind]);
    assert.deepEqual(got, [[1, 'state'], [2, 'progress'], [3, 'progress'], [4, 'state']]);
    assert.deepEqual(reconnects, [2]);
    assert.equal(header(f.calls[0]!.init, 'last-event-id'), undefined);
    assert.equal(header(f.calls[1]!.init, 'last-event-id'), '2');
    assert.equal(header(f.calls[1]!.init, 'accept'), 'text/event-stream');
  });

  it('an `end` before the terminal state (a server shutting down) is resumed like a drop', async () => {
    const f = fakeFetch(
      () => sseResponse(ev(1, 'state', { state: 'running' }) + 'event: end\ndata: {}\n\n'),
      () => sseResponse(ev(2, 'state', { state: 'cancelled' }) + 'event: end\ndata: {}\n\n'),
    );
    const c = new ApiClient({ server: 'http://svc', apiKey: 'k', fetch: f.fn });
    const kinds = [];
    for await (const e of c.jobEvents('job_1', { reconnectDelayMs: 0 })) kinds.push(e.data.state);
    assert.deepEqual(kinds, ['running', 'cancelled']);
  });

  it('a second drop with nothing received in between gives up, naming the last event', async () => {
    const f = fakeFetch(() => sseResponse(ev(1, 'state', { state: 'running' }), true), () => sseResponse('', true));
    const c = new ApiClient({ server: 'http://svc', apiKey: 'k', fetch: f.fn });
    const it = c.jobEvents('job_1', { reconnectDelayMs: 0 });
    await assert.rejects(
      (async () => {
        for await (const _ of it) void _;
      })(),
      /events: the connection dropped \(terminated\), again after resuming from event 1/,
    );
  });

  it('a refused first connection is an error at once (no retry)', async () => {
    const f = fakeFetch();
    const c = new ApiClient({ server: 'http://svc', apiKey: 'k', fetch: f.fn });
    await assert.rejects((async () => {
      for await (const _ of c.jobEvents('job_1', { reconnectDelayMs: 0 })) void _;
    })(), /cannot reach/);
    assert.equal(f.calls.length, 1);
  });
});

describe('submit: flags into a job spec', () => {
  it('builds the spec from flags', () => {
    const spec = buildJobSpec({ name: 'gpt small', model: 'gpt3-1.7b', steps: 2000, tiles: 6, plan: 'auto', priority: 3, checkpointSteps: 500, maxBudget: 100 });
    assert.deepEqual(spec, { name: 'gpt small', model: 'gpt3-1.7b', training: { steps: 2000 }, resources: { tiles: 6 }, plan: 'auto', priority: 3, checkpointInterval: { steps: 500 }, maxBudgetUsd: 100 });
    assert.deepEqual(buildJobSpec({ model: 'llama3-8b', tokens: 2e9, pool: 'h100', gpus: 16, checkpointSeconds: 1800 }), { model: 'llama3-8b', training: { tokens: 2e9 }, resources: { pool: 'h100', gpus: 16 }, checkpointInterval: { seconds: 1800 } });
    assert.deepEqual(buildJobSpec({ model: 'resnet50', samples: 1e6, shape: '2x3' }).resources, { shape: '2x3' });
  });

  it('lays flags over a spec file: a flag wins, the rest of the file stays', () => {
    const file = { origin: 'job.yaml', doc: { name: 'a', scenario: 'model: {preset: gpt3-1.7b}', training: { steps: 10 }, resources: { pool: 'h100', gpus: 8 }, priority: 1 } };
    assert.deepEqual(buildJobSpec({ priority: 5, gpus: 16 }, file), { name: 'a', scenario: 'model: {preset: gpt3-1.7b}', training: { steps: 10 }, resources: { pool: 'h100', gpus: 16 }, priority: 5 });
    // --model replaces the file's scenario; --pool alone keeps the file's amount.
    const s = buildJobSpec({ model: 'gpt3-18b', pool: 'h100' }, { origin: 'f', doc: { scenario: 'x', resources: { gpus: 8 } } });
    assert.deepEqual([s.model, s.scenario, s.resources], ['gpt3-18b', undefined, { gpus: 8, pool: 'h100' }]);
    assert.ok(file.doc.priority === 1, 'the parsed file is not modified');
  });

  it('names conflicting and missing flags', () => {
    assert.deepEqual(issuesOf(() => buildJobSpec({ model: 'm', steps: 1, tokens: 2, tiles: 1, gpus: 8, checkpointSteps: 1, checkpointSeconds: 2 })), [
      '--steps --tokens: give only one of --steps, --tokens, --samples',
      '--tiles --gpus: give only one of --tiles, --shape, --gpus',
      '--checkpoint-steps --checkpoint-seconds: give only one of --checkpoint-steps, --checkpoint-seconds',
      '--gpus: needs --pool (a GPU pool, e.g. h100)',
    ]);
    assert.deepEqual(
      issuesOf(() => buildJobSpec({})).map((i) => i.split(':')[0]),
      ['--model', '--steps', '--tiles'],
    );
    assert.deepEqual(issuesOf(() => buildJobSpec({ model: 'm', steps: 1, shape: '2by3', plan: 'fast' })), [
      '--shape: expected ROWSxCOLS, e.g. 2x3; got "2by3"',
      '--plan: only "auto" as a flag; put a plan mapping (tp, pp, …) in a spec file',
    ]);
    assert.deepEqual(issuesOf(() => buildJobSpec({}, { origin: 'job.yaml', doc: ['not', 'a', 'mapping'] })), [': a job spec must be a mapping (name, model, training, resources, …)']);
  });
});

describe('money: decimal strings on the wire, "$" only for people', () => {
  it('reads the API\'s Usd strings and renders them with "$"', () => {
    assert.equal(usdNumber('250000.000000'), 250_000);
    assert.equal(usdNumber('-0.500000'), -0.5);
    // The old "$1,234.5" form (and anything else) is not API money.
    assert.ok(Number.isNaN(usdNumber('$1,234.500000')));
    const tenant = { id: 'ten_1', name: 'acme', maxTiles: 60, maxGpus: null, budgetUsd: '250000.000000', weight: 2, maxPriority: 9, createdAt: '2026-01-01T00:00:00.000Z' };
    assert.match(renderTenant(tenant), /budget +\$250,000\n/);
    const usage = { tenant: 'ten_1', period: { index: 0, start: 0, end: 2_592_000_000 }, currentPeriod: 0, totals: { amountUsd: '35.550374', byKind: { compute: '35.500000', energy: '0.050374' }, entryCount: 2 }, spentUsd: '1234.567890', entries: [] };
    const text = renderUsage(usage);
    for (const shown of ['compute  $35.50', 'energy   $0.05', 'total    $35.55 (2 entries; spent to date $1,235)']) assert.ok(text.includes(shown), `${shown} in:\n${text}`);
  });
});
