/**
 * Reading a partition back two ways, both checking every batch with the protocol's
 * validateBatch (length, magic 2, CRC-32C) and that offsets are dense: from the segment
 * files on disk (`<data>/<topic>-<p>/<base offset>.log`), and over the wire with Fetch.
 * Also record payloads for tests that need to know which record is which: a record's
 * value starts with its id, padded to the size asked for.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildRecordBatch, readRecords, validateBatch, type RecordBatchHeader } from '@samsa/protocol';
import type { RawClient } from './raw-client.js';

export interface SegmentFile {
  baseOffset: number;
  path: string;
  size: number;
}

/** The .log files of a partition directory, oldest first. */
export async function segmentFiles(partitionDir: string): Promise<SegmentFile[]> {
  const out: SegmentFile[] = [];
  for (const e of await readdir(partitionDir, { withFileTypes: true })) {
    const m = /^(\d{20})\.log$/.exec(e.name);
    if (!m || !e.isFile()) continue;
    const path = join(partitionDir, e.name);
    out.push({ baseOffset: Number(m[1]), path, size: (await readFile(path)).length });
  }
  return out.sort((a, b) => a.baseOffset - b.baseOffset);
}

export interface ScannedBatch {
  baseOffset: number;
  lastOffset: number;
  /** Byte position in its segment file (disk scans) or in the fetched records (fetch scans). */
  position: number;
  size: number;
  recordCount: number;
  /** Record ids (see recordValue), in offset order. */
  ids: string[];
  header: RecordBatchHeader;
}

export interface ScanOptions {
  /** The offset the first batch must start at; default: whatever it starts at. */
  firstOffset?: number;
  /** Read record ids out of the values (decodes every record). */
  withIds?: boolean;
}

/**
 * Every batch in `buf`, back to back from byte 0 to the end: each validates, and each
 * starts where the previous ended (offsets dense). Throws, naming the position, otherwise.
 */
export function scanBatches(buf: Buffer, opts: ScanOptions & { where?: string } = {}): ScannedBatch[] {
  const where = opts.where ?? 'buffer';
  const out: ScannedBatch[] = [];
  let position = 0;
  let expected = opts.firstOffset;
  while (position < buf.length) {
    let header: RecordBatchHeader;
    try {
      header = validateBatch(buf, position);
    } catch (e) {
      throw new Error(`${where}: batch at byte ${position} of ${buf.length} fails validation: ${(e as Error).message}`);
    }
    const baseOffset = Number(header.baseOffset);
    if (expected !== undefined && baseOffset !== expected) {
      throw new Error(`${where}: batch at byte ${position} starts at offset ${baseOffset}, expected ${expected} (offsets not dense)`);
    }
    const size = 12 + header.batchLength;
    const bytes = buf.subarray(position, position + size);
    const ids: string[] = [];
    if (opts.withIds) {
      let delta = 0;
      for (const r of readRecords({ header: { ...header, position: 0 }, bytes })) {
        if (r.offsetDelta !== delta) throw new Error(`${where}: batch at offset ${baseOffset} has record offset delta ${r.offsetDelta}, expected ${delta}`);
        ids.push(recordId(r.value));
        delta++;
      }
      if (delta !== header.recordsCount) throw new Error(`${where}: batch at offset ${baseOffset} declares ${header.recordsCount} records, holds ${delta}`);
    }
    out.push({ baseOffset, lastOffset: baseOffset + header.lastOffsetDelta, position, size, recordCount: header.recordsCount, ids, header });
    expected = baseOffset + header.lastOffsetDelta + 1;
    position += size;
  }
  return out;
}

/**
 * Scans every segment of a partition directory: each file is whole valid batches (no
 * trailing bytes), its first batch starts at the file's base offset, and each segment
 * starts where the previous one ended. Returns the batches in offset order.
 */
export async function scanPartitionDir(partitionDir: string, opts: { withIds?: boolean } = {}): Promise<ScannedBatch[]> {
  const all: ScannedBatch[] = [];
  let expected: number | undefined;
  for (const seg of await segmentFiles(partitionDir)) {
    if (expected !== undefined && seg.baseOffset !== expected) {
      throw new Error(`${seg.path}: segment starts at ${seg.baseOffset}, the previous one ended at ${expected}`);
    }
    const buf = await readFile(seg.path);
    const batches = scanBatches(buf, { firstOffset: seg.baseOffset, where: seg.path, withIds: opts.withIds ?? false });
    all.push(...batches);
    expected = batches.length > 0 ? batches[batches.length - 1]!.lastOffset + 1 : seg.baseOffset;
  }
  return all;
}

/**
 * Fetches [from, to) batch by batch over the wire, validating each; the batches must be
 * dense and end exactly at `to`. Bounded: throws after a fetch that makes no progress.
 */
export async function fetchAllBatches(client: RawClient, topic: string, partition: number, from: number, to: number, opts: { withIds?: boolean; maxBytes?: number } = {}): Promise<ScannedBatch[]> {
  const out: ScannedBatch[] = [];
  let next = from;
  while (next < to) {
    const p = await client.fetchFrom(topic, partition, BigInt(next), opts.maxBytes ?? 1 << 20);
    if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}@${next}: error ${p.errorCode}`);
    const records = p.records ?? Buffer.alloc(0);
    const batches = scanBatches(records, { firstOffset: next, where: `fetch ${topic}-${partition}@${next}`, withIds: opts.withIds ?? false });
    if (batches.length === 0) throw new Error(`fetch ${topic}-${partition}@${next} returned no batch though the end is ${to} (high watermark ${p.highWatermark})`);
    out.push(...batches);
    next = batches[batches.length - 1]!.lastOffset + 1;
  }
  if (next !== to) throw new Error(`fetch ${topic}-${partition}: batches end at ${next}, expected ${to}`);
  return out;
}

/** A record value that starts with its id and a separator, padded with filler to `bytes`. */
export function recordValue(id: string, bytes = 0): Buffer {
  const head = Buffer.from(`${id}|`);
  if (head.length >= bytes) return head;
  const out = Buffer.alloc(bytes, 0x2e); // '.'
  head.copy(out);
  return out;
}

export function recordId(value: Buffer | null): string {
  if (value === null) return '<null>';
  const bar = value.indexOf(0x7c);
  return value.toString('utf8', 0, bar < 0 ? value.length : bar);
}

/** One uncompressed v2 batch of records with these ids, each value `valueBytes` long. */
export function batchOf(ids: readonly string[], valueBytes = 0, timestamp = Date.now()): Buffer {
  return buildRecordBatch({
    baseOffset: 0n,
    baseTimestamp: timestamp,
    records: ids.map((id) => ({ key: Buffer.from(id), value: recordValue(id, valueBytes), timestamp })),
  });
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or fails saying what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
