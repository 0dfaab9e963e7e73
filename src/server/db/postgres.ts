// PostgreSQL through node-postgres: a connection pool for independent statements, one pinned
// client per transaction. Used with `--database postgres://…` so several API replicas and
// workers share one store.
import pg from 'pg';
import type { Sql, SqlResult } from '../../service/store/sql.js';

/** A pool or a pinned client: both answer `query` the same way. */
async function run<R>(on: pg.Pool | pg.PoolClient, text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
  const r = await on.query(text, params as unknown[]);
  return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
}

class PoolSql implements Sql {
  readonly dialect = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}

  query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    return run<R>(this.pool, text, params);
  }

  async exec(text: string): Promise<void> {
    await run(this.pool, text);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const out = await fn(new ClientSql(client));
      await client.query('commit');
      return out;
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  private lockClient: pg.PoolClient | undefined;

  /** Holds one pooled connection for the lock; if the process dies the server drops the lock. */
  async tryLeaderLock(key: number): Promise<boolean> {
    if (this.lockClient) return true;
    const client = await this.pool.connect();
    const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [key]);
    if (r.rows[0]?.ok) {
      this.lockClient = client;
      return true;
    }
    client.release();
    return false;
  }

  async close(): Promise<void> {
    this.lockClient?.release();
    await this.pool.end();
  }
}

class ClientSql implements Sql {
  readonly dialect = 'postgres' as const;
  constructor(private readonly client: pg.PoolClient) {}
  query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    return run<R>(this.client, text, params);
  }
  async exec(text: string): Promise<void> {
    await run(this.client, text);
  }
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async tryLeaderLock(): Promise<boolean> {
    return false;
  }
  async close(): Promise<void> {}
}

export function openPostgres(url: string, max = 10): Sql {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return new PoolSql(pool);
}
