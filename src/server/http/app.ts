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

/** A path parameter, percent-decoded; malformed encoding is the client's error (400). */
function decodePathSegment(name: string, raw: string): string {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    throw new InputError('path', [{ path: name, message: `is not valid percent-encoding: ${JSON.stringify(raw.slice(0, 60))}` }]);
  }
  if (text.includes('\0')) throw new InputError('path', [{ path: name, message: 'must not contain the NUL character (%00)' }]);
  return text;
}

/** PostgreSQL text cannot hold NUL, so a NUL anywhere in the query is refused up front. */
function refuseNulInQuery(q: URLSearchParams): void {
  for (const [k, v] of q) if (k.includes('\0') || v.includes('\0')) throw new InputError('query', [{ path: k.replace(/\0/g, '%00'), message: 'must not contain the NUL character (%00)' }]);
}

export function createHandler(service: ServiceDeps, log: Logger, opts: AppOptions = {}) {
  const verifier = new KeyVerifier(service.store);
  const deps: Deps = { ...service, streams: new StreamGate(opts), keys: verifier };
  const limiter = new RateLimiter(opts.ratePerSecond ?? 100, opts.rateBurst ?? 200);
  // Missing and invalid keys are counted per client address and refused before the key lookup
  // once over the rate; a key verified recently passes regardless, so a good client behind the
  // same address is held up only for keys it has not used in the last few seconds.
  const authFailureRate = opts.authFailuresPerSecond ?? 5;
  const authFailures = new RateLimiter(authFailureRate, 4 * authFailureRate);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    let route: Route | undefined;
    try {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        throw new HttpProblem(400, 'Bad Request', 'the request target is not a valid URL path');
      }
      refuseNulInQuery(url.searchParams);
      let params: Record<string, string> = {};
      const matches = compiled.filter((c) => c.re.test(url.pathname));
      const hit = matches.find((c) => c.route.method === req.method);
      if (!hit) {
        if (matches.length) throw new HttpProblem(405, 'Method Not Allowed', `${req.method} is not allowed here`, [], { allow: matches.map((c) => c.route.method).join(', ') });
        throw new HttpProblem(404, 'Not Found', `no route ${url.pathname}`);
      }
      route = hit.route;
      const m = hit.re.exec(url.pathname)!;
      params = Object.fromEntries(hit.names.map((n, i) => [n, decodePathSegment(n, m[i + 1]!)]));
      let principal = null;
      if (route.auth !== 'none') {
        const client = req.socket.remoteAddress ?? 'unknown';
        principal = verifier.cachedValid(req.headers.authorization) ?? null;
        if (!principal) {
          const wait = authFailures.wait(client);
          if (wait > 0) throw new HttpProblem(429, 'Too Many Requests', `over ${authFailureRate} requests/s with a missing or invalid API key from this address`, [], { 'retry-after': String(Math.ceil(wait)) });
          principal = await verifier.verify(req.headers.authorization);
        }
        if (!principal) {
          authFailures.take(client);
          throw new HttpProblem(401, 'Unauthorized', 'send a valid API key as `Authorization: Bearer odk_…`', [], { 'www-authenticate': 'Bearer' });
        }
        const wait = limiter.take(principal.keyId);
        if (wait > 0) throw new HttpProblem(429, 'Too Many Requests', `over ${limiter.ratePerSecond} requests/s for this key`, [], { 'retry-after': String(Math.ceil(wait)) });
        if (route.auth === 'admin' && principal.role !== 'admin') throw new HttpProblem(403, 'Forbidden', 'this needs an admin key');
        // Another tenant's id in a query answers like an unknown one, on every route.
        const named = url.searchParams.getAll('tenant');
        if (principal.role === 'tenant' && named.some((t) => t !== principal!.tenantId)) throw new HttpProblem(404, 'Not Found', 'no such tenant');
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
