/**
 * Writing one record (record batch v2 layout) straight into a batch buffer: sizes first,
 * then bytes, with no intermediate objects. Keys, values and header values may be strings
 * (written as UTF-8 in place) or bytes.
 */
import { varintSize } from '@samsa/protocol';

export type Bytes = Buffer | Uint8Array | string;

export interface RecordHeaders {
  readonly [key: string]: Bytes | null;
}

/** Headers as pairs (Kafka allows a key more than once) or as an object. */
export type HeadersInput = RecordHeaders | ReadonlyArray<readonly [string, Bytes | null]>;

export { varintSize, varlongSize } from '@samsa/protocol';

export function writeVarint(buf: Buffer, pos: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

export function writeVarlong(buf: Buffer, pos: number, v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  while (z >= 0x80) {
    buf[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}

export function byteLength(b: Bytes | null | undefined): number {
  if (b == null) return -1;
  return typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length;
}

/** The field as it goes on the wire: varint length (-1 for null) and the bytes. */
export function fieldSize(length: number): number {
  return length < 0 ? 1 : varintSize(length) + length;
}

export function writeField(buf: Buffer, pos: number, b: Bytes | null | undefined, length: number): number {
  pos = writeVarint(buf, pos, length);
  if (length <= 0) return pos;
  if (typeof b === 'string') return pos + buf.write(b, pos, length, 'utf8');
  buf.set(b as Uint8Array, pos);
  return pos + length;
}

/** Headers as [key, value] pairs, whichever form they came in. */
export function headerPairs(h: HeadersInput | undefined): ReadonlyArray<readonly [string, Bytes | null]> | null {
  if (h === undefined) return null;
  const pairs = Array.isArray(h) ? (h as ReadonlyArray<readonly [string, Bytes | null]>) : Object.entries(h as RecordHeaders);
  return pairs.length === 0 ? null : pairs;
}

export function headersSize(pairs: ReadonlyArray<readonly [string, Bytes | null]> | null): number {
  if (pairs === null) return 1;
  let size = varintSize(pairs.length);
  for (const [k, v] of pairs) size += fieldSize(Buffer.byteLength(k, 'utf8')) + fieldSize(byteLength(v));
  return size;
}

export function writeHeaders(buf: Buffer, pos: number, pairs: ReadonlyArray<readonly [string, Bytes | null]> | null): number {
  if (pairs === null) return writeVarint(buf, pos, 0);
  pos = writeVarint(buf, pos, pairs.length);
  for (const [k, v] of pairs) {
    pos = writeField(buf, pos, k, Buffer.byteLength(k, 'utf8'));
    pos = writeField(buf, pos, v, byteLength(v));
  }
  return pos;
}

/**
 * An upper bound of one record's encoded size, whatever its timestamp and offset delta:
 * what Kafka checks against max.request.size before the record joins a batch.
 */
export function recordSizeUpperBound(keyLength: number, valueLength: number, headersBytes: number): number {
  const body = 1 + 10 + 5 + fieldSize(keyLength) + fieldSize(valueLength) + headersBytes;
  return 5 + body;
}
