/**
 * The sparse offset index of one segment: entries (relative offset uint32, position uint32),
 * big-endian, 8 bytes each. An entry says "the batch whose baseOffset is base + relative
 * offset starts at this byte of the .log". One entry is added for the first batch after at
 * least index.interval.bytes of log since the previous entry, so a lookup is followed by a
 * scan of at most about that many bytes of batch headers.
 */
import { SamsaError } from '@samsa/protocol';
import type { FileOps } from './log-file.js';
import { SparseIndex } from './sparse-index.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex extends SparseIndex {
  constructor(path: string, baseOffset: number, maxIndexBytes: number, ops: FileOps) {
    super(path, baseOffset, OFFSET_INDEX_ENTRY_BYTES, Math.max(1, Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_BYTES)), ops);
  }

  private relativeOffsetAt(i: number): number {
    return this.buf.readUInt32BE(i * OFFSET_INDEX_ENTRY_BYTES);
  }

  entry(i: number): OffsetPosition {
    return {
      offset: this.baseOffset + this.relativeOffsetAt(i),
      position: this.buf.readUInt32BE(i * OFFSET_INDEX_ENTRY_BYTES + 4),
    };
  }

  lastEntry(): OffsetPosition | null {
    return this.count === 0 ? null : this.entry(this.count - 1);
  }

  /** Adds an entry; offsets and positions must both increase. */
  append(offset: number, position: number): void {
    const last = this.lastEntry();
    if (last && (offset <= last.offset || position <= last.position)) {
      throw new SamsaError('INTERNAL', `${this.path}: index entry (${offset}, ${position}) does not follow (${last.offset}, ${last.position})`);
    }
    const at = this.reserve();
    this.buf.writeUInt32BE(offset - this.baseOffset, at);
    this.buf.writeUInt32BE(position, at + 4);
  }

  /** The greatest entry whose offset is <= `offset`; the segment start when there is none. */
  lookup(offset: number): OffsetPosition {
    const relative = offset - this.baseOffset;
    if (relative < 0) return { offset: this.baseOffset, position: 0 };
    const i = this.upperBound(relative, (k) => this.relativeOffsetAt(k)) - 1;
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(i);
  }

  /** Removes the entries for offsets >= `offset`. */
  truncateToOffset(offset: number): void {
    const relative = Math.max(0, offset - this.baseOffset);
    const keep = relative > 0xffffffff ? this.count : this.upperBound(relative - 1, (k) => this.relativeOffsetAt(k));
    this.truncateEntries(keep);
  }

  /** Why the loaded entries cannot describe a .log of `logBytes`, or null if they can. */
  check(logBytes: number): string | null {
    let previous: OffsetPosition | null = null;
    for (let i = 0; i < this.count; i++) {
      const e = this.entry(i);
      if (e.position >= logBytes) return `entry ${i} points at byte ${e.position} of a ${logBytes}-byte log`;
      if (previous && (e.offset <= previous.offset || e.position <= previous.position)) return `entry ${i} does not increase`;
      previous = e;
    }
    return null;
  }
}
