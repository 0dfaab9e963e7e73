// Errors over HTTP: RFC 9457 problem+json, with `errors` naming each offending field (the same
// InputIssue list the CLI prints). Anything unexpected becomes a 500 without internals.
import type { ServerResponse } from 'node:http';
import type { InputIssue } from '../../common/errors.js';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors: readonly InputIssue[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendProblem(res: ServerResponse, p: HttpProblem, instance?: string): void {
  const body: Record<string, unknown> = { type: `https://opendojo.dev/problems/${p.status}`, title: p.title, status: p.status };
  if (p.detail) body.detail = p.detail;
  if (instance) body.instance = instance;
  if (p.errors.length) body.errors = p.errors.map((e) => ({ field: e.path || '(body)', message: e.message }));
  const text = JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(p.status, { 'content-type': 'application/problem+json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...p.headers });
  res.end(text);
}
