// `opendojo serve`: the training service's HTTP API (docs/api.md), and `opendojo admin
// create-key`: the bootstrap admin key, printed once. SIGINT/SIGTERM shut down gracefully.
import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { jsonLogger, type Level } from '../../service/api/logger.js';
import { newKey } from '../../server/http/auth.js';
import { openStore } from '../../server/open-store.js';
import { startService } from '../../server/service.js';
import { startWorker } from '../../server/queue/worker.js';
import { assertRedisReachable } from '../redis-probe.js';
import { parseIntFlag, parsePositiveFlag } from './service-flags.js';

const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** A graceful shutdown gets this long; then the process leaves anyway (a second signal leaves at once). */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Resolve when `close` finishes, or after the grace period, or on a second signal: never hang. */
function untilStopped(close: () => Promise<void>, log: { info: (m: string, f?: Record<string, unknown>) => void; warn: (m: string, f?: Record<string, unknown>) => void }): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      const timer = setTimeout(() => {
        log.warn('shutdown did not finish in time; exiting', { graceMs: SHUTDOWN_GRACE_MS });
        resolve();
      }, SHUTDOWN_GRACE_MS);
      timer.unref();
      const force = () => {
        log.warn('second signal; exiting now');
        resolve();
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      void close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the training service: the HTTP API, scheduler and (without --redis) the run host, on an embedded database or PostgreSQL')
    .option('--port <n>', 'TCP port (0 picks a free one)', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'embedded database directory (created if missing)', '.opendojo')
    .option('--database <url>', 'PostgreSQL URL instead of the embedded database, e.g. postgres://user@host:5432/opendojo')
    .option('--redis <url>', 'run jobs on workers (`opendojo worker`) through this Redis, e.g. redis://127.0.0.1:6379')
    .option('--speedup <x>', 'virtual seconds per wall second (default 3600, or what the store already uses)')
    .option('--rate <n>', 'requests per second per API key', '100')
    .option('--max-body-kb <n>', 'largest request body, KiB', '256')
    .option('--max-streams-per-tenant <n>', 'open event streams per tenant', '16')
    .option('--max-streams <n>', 'open event streams on this server', '256')
    .option('--auth-failure-rate <n>', 'requests per second with a missing or invalid key, per client address', '5')
    .option('--log-level <level>', `one of ${LEVELS.join(', ')}`, 'info')
    .addHelpText('after', '\nExamples:\n  opendojo admin create-key --data-dir .opendojo   # once: prints the admin key\n  opendojo serve --port 8080 --data-dir .opendojo\n  opendojo serve --port 8080 --database postgres://postgres@127.0.0.1:5432/opendojo --redis redis://127.0.0.1:6379\n')
    .action(async (opts: { port: string; host: string; dataDir: string; database?: string; redis?: string; speedup?: string; rate: string; maxBodyKb: string; maxStreamsPerTenant: string; maxStreams: string; authFailureRate: string; logLevel: string }) => {
      if (!(LEVELS as readonly string[]).includes(opts.logLevel)) throw new InputError('serve', [{ path: 'log-level', message: `must be one of ${LEVELS.join(', ')}` }]);
      const log = jsonLogger((l) => process.stderr.write(l), opts.logLevel as Level, { service: 'opendojo' });
      const rate = parsePositiveFlag(opts.rate, 'rate');
      if (opts.redis) await assertRedisReachable(opts.redis);
      const service = await startService({
        port: parseIntFlag(opts.port, 'port', 0, 65535),
        host: opts.host,
        ...(opts.database ? { database: opts.database } : { dataDir: opts.dataDir }),
        ...(opts.redis ? { redis: opts.redis } : {}),
        ...(opts.speedup !== undefined ? { speedup: parsePositiveFlag(opts.speedup, 'speedup') } : {}),
        ratePerSecond: rate,
        rateBurst: Math.max(1, 2 * rate),
        maxBodyBytes: parseIntFlag(opts.maxBodyKb, 'max-body-kb', 1, 1 << 20) * 1024,
        maxStreamsPerTenant: parseIntFlag(opts.maxStreamsPerTenant, 'max-streams-per-tenant', 1, 100_000),
        maxStreams: parseIntFlag(opts.maxStreams, 'max-streams', 1, 1_000_000),
        authFailuresPerSecond: parsePositiveFlag(opts.authFailureRate, 'auth-failure-rate'),
        log,
      });
      // Handlers first, then the line: a supervisor (or a test) that signals as soon as it reads
      // the URL must find them installed, not meet the default action that kills the process.
      const stopped = untilStopped(() => service.close(), log);
      process.stdout.write(`opendojo serving on ${service.url}\n`);
      await stopped;
    });

  program
    .command('worker')
    .description('Execute training runs from the Redis queue of a service running with --database and --redis (see docs/api.md, scale-out)')
    .requiredOption('--database <url>', 'the service’s PostgreSQL URL')
    .requiredOption('--redis <url>', 'the service’s Redis URL')
    .option('--concurrency <n>', 'runs at once', '16')
    .option('--lock-ms <n>', 'how long a dead worker’s runs stay locked before another worker takes them', '10000')
    .option('--name <name>', 'a name for logs and events')
    .option('--log-level <level>', `one of ${LEVELS.join(', ')}`, 'info')
    .action(async (opts: { database: string; redis: string; concurrency: string; lockMs: string; name?: string; logLevel: string }) => {
      if (!(LEVELS as readonly string[]).includes(opts.logLevel)) throw new InputError('worker', [{ path: 'log-level', message: `must be one of ${LEVELS.join(', ')}` }]);
      const log = jsonLogger((l) => process.stderr.write(l), opts.logLevel as Level, { service: 'opendojo-worker', ...(opts.name ? { worker: opts.name } : {}) });
      await assertRedisReachable(opts.redis);
      const worker = await startWorker({ database: opts.database, redis: opts.redis, concurrency: parseIntFlag(opts.concurrency, 'concurrency', 1, 1000), lockMs: parseIntFlag(opts.lockMs, 'lock-ms', 500, 600_000), log, ...(opts.name ? { name: opts.name } : {}) });
      const stopped = untilStopped(() => worker.close(), log);
      process.stdout.write('opendojo worker ready\n');
      await stopped;
    });

  const admin = program.command('admin').description('Administration on the service’s database directly (not over HTTP)');
  admin
    .command('create-key')
    .description('Create an admin API key and print it once (only its hash is stored). Refuses if an admin key exists, unless --another')
    .option('--data-dir <dir>', 'embedded database directory', '.opendojo')
    .option('--database <url>', 'PostgreSQL URL instead')
    .option('--another', 'create one even if an admin key exists')
    .action(async (opts: { dataDir: string; database?: string; another?: boolean }) => {
      const opened = await openStore(opts.database ? { database: opts.database } : { dataDir: opts.dataDir });
      try {
        if (!opts.another && (await opened.store.countAdminKeys()) > 0) {
          throw new InputError('admin create-key', [{ path: 'another', message: 'an admin key already exists; pass --another to create a second one' }]);
        }
        const key = newKey();
        await opened.store.createApiKey({ id: key.id, tenantId: null, role: 'admin', secretSha256: key.sha256, label: 'bootstrap' });
        process.stdout.write(`${key.token}\n`);
        process.stderr.write('This admin key is shown once; store it safely (e.g. export OPENDOJO_API_KEY=…).\n');
      } finally {
        await opened.close();
      }
    });
}
