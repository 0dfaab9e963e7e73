// `serve --redis` and `worker` check that Redis answers before starting: BullMQ would otherwise
// retry in the background forever while the service looks healthy and jobs never run.
import { Redis } from 'ioredis';
import { InputError } from '../common/errors.js';
import { redisConnection } from '../server/queue/connection.js';

/** How long to wait for Redis to accept a connection and answer PING. */
export const REDIS_PROBE_MS = 3000;

export async function assertRedisReachable(url: string, timeoutMs = REDIS_PROBE_MS): Promise<void> {
  const options = redisConnection(url); // validates the URL (InputError naming --redis)
  const shown = url.replace(/\/\/[^@/]*@/, '//…@'); // never echo a password
  const client = new Redis({ ...(options as object), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // The socket's own error (ECONNREFUSED, ENOTFOUND, auth) says more than ioredis's "Connection is closed".
  let cause: Error | undefined;
  client.on('error', (e: Error) => {
    cause ??= e;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (e) {
    throw new InputError('--redis', [{ path: 'redis', message: `cannot reach Redis at ${shown}: ${(cause ?? (e as Error)).message}; start Redis there or fix the URL` }]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
