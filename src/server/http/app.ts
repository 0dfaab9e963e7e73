// The HTTP front: routing, request ids, body limits, JSON parsing, authentication, rate limits,
// problem+json errors and one structured log line per request. No framework: node:http and the
// route table keep every rule visible here.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '../../common/errors.js';
import type { Logger } from '../../service/api/logger.js';
import { KeyVerifier } from './auth.js';
import { scanJson } from './parse-limits.js';
import { HttpProblem, sendProblem } from './problem.js';
import { RateLimiter } from './rate-limit.js';
import { ROUTES, type Route } from './routes.js';
import { StreamGate, type StreamLimits } from './stream-gate.js';
import type { Deps, ServiceDeps } from './types.js';

export interface AppOptions extends StreamLimits {
  maxBodyBytes?: number;
  ratePerSecond?: number;
  rateBurst?: number;
  /** Requests per second with a missing or invalid key, per client address (bursts of 4×). */
  authFailuresPerSecond?: number;
}

interface Compiled {
  route: Route;
  re: RegExp;
  names: string[];
}

const compiled: Compiled[] = ROUTES.map((route) => {
  const names: string[] = [];
  const re = new RegExp(`^${route.path.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
  return { route, re, names };
});

/** Input errors in these parts of a request are 400s; in a body, 422s. */
const BAD_REQUEST_ORIGINS = new Set(['query', 'header', 'path']);

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpProblem(413, 'Content Too Large', `the body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpProblem(413, 'Content Too Large', `the body is over the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createHandler(service: ServiceDeps, log: Logger, opts: AppOptions = {}) {
  const deps: Deps = { ...service, streams: new StreamGate(opts) };
  const verifier = new KeyVerifier(deps.store);
  const limiter = new RateLimiter(opts.ratePerSecond ?? 100, opts.rateBurst ?? 200);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    let route: Route | undefined;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let params: Record<string, string> = {};
      const matches = compiled.filter((c) => c.re.test(url.pathname));
      const hit = matches.find((c) => c.route.method === req.method);
      if (!hit) {
        if (matches.length) throw new HttpProblem(405, 'Method Not Allowed', `${req.method} is not allowed here`, [], { allow: matches.map((c) => c.route.method).join(', ') });
        throw new HttpProblem(404, 'Not Found', `no route ${url.pathname}`);
      }
      route = hit.route;
      const m = hit.re.exec(url.pathname)!;
      params = Object.fromEntries(hit.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      let principal = null;
      if (route.auth !== 'none') {
        principal = await verifier.verify(req.headers.authorization);
        if (!principal) throw new HttpProblem(401, 'Unauthorized', 'send a valid API key as `Authorization: Bearer odk_…`', [], { 'www-authenticate': 'Bearer' });
        const wait = limiter.take(principal.keyId);
        if (wait > 0) throw new HttpProblem(429, 'Too Many Requests', `over ${limiter.ratePerSecond} requests/s for this key`, [], { 'retry-after': String(Math.ceil(wait)) });
        if (route.auth === 'admin' && principal.role !== 'admin') throw new HttpProblem(403, 'Forbidden', 'this needs an admin key');
      }
      let body: unknown;
      if (req.method === 'POST' || req.method === 'PATCH') {
        const text = await readBody(req, maxBody);
        if (route.body) {
          const type = String(req.headers['content-type'] ?? '');
          if (!/^application\/(.+\+)?json\b/i.test(type)) throw new HttpProblem(415, 'Unsupported Media Type', 'send the body as application/json');
          // Before JSON.parse: what follows it walks the tree recursively.
          const tooBig = scanJson(text);
          if (tooBig.length) throw new HttpProblem(400, 'Bad Request', 'the body is over the structure limits', tooBig);
          try {
            body = JSON.parse(text);
          } catch (e) {
            throw new HttpProblem(400, 'Bad Request', 'the body is not valid JSON', [{ path: '', message: e instanceof Error ? e.message : 'invalid JSON' }]);
          }
        }
      }
      await route.handle({ req, res, params, query: url.searchParams, body, principal, requestId }, deps);
    } catch (e) {
      if (e instanceof HttpProblem) sendProblem(res, e, requestId);
      else if (e instanceof InputError) sendProblem(res, new HttpProblem(BAD_REQUEST_ORIGINS.has(e.origin) ? 400 : 422, BAD_REQUEST_ORIGINS.has(e.origin) ? 'Bad Request' : 'Unprocessable Content', `invalid ${e.origin}`, e.issues), requestId);
      else {
        log.error('request failed', { requestId, error: e instanceof Error ? e.stack : String(e) });
        sendProblem(res, new HttpProblem(500, 'Internal Server Error', `request ${requestId} failed; see the server log`), requestId);
      }
    } finally {
      log.info('request', { requestId, method: req.method, path: route?.path ?? req.url, status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10 });
    }
  };
}
