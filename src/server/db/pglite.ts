// The embedded database: PGlite (PostgreSQL 17 compiled to WebAssembly) on a data directory.
// Chosen over SQLite because it is the same SQL engine as the scale-out database, so the
// migrations and queries are one text, and it installs with no native build. Writes go to the
// directory's files through the OS as PostgreSQL commits them (WAL), so a killed process loses
// nothing acknowledged; the kill -9 test checks this. PGlite is single-connection and
// single-process: a lock file keeps a second process off the same directory.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Sql, SqlResult } from '../../service/store/sql.js';

type Queryable = PGlite | Transaction;

class PgliteSql implements Sql {
  readonly dialect = 'pglite' as const;
  constructor(
    private readonly db: Queryable,
    private readonly root: PGlite,
  ) {}

  async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    const r = await this.db.query<R>(text, params as unknown[]);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }

  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.db !== this.root) return fn(this); // already inside one: PGlite has no nesting
    return this.root.transaction((tx) => fn(new PgliteSql(tx, this.root)));
  }

  async tryLeaderLock(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    if (this.db === this.root) await this.root.close();
  }
}

export async function openPglite(dataDir: string): Promise<Sql> {
  const db = await PGlite.create(dataDir);
  return new PgliteSql(db, db);
}
