/**
 * A dedup store in a PostgreSQL table whose primary key is the message id: mark is
 * `INSERT ... ON CONFLICT DO NOTHING`, and a row count of 1 means this caller won (the unique
 * index makes concurrent inserts of one id wait for each other, so exactly one wins).
 *
 * processOnce() marks and runs the effect in one transaction on one connection, so the
 * effect commits exactly once; a crash before COMMIT rolls back both. The pool is passed in,
 * shaped like `pg`'s Pool, so @samsa/client does not depend on it.
 */
import type { DedupStore } from './dedup-store.js';
import { checkTableName, type SqlDedupStoreOptions } from './sqlite-dedup-store.js';

export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null; rows: unknown[] }>;
}

export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgQueryable & { release(err?: Error | boolean): void }>;
}

export class PostgresDedupStore implements DedupStore {
  private readonly table: string;
  private ready: Promise<void> | null = null;

  constructor(private readonly pool: PgPoolLike, options: SqlDedupStoreOptions = {}) {
    this.table = checkTableName(options.table ?? 'samsa_dedup');
  }

  /** Creates the table when missing (done by the first call otherwise). */
  init(): Promise<void> {
    this.ready ??= this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.table} (id TEXT PRIMARY KEY, marked_at TIMESTAMPTZ NOT NULL DEFAULT now())`).then(() => undefined);
    return this.ready;
  }

  async mark(id: string): Promise<boolean> {
    await this.init();
    return (await this.pool.query(`INSERT INTO ${this.table} (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [id])).rowCount === 1;
  }

  async has(id: string): Promise<boolean> {
    await this.init();
    return (await this.pool.query(`SELECT 1 FROM ${this.table} WHERE id = $1`, [id])).rows.length > 0;
  }

  async unmark(id: string): Promise<void> {
    await this.init();
    await this.pool.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
  }

  /** Marks `id` and runs `effect` in one transaction; returns false (and commits nothing) for a duplicate. */
  async processOnce(id: string, effect: (client: PgQueryable) => Promise<unknown>): Promise<boolean> {
    await this.init();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      if ((await client.query(`INSERT INTO ${this.table} (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [id])).rowCount !== 1) {
        await client.query('ROLLBACK');
        return false;
      }
      await effect(client);
      await client.query('COMMIT');
      return true;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw e;
    } finally {
      client.release(broken);
    }
  }

  /** Forgets ids marked before `before`. Returns how many. */
  async purge(before: Date): Promise<number> {
    await this.init();
    return (await this.pool.query(`DELETE FROM ${this.table} WHERE marked_at < $1`, [before])).rowCount ?? 0;
  }
}
