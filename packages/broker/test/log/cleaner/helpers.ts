/**
 * Fixtures for the log cleaner tests: keyed batches built with the protocol's encoder
 * (compression, producer ids), a reader that lists every record of a log with its offset,
 * and a Cleaner with no throttle.
 */
import { buildRecordBatch, CompressionType, iterateBatches, readRecords, validateBatch } from '@samsa/protocol';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import { Cleaner } from '../../../src/log/cleaner/cleaner.js';
import { Throttler } from '../../../src/log/cleaner/throttler.js';
import { nodeFileOps } from '../../../src/log/log-file.js';

export const T0 = 1_700_000_000_000;

export interface KeyedBatch {
  /** [key, value]; a null value is a tombstone, a null key a keyless record. */
  records: Array<[string | null, string | null]>;
  compression?: CompressionType;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  timestamp?: number;
}

/** Appends one batch at the log end; returns its base offset. */
export async function appendKeyed(log: PartitionLog, b: KeyedBatch): Promise<number> {
  const baseOffset = log.logEndOffset;
  const timestamp = b.timestamp ?? T0;
  const batch = buildRecordBatch({
    baseOffset: BigInt(baseOffset),
    partitionLeaderEpoch: 3,
    compression: b.compression ?? CompressionType.none,
    producerId: b.producerId ?? -1n,
    producerEpoch: b.producerEpoch ?? (b.producerId === undefined ? -1 : 0),
    baseSequence: b.baseSequence ?? (b.producerId === undefined ? -1 : 0),
    records: b.records.map(([k, v], i) => ({ key: k === null ? null : Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: timestamp + i })),
  });
  await log.append(batch, { lastOffset: baseOffset + b.records.length - 1 });
  return baseOffset;
}

/** One record per batch, `key=value` pairs in order. */
export async function appendEach(log: PartitionLog, pairs: Array<[string | null, string | null]>, timestamp = T0): Promise<void> {
  for (const p of pairs) await appendKeyed(log, { records: [p], timestamp });
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

export interface ReadBatch {
  baseOffset: number;
  lastOffset: number;
  codec: number;
  producerId: bigint;
  baseSequence: number;
  partitionLeaderEpoch: number;
  deleteHorizon: boolean;
  records: ReadRecord[];
}

/** Every batch from the log start to the end, each checked (CRC, layout) as a consumer would. */
export async function readBatches(log: PartitionLog): Promise<ReadBatch[]> {
  const out: ReadBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, 1 << 20, { minOneBatch: true });
    if (r.records.length === 0) throw new Error(`read at ${offset} returned nothing before the log end ${log.logEndOffset}`);
    for (const batch of iterateBatches(r.records)) {
      validateBatch(batch.bytes, 0);
      const h = batch.header;
      out.push({
        baseOffset: Number(h.baseOffset),
        lastOffset: Number(h.baseOffset) + h.lastOffsetDelta,
        codec: h.attributes & 0x07,
        producerId: h.producerId,
        baseSequence: h.baseSequence,
        partitionLeaderEpoch: h.partitionLeaderEpoch,
        deleteHorizon: (h.attributes & 0x40) !== 0,
        records: [...readRecords(batch)].map((rec) => ({
          offset: Number(rec.offset),
          key: rec.key === null ? null : rec.key.toString(),
          value: rec.value === null ? null : rec.value.toString(),
          timestamp: Number(rec.timestamp),
        })),
      });
    }
    offset = r.nextOffset;
  }
  return out;
}

export async function readRecordsOf(log: PartitionLog): Promise<ReadRecord[]> {
  return (await readBatches(log)).flatMap((b) => b.records);
}

/** What compaction must leave of `records` (all in closed segments below `uncleanable`). */
export function latestPerKey(records: readonly ReadRecord[], uncleanable: number, dropTombstones = false): ReadRecord[] {
  const latest = new Map<string, number>();
  for (const r of records) if (r.key !== null && r.offset < uncleanable) latest.set(r.key, r.offset);
  return records.filter((r) => {
    if (r.offset >= uncleanable) return true;
    if (r.key === null || latest.get(r.key) !== r.offset) return false;
    return !(dropTombstones && r.value === null);
  });
}

export function newCleaner(dedupeBufferBytes = 1 << 20): Cleaner {
  return new Cleaner({ dedupeBufferBytes, throttler: new Throttler(Infinity), fileOps: nodeFileOps });
}

/** Strips timestamps, for comparisons where only offsets, keys and values matter. */
export function kv(records: readonly ReadRecord[]): Array<[number, string | null, string | null]> {
  return records.map((r) => [r.offset, r.key, r.value]);
}
