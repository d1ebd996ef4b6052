/**
 * What the offset index and the time index share: fixed-size entries kept in memory (the
 * lookups binary-search them there) and mirrored to a file that is only ever appended to or
 * cut back. The file is a cache: it is written when a segment is rolled or closed, or rebuilt,
 * not on every append, and whenever it is missing or fails a check it is rebuilt from the
 * .log (STYLE habit 3: indexes are rebuilt instead of checksummed).
 *
 * Unlike Kafka there is no mmap and no preallocation: the file is exactly `count` entries
 * long, and `maxEntries` (segment.index.bytes / entry size) only decides when to roll.
 */
import { LogFile, type FileOps } from './log-file.js';

export abstract class SparseIndex {
  protected buf: Buffer;
  /** Entries in memory. */
  count = 0;
  /** Leading entries that the file already holds, identical to memory. */
  private fileEntries = 0;
  /** The file's length on disk as last known (it may hold stale entries past fileEntries). */
  private fileBytes = 0;
  private file: LogFile | null = null;
  private unsynced = false;

  constructor(
    readonly path: string,
    readonly baseOffset: number,
    readonly entryBytes: number,
    readonly maxEntries: number,
    private readonly ops: FileOps,
  ) {
    this.buf = Buffer.alloc(entryBytes * 64);
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get sizeBytes(): number {
    return this.count * this.entryBytes;
  }

  /** Byte position in `buf` for the next entry, growing the buffer by doubling. */
  protected reserve(): number {
    const at = this.count * this.entryBytes;
    if (at + this.entryBytes > this.buf.length) {
      const bigger = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, at);
      this.buf = bigger;
    }
    this.count++;
    return at;
  }

  /** Keeps the first `entries` entries. */
  protected truncateEntries(entries: number): void {
    this.count = Math.min(this.count, entries);
    this.fileEntries = Math.min(this.fileEntries, this.count);
  }

  /** Smallest entry index whose key is > `key`, given `keyAt(i)` ascending. */
  protected upperBound(key: number, keyAt: (i: number) => number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops every entry and forgets what the file holds, before a rebuild. */
  reset(): void {
    this.count = 0;
    this.fileEntries = 0;
  }

  /**
   * Reads the file into memory. Returns 'missing' when there is none, 'loaded' when it was
   * read and `check()` accepts it, or the reason it was rejected (the index is then empty,
   * to be rebuilt by the caller).
   */
  async load(check: () => string | null): Promise<'missing' | 'loaded' | string> {
    let file: LogFile;
    try {
      file = await LogFile.open(this.path, this.ops, 'existing');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw e;
    }
    this.file = file;
    const { size } = await file.stat();
    this.fileBytes = size;
    this.reset();
    if (size % this.entryBytes !== 0) return `size ${size} is not a multiple of ${this.entryBytes}`;
    const bytes = await file.readAt(0, size);
    if (bytes.length !== size) return `read ${bytes.length} of ${size} bytes`;
    this.buf = Buffer.alloc(Math.max(size, this.entryBytes * 64));
    bytes.copy(this.buf);
    this.count = size / this.entryBytes;
    const problem = check();
    if (problem !== null) {
      this.reset();
      return problem;
    }
    this.fileEntries = this.count;
    return 'loaded';
  }

  /** Makes the file equal to memory: appends the new entries, cuts off removed ones. */
  async persist(): Promise<void> {
    const bytes = this.count * this.entryBytes;
    if (this.fileEntries === this.count && this.fileBytes === bytes && this.file) return;
    if (!this.file) {
      // A file left from before (a rebuild, a recovery) may be longer than what we write.
      this.file = await LogFile.open(this.path, this.ops, 'create');
      this.fileBytes = (await this.file.stat()).size;
    }
    if (this.fileEntries < this.count) {
      const from = this.fileEntries * this.entryBytes;
      await this.file.writeAll([this.buf.subarray(from, bytes)], from);
      this.fileBytes = Math.max(this.fileBytes, bytes);
    }
    if (this.fileBytes !== bytes) {
      await this.file.truncate(bytes);
      this.fileBytes = bytes;
    }
    this.fileEntries = this.count;
    this.unsynced = true;
  }

  /** fdatasync of the file, if persist() wrote anything since the last sync. */
  async sync(): Promise<void> {
    if (!this.unsynced || !this.file) return;
    this.unsynced = false;
    await this.file.datasync();
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = null;
    await file?.close();
  }
}
