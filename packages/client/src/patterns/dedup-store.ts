/**
 * Dedup stores remember which message ids were processed, so a record delivered again (a
 * replay after a crash, a rebalance, a redrive, a producer retry without idempotence) is
 * recognised. mark() is atomic in every store (a Map, Redis SET NX, an SQL unique key), so
 * two workers racing on the same id cannot both win.
 *
 * MemoryDedupStore is per process and forgets on restart: it stops duplicates inside one run
 * (redelivery after a rebalance to the same member, a producer sending twice), not across
 * crashes. Use the Redis or SQL stores for that.
 */

export interface DedupStore {
  /** Marks `id`; true when it was not marked (process it), false when it was (a duplicate). Atomic. */
  mark(id: string): Promise<boolean>;
  /** Whether `id` is marked (and not expired). */
  has(id: string): Promise<boolean>;
  /** Forgets `id` (a mark-before whose processing failed, so a retry processes it). */
  unmark(id: string): Promise<void>;
}

export interface MemoryDedupStoreOptions {
  /** The most ids kept; the oldest are forgotten first. Default 100000. */
  maxEntries?: number;
  /** How long an id is remembered. Default 86400000 (a day). */
  ttlMs?: number;
  /** Injected clock (tests). */
  now?: () => number;
}

export class MemoryDedupStore implements DedupStore {
  /** id -> expiry (ms); a Map iterates in insertion order, and a re-mark re-inserts, so the first entry expires first. */
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MemoryDedupStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.ttlMs = options.ttlMs ?? 86_400_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${this.maxEntries}`);
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${this.ttlMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  async mark(id: string): Promise<boolean> {
    return this.markSync(id);
  }

  /** The synchronous mark (nothing can interleave with it on the event loop). */
  markSync(id: string): boolean {
    const now = this.now();
    this.expire(now);
    const until = this.entries.get(id);
    if (until !== undefined && until > now) return false;
    this.entries.delete(id);
    this.entries.set(id, now + this.ttlMs);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return true;
  }

  async has(id: string): Promise<boolean> {
    const now = this.now();
    this.expire(now);
    return (this.entries.get(id) ?? 0) > now;
  }

  async unmark(id: string): Promise<void> {
    this.entries.delete(id);
  }

  private expire(now: number): void {
    for (const [id, until] of this.entries) {
      if (until > now) break;
      this.entries.delete(id);
    }
  }
}
