// Leader election among API replicas: only the holder of one advisory lock schedules. The lock
// is session-scoped on PostgreSQL (released when the holder's connection dies) and always free
// on the embedded database (a single process owns the data directory).
import type { Sql } from '../store/sql.js';

const LEADER_LOCK = 741_001;

export class Leadership {
  private held = false;

  constructor(private readonly sql: Sql) {}

  get isLeader(): boolean {
    return this.held;
  }

  /** Takes the lock if free; true only on the call that acquired it. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return false;
    this.held = await this.sql.tryLeaderLock(LEADER_LOCK);
    return this.held;
  }
}
