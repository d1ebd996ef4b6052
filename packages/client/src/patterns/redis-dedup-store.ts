/**
 * A dedup store in Redis: mark is `SET <prefix><id> 1 NX PX <ttlMs>`, atomic on the server,
 * so processes sharing the Redis agree on who processes an id; the expiry bounds memory.
 *
 * processOnce() runs the effect, when it is a few Redis commands, in one Lua script with the
 * mark: Redis runs a script whole, so a consumer killed at any moment leaves both or neither
 * (what the SQL stores' processOnce() gives with a transaction).
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

// KEYS[1] the mark, ARGV[1] its expiry in ms, then each command as its word count and words.
// The mark is checked first and set last, so a command that fails (a wrong type) leaves no
// mark and the record is tried again. Redis does not roll back a script: the commands before
// the failing one stay applied, so give effects that cannot fail (INCRBY, HSET, RPUSH, SET).
const PROCESS_ONCE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1`;

/** A Redis command as its words, e.g. ['INCRBY', 'balance:7', '10']. */
export type RedisCommand = readonly string[];

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

  /**
   * Marks `id` and runs `effect` (Redis commands) in one server-side script: both happen or
   * neither, whenever the caller dies. Returns false, and runs nothing, for a duplicate. On a
   * Redis Cluster the effect's keys must share the mark's slot (a {hash tag} in keyPrefix and
   * in the keys).
   */
  async processOnce(id: string, effect: readonly RedisCommand[]): Promise<boolean> {
    const args: string[] = [];
    for (const command of effect) {
      if (command.length === 0) throw new RangeError('an empty Redis command in processOnce');
      args.push(String(command.length), ...command);
    }
    const reply = await this.redis.sendCommand(['EVAL', PROCESS_ONCE_LUA, '1', this.keyPrefix + id, String(this.ttlMs), ...args]);
    return Number(reply) === 1;
  }
}
