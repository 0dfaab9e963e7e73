// Composes the training service: store, virtual clock, ledger, control plane, run dispatch and
// the HTTP front. `close()` is the graceful shutdown: stop accepting, finish requests in flight,
// stop the control plane, flush the run host's writes, close the database. Nothing
// acknowledged is lost; runs resume from their checkpoints at the next start.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, type RunDispatch } from '../service/api/controller.js';
import { LedgerView } from '../service/api/ledger-view.js';
import type { Logger } from '../service/api/logger.js';
import { defaultPools, type PoolConfig } from '../service/api/pools.js';
import { RunHost } from '../service/api/run-host.js';
import { defaultRateCard, type RateCard } from '../service/billing/rate-card.js';
import { createHandler, type AppOptions } from './http/app.js';
import { buildOpenApi } from './http/openapi.js';
import { ROUTES } from './http/routes.js';
import { serviceClock } from './clock.js';
import { DbProbe } from './db/probe.js';
import { EnginePool, type EnginePoolOptions } from './engine-pool.js';
import { openStore, type OpenedStore } from './open-store.js';
import { QueueDispatch } from './queue/dispatch.js';

export interface ServiceOptions extends AppOptions {
  port: number;
  host?: string;
  dataDir?: string;
  database?: string;
  redis?: string;
  /** Virtual seconds per wall second; default 3600 (or what the store already has). */
  speedup?: number;
  log: Logger;
  tickMs?: number;
  pools?: PoolConfig[];
  card?: RateCard;
  version?: string;
  /** The engine worker pool's budget and tenant rate (engine-ms). */
  engine?: EnginePoolOptions;
}

export interface RunningService {
  url: string;
  port: number;
  server: Server;
  controller: Controller;
  opened: OpenedStore;
  engine: EnginePool;
  close(): Promise<void>;
}

export const newJobId = () => `job_${randomBytes(8).toString('hex')}`;

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const opened = await openStore({ ...(o.dataDir ? { dataDir: o.dataDir } : {}), ...(o.database ? { database: o.database } : {}) });
  const { store } = opened;
  const engine = new EnginePool(o.engine);
  const probe = new DbProbe(store.sql);
  try {
    const clock = await serviceClock(store, o.speedup);
    const ledger = new LedgerView(store, o.card ?? defaultRateCard());
    const ref: { controller?: Controller } = {};
    let host: RunHost | undefined;
    let dispatch: RunDispatch;
    if (o.redis) dispatch = new QueueDispatch(o.redis, o.log);
    else {
      host = new RunHost(store, clock, o.log, () => void ref.controller?.poke());
      const h = host;
      dispatch = { runsDieWithProcess: true, start: async (a) => h.start(a), signal: async (id, attempt, s) => h.signal(id, attempt, s) };
    }
    const controller = new Controller({ store, clock, pools: o.pools ?? defaultPools(), ledger, dispatch, log: o.log, newId: newJobId, engine: engine.call, ...(o.tickMs ? { tickMs: o.tickMs } : {}) });
    ref.controller = controller;
    await controller.start();
    await probe.start();
    let ready = false;
    let shuttingDown = false;
    const openapi = buildOpenApi(ROUTES, o.version ?? '0.0.0');
    const handler = createHandler({ store, controller, ledger, openapi: () => openapi, ready: () => ready, shuttingDown: () => shuttingDown, database: () => probe.health() }, o.log, o);
    const server = createServer((req, res) => void handler(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    ready = true;
    o.log.info('serving', { url: `http://${o.host ?? '127.0.0.1'}:${port}`, store: opened.describe, queue: o.redis ? 'redis' : 'in-process', speedup: clock.speedup });
    let closing: Promise<void> | undefined;
    const c = controller;
    return {
      url: `http://${o.host ?? '127.0.0.1'}:${port}`,
      port,
      server,
      controller: c,
      opened,
      engine,
      close: () =>
        (closing ??= (async () => {
          shuttingDown = true;
          const closed = new Promise<void>((r) => server.close(() => r()));
          server.closeIdleConnections();
          // Streams (SSE) end at their next poll once shuttingDown is set; give requests 5 s.
          await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000).unref())]);
          server.closeAllConnections();
          await c.stop();
          probe.stop();
          if (host) {
            await host.flush();
            host.abandonAll();
          }
          if (dispatch instanceof QueueDispatch) await dispatch.close();
          await engine.close();
          await opened.close();
          o.log.info('stopped');
        })()),
    };
  } catch (e) {
    probe.stop();
    await engine.close();
    await opened.close();
    throw e;
  }
}
