// A small typed client for the training service's HTTP API (docs/api.md) over the global fetch:
// JSON requests with the API key, problem+json responses turned into an ApiError that lists each
// field and message, and a job's live event stream (SSE) that resumes once from Last-Event-ID
// when the connection drops.
import { isTerminal } from '../../service/scheduler/job-states.js';
import { readSse } from './sse.js';

export interface ProblemIssue {
  field: string;
  message: string;
}

/** RFC 9457 problem details as the service sends them. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  errors?: ProblemIssue[];
}

/** "422 Unprocessable Content: invalid job" and one "  - field: message" line per issue. */
export function formatProblem(status: number, p: Problem): string {
  const head = [String(status), p.title].filter(Boolean).join(' ');
  const lines = [p.detail ? `${head}: ${p.detail}` : head];
  for (const e of p.errors ?? []) lines.push(`  - ${e.field || '(body)'}: ${e.message}`);
  return lines.join('\n');
}

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly problem: Problem,
    /** Seconds to wait, from Retry-After on a 429. */
    readonly retryAfter?: number,
  ) {
    super(`${method} ${path}: ${formatProblem(status, problem)}`);
    this.name = 'ApiError';
  }

  get issues(): ProblemIssue[] {
    return this.problem.errors ?? [];
  }
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
}

export interface ClientOptions {
  server: string;
  apiKey: string;
  fetch?: typeof fetch;
  /** Per request, except event streams; default 30 s. */
  timeoutMs?: number;
}

/** One event of a job's stream: the frame's kind and its parsed data (the event view). */
export interface JobStreamEvent {
  id: number;
  kind: string;
  data: Record<string, unknown>;
}

export class ApiClient {
  readonly server: string;
  private readonly apiKey: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(o: ClientOptions) {
    // A trailing slash lets the server URL carry a path prefix (https://host/opendojo/).
    this.server = o.server.endsWith('/') ? o.server : `${o.server}/`;
    this.apiKey = o.apiKey;
    this.fetchFn = o.fetch ?? fetch;
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  url(path: string, query: RequestOptions['query'] = {}): URL {
    const u = new URL(path.replace(/^\//, ''), this.server);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'application/json', ...o.headers };
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.send(method, path, this.url(path, o.query), {
      method,
      headers,
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw problemError(method, path, res, text);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      throw new Error(`${method} ${path}: the server answered ${res.status} with a body that is not JSON`);
    }
    return { status: res.status, headers: res.headers, body: body as T };
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query }).then((r) => r.body);
  }

  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { body, headers });
  }

  /**
   * A job's events, oldest first, until the stream's `end` after a terminal state. A connection
   * that drops (or a server that ends the stream while shutting down, before the job finished)
   * is resumed once from Last-Event-ID; the retry is earned back by receiving events, so a long
   * follow survives occasional drops while a server that stays down fails fast.
   */
  async *jobEvents(jobId: string, o: { after?: number; reconnectDelayMs?: number; onReconnect?: (lastId: number) => void } = {}): AsyncGenerator<JobStreamEvent> {
    const path = `/v1/jobs/${encodeURIComponent(jobId)}/events`;
    let last = o.after ?? 0;
    let connected = false;
    let retryLeft = true;
    let finished = false;
    for (;;) {
      const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'text/event-stream' };
      if (last > 0) headers['last-event-id'] = String(last);
      let drop: string;
      try {
        const res = await this.send('GET', path, this.url(path), { method: 'GET', headers });
        if (!res.ok) throw problemError('GET', path, res, await res.text());
        if (!res.body) throw new Error(`GET ${path}: the server sent no event stream`);
        connected = true;
        drop = 'the server ended the stream before the job finished';
        try {
          for await (const frame of readSse(res.body)) {
            if (frame.event === 'end') break;
            const data = parseData(frame.data);
            const id = Number(frame.id ?? data.id);
            if (Number.isFinite(id) && id <= last) continue; // already seen before a resume
            if (Number.isFinite(id)) last = id;
            retryLeft = true;
            if (frame.event === 'state' && isTerminal(data.state)) finished = true;
            yield { id, kind: frame.event, data };
          }
        } catch (e) {
          drop = `the connection dropped (${(e as Error).message})`;
        }
      } catch (e) {
        // Refused, 4xx/5xx: fatal unless we are resuming an established stream.
        if (!connected || e instanceof ApiError) throw e;
        drop = (e as Error).message.replace(`GET ${path}: `, '');
      }
      if (finished) return;
      if (!retryLeft) throw new Error(`GET ${path}: ${drop}, again after resuming from event ${last}`);
      retryLeft = false;
      o.onReconnect?.(last);
      await new Promise((r) => setTimeout(r, o.reconnectDelayMs ?? 1000));
    }
  }

  private async send(method: string, path: string, url: URL, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, init);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError') throw new Error(`${method} ${path}: no answer from ${this.server} within ${this.timeoutMs / 1000} s`);
      const why = err.cause?.code ?? err.cause?.message ?? err.message;
      throw new Error(`${method} ${path}: cannot reach ${this.server} (${why})`);
    }
  }
}

function parseData(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { text };
  }
}

function problemError(method: string, path: string, res: Response, text: string): ApiError {
  let problem: Problem;
  try {
    problem = JSON.parse(text) as Problem;
    if (!problem || typeof problem !== 'object') throw new Error('not an object');
  } catch {
    // A proxy's HTML error page, say: keep a short excerpt.
    problem = { title: res.statusText, ...(text.trim() ? { detail: text.trim().slice(0, 200) } : {}) };
  }
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(method, path, res.status, problem, Number.isFinite(retry) && res.headers.has('retry-after') ? retry : undefined);
}
