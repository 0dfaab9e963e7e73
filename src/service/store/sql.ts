// The one database seam: parameterised SQL with PostgreSQL semantics. The embedded database
// (PGlite: PostgreSQL compiled to WebAssembly) and a real PostgreSQL server both implement it,
// so the migrations and every query are the same text on both. Implementations live in
// src/server (they need Node APIs); this layer only speaks through the interface.

export interface SqlResult<R> {
  rows: R[];
  /** Rows inserted, updated or deleted (0 for a SELECT on some drivers). */
  rowCount: number;
}

export interface Sql {
  readonly dialect: 'pglite' | 'postgres';
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Takes a session-scoped lock for the connection's lifetime (leader election among
   * replicas); false if another session holds it. The embedded database is single-process. */
  tryLeaderLock(key: number): Promise<boolean>;
  close(): Promise<void>;
}
