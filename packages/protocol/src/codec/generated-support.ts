/**
 * The small runtime the generated codecs call into. Keeping the version- and
 * nullability-dependent branches here keeps the generated files short and readable.
 */
import { SamsaError } from '../errors/samsa-error.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
/** Kafka's Uuid.ZERO_UUID in its printed form. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function unsupportedVersion(what: string, version: number, min: number, max: number): SamsaError {
  return new SamsaError('UNSUPPORTED_VERSION', `${what} version ${version} is outside ${min}..${max}`);
}

/** A non-ignorable field set to a non-default value at a version that cannot carry it. */
export function fieldNotInVersion(struct: string, field: string, version: number): SamsaError {
  return new SamsaError('ENCODE_INVALID', `${struct}.${field} cannot be sent at version ${version}`);
}

function nullNotAllowed(field: string): SamsaError {
  return new SamsaError('ENCODE_INVALID', `${field} is null at a version where it is not nullable`);
}

function nullReceived(field: string): SamsaError {
  return new SamsaError('DECODE_INVALID', `${field} is null at a version where it is not nullable`);
}

export function wStr(w: Writer, flex: boolean, nullable: boolean, v: string | null, field: string): void {
  if (v === null) {
    if (!nullable) throw nullNotAllowed(field);
    if (flex) w.unsignedVarint(0);
    else w.int16(-1);
  } else if (flex) w.compactString(v);
  else w.string(v);
}

export function rStr(r: Reader, flex: boolean, nullable: boolean, field: string): string | null {
  const v = flex ? r.compactNullableString() : r.nullableString();
  if (v === null && !nullable) throw nullReceived(field);
  return v;
}

export function wBytes(w: Writer, flex: boolean, nullable: boolean, v: Uint8Array | null, field: string): void {
  if (v === null) {
    if (!nullable) throw nullNotAllowed(field);
    if (flex) w.unsignedVarint(0);
    else w.int32(-1);
  } else if (flex) w.compactBytes(v);
  else w.bytes(v);
}

export function rBytes(r: Reader, flex: boolean, nullable: boolean, field: string): Buffer | null {
  const v = flex ? r.compactNullableBytes() : r.nullableBytes();
  if (v === null && !nullable) throw nullReceived(field);
  return v;
}

export function wArr<T>(
  w: Writer,
  flex: boolean,
  nullable: boolean,
  v: readonly T[] | null,
  field: string,
  each: (w: Writer, item: T) => void,
): void {
  if (v === null) {
    if (!nullable) throw nullNotAllowed(field);
    if (flex) w.unsignedVarint(0);
    else w.int32(-1);
    return;
  }
  if (flex) w.compactArrayLength(v.length);
  else w.arrayLength(v.length);
  for (let i = 0; i < v.length; i++) each(w, v[i]!);
}

export function rArr<T>(r: Reader, flex: boolean, nullable: boolean, field: string, each: (r: Reader) => T): T[] | null {
  const n = flex ? r.compactArrayLength() : r.arrayLength();
  if (n < 0) {
    if (!nullable) throw nullReceived(field);
    return null;
  }
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = each(r);
  return out;
}

/** A nullable struct is prefixed by an int8: -1 for null, 1 for present. */
export function rPresent(r: Reader): boolean {
  return r.int8() >= 0;
}

/** Writes one tagged field: tag, size, then the field as the callback encodes it. */
export function wTag(w: Writer, tag: number, write: (w: Writer) => void): void {
  const sub = new Writer(64);
  write(sub);
  const bytes = sub.finish();
  w.unsignedVarint(tag);
  w.unsignedVarint(bytes.length);
  w.raw(bytes);
}

/** Skips a tagged-field section none of whose tags this struct knows. */
export function skipTags(r: Reader): void {
  for (let n = r.unsignedVarint(); n > 0; n--) {
    r.unsignedVarint();
    r.skip(r.unsignedVarint());
  }
}

/** Reads the size of a tagged field and returns a reader bounded to it, advancing `r` past it. */
export function rTagWindow(r: Reader): Reader {
  const size = r.unsignedVarint();
  const start = r.offset;
  r.skip(size);
  return new Reader(r.buf, start, start + size);
}

// Element codecs for arrays of primitives.
export const wInt8 = (w: Writer, v: number): void => w.int8(v);
export const wInt16 = (w: Writer, v: number): void => w.int16(v);
export const wInt32 = (w: Writer, v: number): void => w.int32(v);
export const wInt64 = (w: Writer, v: bigint): void => w.int64(v);
export const wUuid = (w: Writer, v: string): void => w.uuid(v);
export const rInt8 = (r: Reader): number => r.int8();
export const rInt16 = (r: Reader): number => r.int16();
export const rInt32 = (r: Reader): number => r.int32();
export const rInt64 = (r: Reader): bigint => r.int64();
export const rUuid = (r: Reader): string => r.uuid();
