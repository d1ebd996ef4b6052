/**
 * Reusable buffers for fetch reads. A fetch reads up to max.partition.fetch.bytes (8 MiB by
 * default) per partition; a fresh buffer for each read costs more than the read itself:
 * the kernel maps and zeroes new pages (page faults in the thread doing the pread), and V8
 * counts the external memory and runs full collections to reclaim it. Measured on the
 * consume benchmark: 30% of the broker's main-thread time in the garbage collector and most
 * of the thread pool's time in page faults.
 *
 * A buffer handed out is leased until release(): the caller releases it only once nothing
 * refers to it any more (for a fetch, when the socket has written the response). Buffers are
 * matched by their ArrayBuffer, so releasing any view of a leased buffer returns it, and
 * releasing a buffer the pool did not hand out does nothing.
 */

/** Reads smaller than this come from Node's allocator: they are cheap and would fragment the pool. */
export const POOLED_MIN_BYTES = 64 * 1024;
const ROUNDING_BYTES = 64 * 1024;
/** A free buffer serves a request at least this fraction of its size, so big buffers are not wasted on small reads. */
const MIN_FILL = 0.5;

export interface ReadBufferPoolOptions {
  /** Free bytes kept for reuse; released buffers beyond it are left to the garbage collector. */
  maxRetainedBytes: number;
  /** Free buffers unused this long are dropped, so an idle broker gives the memory back. */
  idleTrimMs: number;
}

export class ReadBufferPool {
  private readonly free: Buffer[] = [];
  private readonly leased = new Map<ArrayBufferLike, Buffer>();
  private freeBytes = 0;
  private trimTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ReadBufferPoolOptions) {}

  /** A buffer of exactly `size` bytes (a view of a pooled one when large); contents are stale. */
  acquire(size: number): Buffer {
    if (size < POOLED_MIN_BYTES) return Buffer.allocUnsafe(size);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const len = this.free[i]!.length;
      if (len >= size && len * MIN_FILL <= size && (best < 0 || len < this.free[best]!.length)) best = i;
    }
    let slab: Buffer;
    if (best >= 0) {
      slab = this.free[best]!;
      this.free[best] = this.free[this.free.length - 1]!;
      this.free.pop();
      this.freeBytes -= slab.length;
    } else {
      slab = Buffer.allocUnsafeSlow(Math.ceil(size / ROUNDING_BYTES) * ROUNDING_BYTES);
    }
    this.leased.set(slab.buffer, slab);
    return slab.subarray(0, size);
  }

  /** Returns the pooled buffer behind `view` (if any) for reuse. */
  release(view: Buffer): void {
    const slab = this.leased.get(view.buffer);
    if (!slab) return;
    this.leased.delete(view.buffer);
    if (this.freeBytes + slab.length > this.opts.maxRetainedBytes) return;
    this.free.push(slab);
    this.freeBytes += slab.length;
    this.scheduleTrim();
  }

  get retainedBytes(): number {
    return this.freeBytes;
  }

  get leasedCount(): number {
    return this.leased.size;
  }

  /** Drops every free buffer (leased ones are dropped when released after this). */
  clear(): void {
    this.free.length = 0;
    this.freeBytes = 0;
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.trimTimer = null;
  }

  private scheduleTrim(): void {
    if (this.trimTimer) {
      this.trimTimer.refresh();
      return;
    }
    this.trimTimer = setTimeout(() => {
      this.trimTimer = null;
      this.free.length = 0;
      this.freeBytes = 0;
    }, this.opts.idleTrimMs);
    this.trimTimer.unref();
  }
}
