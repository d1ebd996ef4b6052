/**
 * The last batches a leader appended, kept in memory so its followers' fetches of them need
 * no file read. A caught-up follower asks for exactly what the leader wrote a moment ago;
 * reading it back from the page cache goes through libuv's thread pool (shared with fsyncs),
 * a round trip on every replication step that an acks=all produce waits for.
 *
 * Entries are the appended buffers themselves (the produce request's bytes with offsets
 * assigned; nothing writes to them afterwards), so adding one copies nothing. The cache
 * holds only the active segment's tail: the log clears it on roll, truncation, compaction
 * and close, so a read it serves is what the file read would return, in fewer batches at
 * most (the caller fetches again). The partition trims it as followers fetch past entries,
 * so in steady state it holds only what is not yet replicated, and never more than
 * `maxBytes` (counted as the appended bytes; an entry keeps alive the request buffer it is
 * a view of until it is dropped).
 */
import type { BatchMeta } from './batch-header.js';
import type { ReadBufferPool } from './read-buffer-pool.js';
import type { ReadResult } from './types.js';

interface Entry {
  readonly blob: Buffer;
  /** Positions relative to blob. */
  readonly batches: readonly BatchMeta[];
  readonly baseOffset: number;
  readonly nextOffset: number;
}

export class TailCache {
  private entries: Entry[] = [];
  private bytes = 0;
  /** Reads served and reads that fell through to the file (for tests and benchmarks). */
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get cachedBytes(): number {
    return this.bytes;
  }

  /** An append that landed at the log end; entries must arrive in offset order. */
  add(blob: Buffer, batches: readonly BatchMeta[]): void {
    if (batches.length === 0 || blob.length > this.maxBytes) return this.clear();
    const last = this.entries[this.entries.length - 1];
    // A gap (a write that bypassed the cache) would make a read skip offsets: start over.
    if (last && batches[0]!.baseOffset < last.nextOffset) this.clear();
    this.entries.push({ blob, batches, baseOffset: batches[0]!.baseOffset, nextOffset: batches[batches.length - 1]!.lastOffset + 1 });
    this.bytes += blob.length;
    while (this.bytes > this.maxBytes) this.dropFirst();
  }

  /** Drops entries wholly below `offset` (every follower that matters holds them). */
  trimBelow(offset: number): void {
    while (this.entries.length > 0 && this.entries[0]!.nextOffset <= offset) this.dropFirst();
  }

  clear(): void {
    this.entries = [];
    this.bytes = 0;
  }

  /**
   * As PartitionLog.read, or null when the cache does not hold `fetchOffset` (the caller
   * reads the file). `fetchOffset` is below the log end and `maxOffset`.
   */
  read(fetchOffset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean, pool: ReadBufferPool | undefined): ReadResult | null {
    const first = this.entries[0];
    if (!first || fetchOffset < first.baseOffset || fetchOffset >= this.entries[this.entries.length - 1]!.nextOffset) {
      this.misses++;
      return null;
    }
    let e = 0;
    while (this.entries[e]!.nextOffset <= fetchOffset) e++;
    let b = 0;
    while (this.entries[e]!.batches[b]!.lastOffset < fetchOffset) b++;
    // Whole batches below maxOffset and within maxBytes (the first one whole if minOneBatch).
    const parts: Buffer[] = [];
    let bytes = 0;
    let firstOffset = -1;
    let nextOffset = fetchOffset;
    outer: for (; e < this.entries.length; e++, b = 0) {
      const entry = this.entries[e]!;
      let from = -1;
      let to = -1;
      for (; b < entry.batches.length; b++) {
        const batch = entry.batches[b]!;
        if (batch.lastOffset >= maxOffset) break;
        if (bytes + batch.size > maxBytes && !(minOneBatch && bytes === 0)) break;
        if (from < 0) from = batch.position;
        if (firstOffset < 0) firstOffset = batch.baseOffset;
        to = batch.position + batch.size;
        bytes += batch.size;
        nextOffset = batch.lastOffset + 1;
      }
      if (from >= 0) parts.push(entry.blob.subarray(from, to));
      if (b < entry.batches.length) break outer;
    }
    this.hits++;
    if (parts.length === 0) return { records: Buffer.alloc(0), firstOffset: -1, nextOffset: fetchOffset };
    if (parts.length === 1) return { records: parts[0]!, firstOffset, nextOffset };
    // Several appends: one buffer, leased like a file read's so the caller's release applies.
    const records = pool ? pool.acquire(bytes) : Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const part of parts) at += part.copy(records, at);
    return { records, firstOffset, nextOffset };
  }

  private dropFirst(): void {
    const dropped = this.entries.shift()!;
    this.bytes -= dropped.blob.length;
  }
}
