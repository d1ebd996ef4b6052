/**
 * Test fixtures for the log: a minimal encoder of valid v2 record batches (uncompressed
 * records, correct CRC-32C), temp directories removed after the test, a FileOps that
 * counts, and a log opener that registers its close.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { defaultLogConfig, type LogConfig } from '../../src/config/topic-config.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { crc32c } from '../../src/log/crc.js';
import { nodeFileOps, type FileOps } from '../../src/log/log-file.js';
import { PartitionLog, type PartitionLogOptions } from '../../src/log/partition-log.js';

export interface TestRecord {
  value: Buffer | string | null;
  key?: Buffer | string | null;
  /** Added to the batch's baseTimestamp. */
  timestampDelta?: number;
}

export interface TestBatch {
  baseOffset: number;
  baseTimestamp?: number;
  records: TestRecord[];
  /** Compression codec bits etc.; the records are written as given either way. */
  attributes?: number;
  /** Default: the largest record timestamp. */
  maxTimestamp?: number;
  partitionLeaderEpoch?: number;
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function varint(n: number): Buffer {
  let u = zigzag(n);
  const out: number[] = [];
  while (u >= 0x80) {
    out.push((u % 0x80) | 0x80);
    u = Math.floor(u / 0x80);
  }
  out.push(u);
  return Buffer.from(out);
}

function bytesOf(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

function encodeRecord(r: TestRecord, offsetDelta: number): Buffer {
  const key = bytesOf(r.key);
  const value = bytesOf(r.value);
  const parts = [
    Buffer.from([0]),
    varint(r.timestampDelta ?? 0),
    varint(offsetDelta),
    varint(key ? key.length : -1),
    key ?? Buffer.alloc(0),
    varint(value ? value.length : -1),
    value ?? Buffer.alloc(0),
    varint(0),
  ];
  const body = Buffer.concat(parts);
  return Buffer.concat([varint(body.length), body]);
}

function writeInt64(buf: Buffer, value: number, at: number): void {
  buf.writeBigInt64BE(BigInt(value), at);
}

/** A valid magic-2 batch. */
export function buildBatch(b: TestBatch): Buffer {
  const baseTimestamp = b.baseTimestamp ?? 1_700_000_000_000;
  const records = Buffer.concat(b.records.map((r, i) => encodeRecord(r, i)));
  const maxTimestamp = b.maxTimestamp ?? Math.max(...b.records.map((r) => baseTimestamp + (r.timestampDelta ?? 0)));
  const header = Buffer.alloc(61);
  writeInt64(header, b.baseOffset, 0);
  header.writeInt32BE(61 - 12 + records.length, 8);
  header.writeInt32BE(b.partitionLeaderEpoch ?? 0, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(b.attributes ?? 0, 21);
  header.writeInt32BE(b.records.length - 1, 23);
  writeInt64(header, baseTimestamp, 27);
  writeInt64(header, maxTimestamp, 35);
  writeInt64(header, -1, 43);
  header.writeInt16BE(-1, 51);
  header.writeInt32BE(-1, 53);
  header.writeInt32BE(b.records.length, 57);
  const batch = Buffer.concat([header, records]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** A one-record batch of exactly `size` bytes (size >= 80). */
export function batchOfSize(baseOffset: number, size: number, timestamp = 1_700_000_000_000): Buffer {
  // 61 header + record framing (length varint, attributes, deltas, key -1, value length varint, headers 0).
  let valueBytes = size - 61 - 10;
  for (;;) {
    const b = buildBatch({ baseOffset, baseTimestamp: timestamp, records: [{ value: Buffer.alloc(valueBytes, 0x61) }] });
    if (b.length === size) return b;
    valueBytes += size - b.length;
  }
}

/** `count` single-record batches back to back, from `firstOffset`, values "v<offset>". */
export function sequentialBatches(firstOffset: number, count: number, timestampOf: (offset: number) => number = () => 1_700_000_000_000): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const offset = firstOffset + i;
    parts.push(buildBatch({ baseOffset: offset, baseTimestamp: timestampOf(offset), records: [{ value: `v${offset}` }] }));
  }
  return Buffer.concat(parts);
}

/** Splits a buffer of batches into [baseOffset, lastOffset, bytes] triples. */
export function listBatches(buf: Buffer): Array<{ baseOffset: number; lastOffset: number; size: number }> {
  const out: Array<{ baseOffset: number; lastOffset: number; size: number }> = [];
  let at = 0;
  while (at < buf.length) {
    const baseOffset = Number(buf.readBigInt64BE(at));
    const size = 12 + buf.readInt32BE(at + 8);
    out.push({ baseOffset, lastOffset: baseOffset + buf.readInt32BE(at + 23), size });
    at += size;
  }
  return out;
}

const cleanups = new WeakMap<TestContext, Array<() => Promise<unknown>>>();

/**
 * Registers a cleanup that runs after the test, last registered first (t.after runs hooks
 * in registration order, which would remove a directory before the log in it is closed).
 */
export function defer(t: TestContext, fn: () => Promise<unknown>): void {
  let stack = cleanups.get(t);
  if (!stack) {
    const fresh: Array<() => Promise<unknown>> = [];
    cleanups.set(t, fresh);
    t.after(async () => {
      for (const f of fresh.reverse()) await f();
    });
    stack = fresh;
  }
  stack.push(fn);
}

export async function tempDir(t: TestContext, prefix = 'samsa-log-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  defer(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * What a process kill leaves: the files as they are in the page cache now. A checkpoint's
 * temp file may come and go while we copy; a crash would leave it or not, either is fine.
 */
export async function crashImage(t: TestContext, dir: string): Promise<string> {
  const copy = await tempDir(t, 'samsa-crash-');
  await cp(dir, copy, { recursive: true, filter: (src) => !src.endsWith('.tmp') });
  return copy;
}

export interface CountingOps extends FileOps {
  counts: { datasync: number; writev: number; readBytes: number };
}

/** nodeFileOps with counters, and optional overrides (fault injection). */
export function countingOps(overrides: Partial<FileOps> = {}): CountingOps {
  const base: FileOps = { ...nodeFileOps, ...overrides };
  const counts = { datasync: 0, writev: 0, readBytes: 0 };
  return {
    ...base,
    counts,
    datasync: (fd) => {
      counts.datasync++;
      return base.datasync(fd);
    },
    writev: (fd, buffers, position) => {
      counts.writev++;
      return base.writev(fd, buffers, position);
    },
    read: async (fd, buffer, offset, length, position) => {
      const n = await base.read(fd, buffer, offset, length, position);
      counts.readBytes += n;
      return n;
    },
  };
}

export interface OpenOptions extends Partial<PartitionLogOptions> {
  config?: Partial<LogConfig>;
  /** Do not register close() with t.after (the test closes, deletes or abandons the log). */
  noAutoClose?: boolean;
}

export async function openLog(t: TestContext, dir: string, o: OpenOptions = {}): Promise<PartitionLog> {
  const log = await PartitionLog.open(dir, defaultLogConfig(o.config ?? {}), {
    clock: o.clock ?? new ManualClock(),
    logger: o.logger ?? silentLogger,
    ...(o.fileOps ? { fileOps: o.fileOps } : {}),
    ...(o.recoveryPoint !== undefined ? { recoveryPoint: o.recoveryPoint } : {}),
    ...(o.random ? { random: o.random } : {}),
  });
  if (!o.noAutoClose) defer(t, () => log.close());
  return log;
}

/** Appends `count` one-record batches at the log end; returns the offsets' range. */
export async function appendRecords(log: PartitionLog, count: number, timestampOf?: (offset: number) => number): Promise<{ first: number; last: number }> {
  const first = log.logEndOffset;
  for (let i = 0; i < count; i++) {
    const offset = first + i;
    const batch = buildBatch({ baseOffset: offset, baseTimestamp: timestampOf ? timestampOf(offset) : 1_700_000_000_000, records: [{ value: `v${offset}` }] });
    await log.append(batch, { lastOffset: offset });
  }
  return { first, last: first + count - 1 };
}

/** Reads the whole log from `from` in whatever slices read() returns; returns the batches. */
export async function readAll(log: PartitionLog, from = log.logStartOffset, maxBytes = 64 * 1024): Promise<Array<{ baseOffset: number; lastOffset: number; size: number }>> {
  const out: Array<{ baseOffset: number; lastOffset: number; size: number }> = [];
  let offset = from;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, maxBytes, { minOneBatch: true });
    if (r.records.length === 0) throw new Error(`read at ${offset} returned nothing before the log end ${log.logEndOffset}`);
    out.push(...listBatches(r.records));
    offset = r.nextOffset;
  }
  return out;
}

/** Polls `condition` until it holds; fails after `timeoutMs` saying what it waited for. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** mulberry32: a small seeded PRNG; tests print the seed so a failure can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Seeds for randomized tests: SAMSA_SEED=n replays one. */
export function testSeeds(defaults: number[]): number[] {
  const forced = process.env['SAMSA_SEED'];
  return forced ? [Number(forced)] : defaults;
}

/** One batch as the model keeps it: its bytes and each record's timestamp. */
export interface ModelBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
  timestamps: number[];
}

/** A random uncompressed batch of 1-4 records at `baseOffset`, timestamps around `aroundMs`. */
export function randomBatch(random: () => number, baseOffset: number, aroundMs: number): ModelBatch {
  const count = 1 + Math.floor(random() * 4);
  const baseTimestamp = aroundMs + Math.floor(random() * 1000);
  const deltas = Array.from({ length: count }, () => Math.floor(random() * 2000) - 500);
  const records = deltas.map((d, i) => ({ value: Buffer.alloc(Math.floor(random() * 300), 0x30 + i), key: random() < 0.5 ? `k${i}` : null, timestampDelta: d }));
  const bytes = buildBatch({ baseOffset, baseTimestamp, records });
  return { baseOffset, lastOffset: baseOffset + count - 1, bytes, timestamps: deltas.map((d) => baseTimestamp + d) };
}
