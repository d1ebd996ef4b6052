import { SamsaError } from '../errors/samsa-error.js';

/**
 * Reads Kafka wire primitives from a buffer. Every read checks its bounds first, so a
 * hostile frame makes the reader throw a SamsaError instead of reading garbage; counts
 * and lengths are checked against the bytes left, so no decode allocates more than the
 * frame's own size. `bytes`-like reads return subarrays of the input: zero copies.
 *
 * int64 values are returned as bigint: the protocol layer is exact past 2^53.
 */
export class Reader {
  offset: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new SamsaError('DECODE_INVALID', `reader window ${offset}..${end} outside buffer of ${buf.length}`);
    }
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (at + n > this.end) {
      throw new SamsaError('DECODE_TRUNCATED', `need ${n} bytes for ${what} at ${at}, have ${this.end - at}`);
    }
    this.offset = at + n;
    return at;
  }

  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1, 'int8'));
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2, 'int16'));
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.need(2, 'uint16'));
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4, 'int32'));
  }

  uint32(): number {
    return this.buf.readUInt32BE(this.need(4, 'uint32'));
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8, 'int64'));
  }

  float64(): number {
    return this.buf.readDoubleBE(this.need(8, 'float64'));
  }

  /** A Kafka Uuid, as Kafka prints it: 22 characters of unpadded base64url. */
  uuid(): string {
    const at = this.need(16, 'uuid');
    return this.buf.toString('base64url', at, at + 16);
  }

  unsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new SamsaError('DECODE_TRUNCATED', `varint truncated at ${this.offset}`);
      const b = this.buf[this.offset++]!;
      if (i === 4 && b > 0x0f) throw new SamsaError('DECODE_INVALID', `varint longer than 32 bits at ${this.offset - 1}`);
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
    throw new SamsaError('DECODE_INVALID', `varint longer than 5 bytes at ${this.offset}`);
  }

  /** Zig-zag encoded signed 32-bit varint. */
  varint(): number {
    const raw = this.unsignedVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Zig-zag encoded signed 64-bit varint, exact. */
  varlong(): bigint {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new SamsaError('DECODE_TRUNCATED', `varlong truncated at ${this.offset}`);
      const b = this.buf[this.offset++]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
      shift += 7n;
    }
    throw new SamsaError('DECODE_INVALID', `varlong longer than 10 bytes at ${this.offset}`);
  }

  /**
   * Zig-zag varlong as a number, for values known to be small (record timestamp deltas).
   * Fast path for up to 7 bytes (49 bits); longer values go through bigint and are checked.
   */
  varlongNumber(): number {
    const start = this.offset;
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.offset >= this.end) throw new SamsaError('DECODE_TRUNCATED', `varlong truncated at ${this.offset}`);
      const b = this.buf[this.offset++]!;
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return value % 2 === 1 ? -(value + 1) / 2 : value / 2;
      mul *= 128;
    }
    this.offset = start;
    const big = this.varlong();
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new SamsaError('DECODE_INVALID', `varlong ${big} does not fit a safe integer at ${start}`);
    }
    return Number(big);
  }

  private checkLength(length: number, what: string): void {
    if (length > this.end - this.offset) {
      throw new SamsaError(
        'DECODE_TRUNCATED',
        `${what} of ${length} bytes at ${this.offset} exceeds the ${this.end - this.offset} bytes left`,
      );
    }
  }

  private stringOf(length: number): string {
    this.checkLength(length, 'string');
    const at = this.offset;
    this.offset += length;
    return this.buf.toString('utf8', at, at + length);
  }

  string(): string {
    const length = this.int16();
    if (length < 0) throw new SamsaError('DECODE_INVALID', `null or negative length ${length} for a non-nullable string`);
    return this.stringOf(length);
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < 0) throw new SamsaError('DECODE_INVALID', `negative string length ${length}`);
    return this.stringOf(length);
  }

  compactString(): string {
    const length = this.unsignedVarint() - 1;
    if (length < 0) throw new SamsaError('DECODE_INVALID', 'null for a non-nullable compact string');
    return this.stringOf(length);
  }

  compactNullableString(): string | null {
    const length = this.unsignedVarint() - 1;
    return length < 0 ? null : this.stringOf(length);
  }

  /** A zero-copy view of `length` bytes. */
  slice(length: number): Buffer {
    this.checkLength(length, 'bytes');
    const at = this.offset;
    this.offset += length;
    return this.buf.subarray(at, at + length);
  }

  bytes(): Buffer {
    const length = this.int32();
    if (length < 0) throw new SamsaError('DECODE_INVALID', `null or negative length ${length} for non-nullable bytes`);
    return this.slice(length);
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < 0) throw new SamsaError('DECODE_INVALID', `negative bytes length ${length}`);
    return this.slice(length);
  }

  compactBytes(): Buffer {
    const length = this.unsignedVarint() - 1;
    if (length < 0) throw new SamsaError('DECODE_INVALID', 'null for non-nullable compact bytes');
    return this.slice(length);
  }

  compactNullableBytes(): Buffer | null {
    const length = this.unsignedVarint() - 1;
    return length < 0 ? null : this.slice(length);
  }

  /**
   * An array count. Every element takes at least one byte, so a count larger than the
   * bytes left is a lie: refusing it here keeps a 4-byte frame from allocating 2^31 slots.
   */
  private checkCount(count: number): number {
    if (count > this.end - this.offset) {
      throw new SamsaError('DECODE_INVALID', `array count ${count} exceeds the ${this.end - this.offset} bytes left`);
    }
    return count;
  }

  /** Returns -1 for a null array. */
  arrayLength(): number {
    const count = this.int32();
    if (count < -1) throw new SamsaError('DECODE_INVALID', `negative array count ${count}`);
    return count === -1 ? -1 : this.checkCount(count);
  }

  /** Returns -1 for a null array. */
  compactArrayLength(): number {
    const count = this.unsignedVarint() - 1;
    return count === -1 ? -1 : this.checkCount(count);
  }

  /** Skips the tagged-field section we do not know; tags are never fatal. */
  skip(length: number): void {
    this.checkLength(length, 'skipped field');
    this.offset += length;
  }
}
