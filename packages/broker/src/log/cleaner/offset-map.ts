/**
 * The cleaner's key -> latest offset map over the dirty section of a log (Kafka's
 * SkimpyOffsetMap). Kafka stores a 16-byte MD5 of each key plus an 8-byte offset in a flat
 * buffer of log.cleaner.dedupe.buffer.size bytes (per cleaner thread), filled to at most
 * 90%. We keep exact keys in a Map (no hash collisions to reason about) but bound the entry
 * count the same way, so the setting means what it means in Kafka: how many distinct keys
 * one cleaning pass can deduplicate. When the dirty section holds more, the pass covers a
 * prefix of it and the next pass continues from there.
 */
import { SamsaError } from '@samsa/protocol';

/** Kafka's bytes per entry: MD5 hash (16) + offset (8). */
export const OFFSET_MAP_ENTRY_BYTES = 24;
/** Kafka's log.cleaner.io.buffer.load.factor default. */
export const OFFSET_MAP_LOAD_FACTOR = 0.9;

export class OffsetMap {
  private readonly offsets = new Map<string, number>();
  /** The largest offset put so far; -1 when empty. */
  latestOffset = -1;
  readonly slots: number;

  constructor(dedupeBufferBytes: number) {
    this.slots = Math.max(1, Math.floor((dedupeBufferBytes * OFFSET_MAP_LOAD_FACTOR) / OFFSET_MAP_ENTRY_BYTES));
  }

  get size(): number {
    return this.offsets.size;
  }

  /** Room for `count` more keys, counting each as new (a batch's records may all be new keys). */
  hasRoomFor(count: number): boolean {
    return this.offsets.size + count <= this.slots;
  }

  /** Records `offset` as the latest for `key`; offsets must be put in increasing order. */
  put(key: Uint8Array, offset: number): void {
    if (offset < this.latestOffset) throw new SamsaError('INTERNAL', `offset map: offset ${offset} put after ${this.latestOffset}`);
    this.offsets.set(keyString(key), offset);
    this.latestOffset = offset;
  }

  /** The latest offset recorded for `key`, or -1. */
  get(key: Uint8Array): number {
    return this.offsets.get(keyString(key)) ?? -1;
  }

  clear(): void {
    this.offsets.clear();
    this.latestOffset = -1;
  }
}

/** latin1 maps each byte to one UTF-16 unit, so distinct byte strings stay distinct. */
function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
