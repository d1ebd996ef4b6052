/**
 * Splits a TCP byte stream into Kafka frames (int32 size, then that many bytes). Chunks are
 * kept as they arrive and joined only when a frame spans several of them, so a chunk holding
 * many small responses is sliced without copying.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** `maxFrameBytes` guards against a corrupt size field asking for gigabytes. */
  constructor(private readonly maxFrameBytes: number) {}

  /** Adds a chunk and calls `onFrame` for every complete frame; throws on an impossible size. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    if (this.buffered === 0) {
      this.consume(chunk, onFrame);
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < 4) return;
    const size = this.peekSize();
    if (this.buffered < 4 + size) return;
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    this.consume(joined, onFrame);
  }

  private consume(buf: Buffer, onFrame: (frame: Buffer) => void): void {
    let at = 0;
    while (buf.length - at >= 4) {
      const size = buf.readInt32BE(at);
      this.check(size);
      if (buf.length - at - 4 < size) break;
      onFrame(buf.subarray(at + 4, at + 4 + size));
      at += 4 + size;
    }
    if (at < buf.length) {
      this.chunks = [buf.subarray(at)];
      this.buffered = buf.length - at;
    }
  }

  private peekSize(): number {
    const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const size = head.readInt32BE(0);
    this.check(size);
    return size;
  }

  private check(size: number): void {
    if (size < 0 || size > this.maxFrameBytes) throw new RangeError(`response frame of ${size} bytes (limit ${this.maxFrameBytes})`);
  }
}
