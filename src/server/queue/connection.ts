// Redis connection options for BullMQ from a redis:// URL.
import type { ConnectionOptions } from 'bullmq';
import { InputError } from '../../common/errors.js';

export function redisConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError('--redis', [{ path: 'redis', message: `must be a redis://host:port URL; got ${url}` }]);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new InputError('--redis', [{ path: 'redis', message: `must be a redis:// URL; got ${u.protocol}` }]);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers need blocking commands without a retry limit.
    maxRetriesPerRequest: null,
  };
}
