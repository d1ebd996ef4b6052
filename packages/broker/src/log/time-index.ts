/**
 * The time index of one segment: entries (timestamp int64, relative offset uint32),
 * big-endian, 12 bytes each. An entry (T, o) is added with the offset index entries when the
 * largest timestamp seen so far grew: T is that timestamp and o the base offset of the batch
 * that holds it. It promises that every record appended before the entry has a timestamp
 * <= T, so a search for the first record with timestamp >= t may start at the batch o of the
 * last entry with T < t. Timestamps in the file strictly increase.
 */
import { SamsaError } from '@samsa/protocol';
import { readInt64, writeInt64 } from './batch-header.js';
import type { FileOps } from './log-file.js';
import { SparseIndex } from './sparse-index.js';

export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex extends SparseIndex {
  constructor(path: string, baseOffset: number, maxIndexBytes: number, ops: FileOps) {
    super(path, baseOffset, TIME_INDEX_ENTRY_BYTES, Math.max(1, Math.floor(maxIndexBytes / TIME_INDEX_ENTRY_BYTES)), ops);
  }

  private timestampAt(i: number): number {
    // Unsafe values are rejected by check() on load and never written, so null cannot occur.
    return readInt64(this.buf, i * TIME_INDEX_ENTRY_BYTES) ?? Number.MAX_SAFE_INTEGER;
  }

  entry(i: number): TimestampOffset {
    return { timestamp: this.timestampAt(i), offset: this.baseOffset + this.buf.readUInt32BE(i * TIME_INDEX_ENTRY_BYTES + 8) };
  }

  lastEntry(): TimestampOffset | null {
    return this.count === 0 ? null : this.entry(this.count - 1);
  }

  /** Adds (timestamp, offset) if the timestamp is larger than the last entry's. */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry();
    // An empty index behaves as if it ended in (-1, base): -1 means "no timestamp".
    if (timestamp <= (last ? last.timestamp : -1)) return;
    if (last && offset < last.offset) {
      throw new SamsaError('INTERNAL', `${this.path}: time index offset ${offset} goes back from ${last.offset}`);
    }
    const at = this.reserve();
    writeInt64(this.buf, timestamp, at);
    this.buf.writeUInt32BE(offset - this.baseOffset, at + 8);
  }

  /** The offset at which to start looking for the first record with timestamp >= `timestamp`. */
  lookup(timestamp: number): number {
    const i = this.upperBound(timestamp - 1, (k) => this.timestampAt(k)) - 1;
    return i < 0 ? this.baseOffset : this.entry(i).offset;
  }

  /** Removes the entries for offsets >= `offset`. */
  truncateToOffset(offset: number): void {
    let keep = this.count;
    while (keep > 0 && this.entry(keep - 1).offset >= offset) keep--;
    this.truncateEntries(keep);
  }

  /** Why the loaded entries cannot describe a segment ending before `nextOffset`, or null. */
  check(nextOffset: number): string | null {
    let previous: TimestampOffset | null = null;
    for (let i = 0; i < this.count; i++) {
      if (readInt64(this.buf, i * TIME_INDEX_ENTRY_BYTES) === null) return `entry ${i} timestamp is beyond 2^53`;
      const e = this.entry(i);
      if (e.offset >= nextOffset) return `entry ${i} offset ${e.offset} is past the segment end ${nextOffset}`;
      if (previous && (e.timestamp <= previous.timestamp || e.offset < previous.offset)) return `entry ${i} does not increase`;
      previous = e;
    }
    return null;
  }
}
