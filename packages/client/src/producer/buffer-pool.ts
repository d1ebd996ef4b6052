/**
 * buffer.memory as Kafka's BufferPool keeps it: batch.size buffers are reused (a free
 * list), other sizes are allocated and dropped, and the total handed out never passes
 * buffer.memory. Allocation never waits here: the producer queues a send that finds no
 * memory and retries it when memory comes back (`onRelease`).
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  /** Memory neither handed out nor held in the free list. */
  private nonPooledAvailable: number;

  constructor(
    readonly totalMemory: number,
    readonly poolableSize: number,
    private readonly onRelease: () => void = () => undefined,
  ) {
    this.nonPooledAvailable = totalMemory;
  }

  /** Bytes that could be handed out now. */
  get availableMemory(): number {
    return this.nonPooledAvailable + this.free.length * this.poolableSize;
  }

  /** A buffer of exactly `size` bytes, or null when buffer.memory has no room for it. */
  tryAllocate(size: number): Buffer | null {
    if (size === this.poolableSize && this.free.length > 0) return this.free.pop()!;
    if (this.availableMemory < size) return null;
    // Drop pooled buffers until the unpooled memory covers the request.
    while (this.nonPooledAvailable < size) {
      this.free.pop();
      this.nonPooledAvailable += this.poolableSize;
    }
    this.nonPooledAvailable -= size;
    return Buffer.allocUnsafe(size);
  }

  /** Gives a buffer back; poolable ones are kept for reuse. */
  release(buf: Buffer): void {
    if (buf.length === this.poolableSize && this.poolableSize > 0) this.free.push(buf);
    else this.nonPooledAvailable += buf.length;
    this.onRelease();
  }
}
