// Opens the service's database: PostgreSQL when a URL is given, else the embedded PGlite in
// the data directory (locked to this process). Applies migrations either way.
import { join } from 'node:path';
import { InputError } from '../common/errors.js';
import { migrate } from '../service/store/migrations.js';
import { Store } from '../service/store/store.js';
import type { Sql } from '../service/store/sql.js';
import { lockDataDir } from './data-dir.js';
import { openPglite } from './db/pglite.js';
import { openPostgres } from './db/postgres.js';

export interface OpenedStore {
  store: Store;
  sql: Sql;
  describe: string;
  close(): Promise<void>;
}

export async function openStore(opts: { dataDir?: string; database?: string }): Promise<OpenedStore> {
  if (opts.database) {
    if (!/^postgres(ql)?:\/\//.test(opts.database)) throw new InputError('--database', [{ path: 'database', message: 'must be a postgres://user@host:port/db URL' }]);
    const sql = openPostgres(opts.database);
    try {
      await migrate(sql);
    } catch (e) {
      await sql.close();
      throw new Error(`cannot use the database at ${opts.database.replace(/:[^:@/]*@/, ':***@')}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { store: new Store(sql), sql, describe: 'postgres', close: () => sql.close() };
  }
  if (!opts.dataDir) throw new InputError('serve', [{ path: 'data-dir', message: 'give --data-dir DIR (embedded database) or --database postgres://…' }]);
  const unlock = lockDataDir(opts.dataDir);
  try {
    const sql = await openPglite(join(opts.dataDir, 'pg'));
    await migrate(sql);
    return {
      store: new Store(sql),
      sql,
      describe: `embedded (PGlite) in ${opts.dataDir}`,
      close: async () => {
        await sql.close();
        unlock();
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}
