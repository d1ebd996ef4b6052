/**
 * The records every client produces in the interop scenarios, and the check that what a
 * consumer read is exactly them: same keys, values and headers, in order, at consecutive
 * offsets, with plausible CreateTime timestamps.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Codec, ConsumedRecord, TestRecord } from './clients/driver.js';

/** Headers on every record: a repeated name and an empty value included. */
export function headersFor(tag: string, codec: Codec): Array<[string, string]> {
  return [
    ['source', tag],
    ['codec', codec],
    ['dup', 'first'],
    ['dup', 'second'],
    ['empty', ''],
  ];
}

/**
 * One batch for one codec: three keyed records, one with a null key, one tombstone (null
 * value). Values repeat, so the compressed batch is smaller than the records.
 */
export function codecBatch(tag: string, codec: Codec): TestRecord[] {
  const headers = headersFor(tag, codec);
  const value = (n: number): string => `${tag} record ${n} in ${codec}; ` + 'the quick brown fox '.repeat(20 + n);
  return [
    { key: `${tag}-${codec}-k1`, value: value(1), headers },
    { key: `${tag}-${codec}-k2`, value: value(2), headers },
    { key: `${tag}-${codec}-k3`, value: value(3), headers },
    { key: null, value: `${tag} has no key in ${codec}`, headers },
    { key: `${tag}-${codec}-k1`, value: null, headers },
  ];
}

/** 900 KiB: under the broker's default max.message.bytes (1048588) and librdkafka's message.max.bytes (1000000). */
export const BIG_VALUE_BYTES = 900 * 1024;

/** Pseudo-random letters and digits (a fixed LCG), so the value is not a run of one byte. */
export function bigValue(seed: number, bytes = BIG_VALUE_BYTES): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const out = Buffer.allocUnsafe(bytes);
  let x = seed >>> 0;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = alphabet.charCodeAt(x >>> 26);
  }
  return out.toString('latin1');
}

export function bigRecord(tag: string): TestRecord {
  return { key: `${tag}-big`, value: bigValue(tag.length), headers: [['size', String(BIG_VALUE_BYTES)]] };
}

/** Plain records for ordering and cross-client checks. */
export function plainRecords(tag: string, count: number, from = 0): TestRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${tag}-${from + i}`,
    value: `${tag} value ${from + i}`,
    headers: [['n', String(from + i)]],
  }));
}

/** Long values are shown as length and hash, so a failed comparison prints a readable diff. */
function short(text: string | null): string | null {
  if (text === null || text.length <= 300) return text;
  return `<${text.length} chars, sha256 ${createHash('sha256').update(text).digest('hex').slice(0, 16)}>`;
}

function summary(r: TestRecord & { offset?: number }): unknown {
  return { offset: r.offset, key: r.key, value: short(r.value), headers: r.headers.map(([k, v]) => [k, v]) };
}

export interface ExpectOptions {
  firstOffset: number;
  /** Timestamps must fall in [notBeforeMs - 1 s, now + 1 s]. */
  notBeforeMs: number;
  what: string;
}

/** Asserts `actual` holds exactly `expected`, in order, at offsets firstOffset, firstOffset+1, ... */
export function expectRecords(actual: readonly ConsumedRecord[], expected: readonly TestRecord[], o: ExpectOptions): void {
  const want = expected.map((r, i) => summary({ ...r, offset: o.firstOffset + i }));
  const got = actual.map((r) => summary(r));
  assert.deepEqual(got, want, `${o.what}: records differ`);
  const now = Date.now();
  for (const r of actual) {
    assert.ok(
      r.timestamp >= o.notBeforeMs - 1000 && r.timestamp <= now + 1000,
      `${o.what}: offset ${r.offset} has timestamp ${r.timestamp}, outside [${o.notBeforeMs - 1000}, ${now + 1000}]`,
    );
  }
}

/** The offsets a producer reported must be consecutive from `firstOffset` (null: the client does not report them). */
export function expectOffsets(offsets: readonly number[] | null, firstOffset: number, count: number, what: string): void {
  if (offsets === null) return;
  assert.deepEqual(offsets, Array.from({ length: count }, (_, i) => firstOffset + i), `${what}: acknowledged offsets`);
}
