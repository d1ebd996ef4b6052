/**
 * A dedup store in Redis: mark is `SET <prefix><id> 1 NX PX <ttlMs>`, atomic on the server,
 * so processes sharing the Redis agree on who processes an id; the expiry bounds memory.
 *
 * The client is passed in (any client that can send a raw command), so @samsa/client does
 * not depend on a Redis library: node-redis `createClient()` works as is; for ioredis pass
 * `{ sendCommand: (args) => redis.call(args[0], ...args.slice(1)) }`.
 */
import type { DedupStore } from './dedup-store.js';

export interface RedisCommander {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisDedupStoreOptions {
  /** Prepended to every id. Default "samsa:dedup:". */
  keyPrefix?: string;
  /** How long an id is remembered. Default 86400000 (a day). */
  ttlMs?: number;
}

export class RedisDedupStore implements DedupStore {
  private readonly keyPrefix: string;
  private readonly ttlMs: number;

  constructor(private readonly redis: RedisCommander, options: RedisDedupStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? 'samsa:dedup:';
    this.ttlMs = options.ttlMs ?? 86_400_000;
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < 1) throw new RangeError(`ttlMs must be a positive integer, got ${this.ttlMs}`);
  }

  async mark(id: string): Promise<boolean> {
    // SET ... NX answers OK when it set the key and nil when the key existed.
    const reply = await this.redis.sendCommand(['SET', this.keyPrefix + id, '1', 'NX', 'PX', String(this.ttlMs)]);
    return reply !== null && reply !== undefined;
  }

  async has(id: string): Promise<boolean> {
    return Number(await this.redis.sendCommand(['EXISTS', this.keyPrefix + id])) === 1;
  }

  async unmark(id: string): Promise<void> {
    await this.redis.sendCommand(['DEL', this.keyPrefix + id]);
  }
}
