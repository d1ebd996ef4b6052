import { SamsaError } from '../errors/samsa-error.js';

/** Buffers at least this large are kept by reference instead of copied (record data). */
const ZERO_COPY_MIN_BYTES = 4096;

/**
 * Writes Kafka wire primitives into a growing buffer. Large byte blocks (record batches)
 * are appended by reference, so a 1 MiB Fetch response is never copied: `chunks()` hands
 * the pieces to socket.writev-style writers; `finish()` joins them when one buffer is needed.
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  private readonly done: Buffer[] = [];
  private doneBytes = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.doneBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int8(v: number): void {
    this.ensure(1);
    this.pos = this.buf.writeInt8(v, this.pos);
  }

  int16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  uint16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  int32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  uint32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }

  float64(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  uuid(v: string): void {
    const raw = Buffer.from(v, 'base64url');
    if (raw.length !== 16) throw new SamsaError('ENCODE_INVALID', `uuid ${JSON.stringify(v)} is not 16 bytes of base64url`);
    this.raw(raw);
  }

  unsignedVarint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new SamsaError('ENCODE_INVALID', `unsigned varint out of range: ${v}`);
    }
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.unsignedVarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: bigint): void {
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (z >= 0x80n) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
  }

  /** A zig-zag varlong from a safe integer, without going through bigint. */
  varlongNumber(v: number): void {
    if (!Number.isSafeInteger(v)) throw new SamsaError('ENCODE_INVALID', `varlong ${v} is not a safe integer`);
    let z = v >= 0 ? v * 2 : -v * 2 - 1;
    this.ensure(10);
    while (z >= 0x80) {
      this.buf[this.pos++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    this.buf[this.pos++] = z;
  }

  private utf8(v: string, lengthPrefix: (n: number) => void): void {
    // Fast path: ASCII strings (topic names, ids) have byteLength === length.
    const n = Buffer.byteLength(v, 'utf8');
    lengthPrefix(n);
    this.ensure(n);
    this.pos += this.buf.write(v, this.pos, n, 'utf8');
  }

  string(v: string): void {
    this.utf8(v, (n) => {
      if (n > 0x7fff) throw new SamsaError('ENCODE_INVALID', `string of ${n} bytes exceeds 32767`);
      this.int16(n);
    });
  }

  nullableString(v: string | null): void {
    if (v === null) this.int16(-1);
    else this.string(v);
  }

  compactString(v: string): void {
    this.utf8(v, (n) => this.unsignedVarint(n + 1));
  }

  compactNullableString(v: string | null): void {
    if (v === null) this.unsignedVarint(0);
    else this.compactString(v);
  }

  /** Appends bytes as they are; large blocks are kept by reference. */
  raw(v: Uint8Array): void {
    if (v.length >= ZERO_COPY_MIN_BYTES) {
      this.done.push(this.buf.subarray(0, this.pos), Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length));
      this.doneBytes += this.pos + v.length;
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
      if (this.buf.length < 64) this.buf = Buffer.allocUnsafe(256);
      return;
    }
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  bytes(v: Uint8Array): void {
    this.int32(v.length);
    this.raw(v);
  }

  nullableBytes(v: Uint8Array | null): void {
    if (v === null) this.int32(-1);
    else this.bytes(v);
  }

  compactBytes(v: Uint8Array): void {
    this.unsignedVarint(v.length + 1);
    this.raw(v);
  }

  compactNullableBytes(v: Uint8Array | null): void {
    if (v === null) this.unsignedVarint(0);
    else this.compactBytes(v);
  }

  arrayLength(count: number | null): void {
    this.int32(count === null ? -1 : count);
  }

  compactArrayLength(count: number | null): void {
    this.unsignedVarint(count === null ? 0 : count + 1);
  }

  /** The written bytes as a list of buffers, in order, without joining them. */
  chunks(): Buffer[] {
    const out = this.done.filter((b) => b.length > 0);
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    return out;
  }

  /** The written bytes as one buffer (joined only if record data was kept by reference). */
  finish(): Buffer {
    if (this.done.length === 0) return this.buf.subarray(0, this.pos);
    return Buffer.concat(this.chunks(), this.length);
  }
}
