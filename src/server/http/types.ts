// What every route handler gets (the request context and the service's parts), and what a route is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Controller } from '../../service/api/controller.js';
import type { LedgerView } from '../../service/api/ledger-view.js';
import type { Store } from '../../service/store/store.js';
import type { DbHealth } from '../db/probe.js';
import type { KeyVerifier, Principal } from './auth.js';
import type { StreamGate } from './stream-gate.js';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  principal: Principal | null;
  requestId: string;
}

/** What the service hands the HTTP front. */
export interface ServiceDeps {
  store: Store;
  controller: Controller;
  ledger: LedgerView;
  openapi: () => unknown;
  ready: () => boolean;
  shuttingDown: () => boolean;
  /** The database's last probed health (db/probe.ts): /health reads it instead of querying. */
  database: () => DbHealth;
}


/** What handlers get: the service's parts and the front's own shared state. */
export interface Deps extends ServiceDeps {
  streams: StreamGate;
  keys: KeyVerifier;
}

/** One row of the route table: the router (app.ts) and the OpenAPI document are built from it. */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  summary: string;
  tag: string;
  auth: 'none' | 'any' | 'admin';
  body?: z.ZodType;
  query?: z.ZodType;
  /** Response description for the OpenAPI document. */
  responses: Record<string, string>;
  handle: (ctx: Ctx, deps: Deps) => Promise<void>;
}
