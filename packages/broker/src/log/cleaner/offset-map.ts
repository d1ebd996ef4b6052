/**
 * The cleaner's key -> latest offset map over the dirty section of a log (Kafka's
 * SkimpyOffsetMap). Kafka stores a 16-byte MD5 of each key plus an 8-byte offset in a flat
 * buffer of log.cleaner.dedupe.buffer.size bytes, filled to at most 90%. We keep exact keys
 * in a Map (no hash collisions to reason about) under the same budget: a key costs 24 bytes
 * as in Kafka, or its length + 8 when longer, so the setting still bounds the memory a pass
 * takes whatever the keys look like. When the dirty section holds more, the pass covers a
 * prefix of it and the next pass continues from there.
 */
import { SamsaError } from '@samsa/protocol';

/** Kafka's bytes per entry: MD5 hash (16) + offset (8). */
export const OFFSET_MAP_ENTRY_BYTES = 24;
/** Kafka's log.cleaner.io.buffer.load.factor default. */
export const OFFSET_MAP_LOAD_FACTOR = 0.9;

function costOf(key: Uint8Array): number {
  return Math.max(OFFSET_MAP_ENTRY_BYTES, key.byteLength + 8);
}

export class OffsetMap {
  private readonly offsets = new Map<string, number>();
  private usedBytes = 0;
  /** The largest offset put so far; -1 when empty. */
  latestOffset = -1;
  readonly capacityBytes: number;

  constructor(dedupeBufferBytes: number) {
    this.capacityBytes = Math.max(OFFSET_MAP_ENTRY_BYTES, Math.floor(dedupeBufferBytes * OFFSET_MAP_LOAD_FACTOR));
  }

  get size(): number {
    return this.offsets.size;
  }

  /** Room for all of `keys`, counting each as new (cheaper than looking them up). */
  hasRoomFor(keys: readonly Uint8Array[]): boolean {
    let need = 0;
    for (const k of keys) need += costOf(k);
    return this.usedBytes + need <= this.capacityBytes;
  }

  /** Records `offset` as the latest for `key`; offsets must be put in increasing order. */
  put(key: Uint8Array, offset: number): void {
    if (offset < this.latestOffset) throw new SamsaError('INTERNAL', `offset map: offset ${offset} put after ${this.latestOffset}`);
    const k = keyString(key);
    if (!this.offsets.has(k)) this.usedBytes += costOf(key);
    this.offsets.set(k, offset);
    this.latestOffset = offset;
  }

  /** The latest offset recorded for `key`, or -1. */
  get(key: Uint8Array): number {
    return this.offsets.get(keyString(key)) ?? -1;
  }

  clear(): void {
    this.offsets.clear();
    this.usedBytes = 0;
    this.latestOffset = -1;
  }
}

/** latin1 maps each byte to one UTF-16 unit, so distinct byte strings stay distinct. */
function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
