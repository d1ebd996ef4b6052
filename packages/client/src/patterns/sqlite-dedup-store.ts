/**
 * A dedup store in an SQLite table whose primary key is the message id: mark is
 * `INSERT OR IGNORE`, and a changed row count of 1 means this caller won.
 *
 * processOnce() marks and runs the effect in one transaction on the same database, so the
 * effect happens exactly once however often the record is delivered and wherever the
 * process dies: a crash before COMMIT rolls back both, after it keeps both.
 *
 * The database is passed in, shaped like better-sqlite3's (synchronous, so a transaction's
 * effect must be synchronous too), so @samsa/client does not depend on it. Why
 * better-sqlite3: the most used SQLite library for Node, maintained, and it installs from
 * the npm registry alone (it compiles its bundled SQLite with node-gyp when no prebuilt
 * binary can be downloaded). Node 20 has no node:sqlite. 13.x needs Node 22: use 12.x.
 */
import type { DedupStore } from './dedup-store.js';

export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
}

export interface SqliteDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  /** Wraps `fn` so that calling the result runs it in BEGIN ... COMMIT (ROLLBACK when it throws). */
  transaction(fn: () => boolean): () => boolean;
}

export interface SqlDedupStoreOptions {
  /** The table (created when missing). Default "samsa_dedup". */
  table?: string;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkTableName(table: string): string {
  if (!TABLE_NAME.test(table)) throw new RangeError(`table name ${JSON.stringify(table)} must match ${TABLE_NAME}`);
  return table;
}

export class SqliteDedupStore implements DedupStore {
  private readonly insert: SqliteStatement;
  private readonly select: SqliteStatement;
  private readonly remove: SqliteStatement;
  private readonly purgeOld: SqliteStatement;

  constructor(private readonly db: SqliteDatabase, options: SqlDedupStoreOptions = {}) {
    const table = checkTableName(options.table ?? 'samsa_dedup');
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, marked_at_ms INTEGER NOT NULL)`);
    this.insert = db.prepare(`INSERT OR IGNORE INTO ${table} (id, marked_at_ms) VALUES (?, ?)`);
    this.select = db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`);
    this.remove = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
    this.purgeOld = db.prepare(`DELETE FROM ${table} WHERE marked_at_ms < ?`);
  }

  async mark(id: string): Promise<boolean> {
    return this.insert.run(id, Date.now()).changes === 1;
  }

  async has(id: string): Promise<boolean> {
    return this.select.get(id) !== undefined;
  }

  async unmark(id: string): Promise<void> {
    this.remove.run(id);
  }

  /** Marks `id` and runs `effect` in one transaction; returns false (and runs nothing) for a duplicate. */
  processOnce(id: string, effect: (db: SqliteDatabase) => void): boolean {
    return this.db.transaction(() => {
      if (this.insert.run(id, Date.now()).changes !== 1) return false;
      effect(this.db);
      return true;
    })();
  }

  /** Forgets ids marked before `beforeMs` (the SQL stores keep ids until purged). Returns how many. */
  purge(beforeMs: number): number {
    return this.purgeOld.run(beforeMs).changes;
  }
}
