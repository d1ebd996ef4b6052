/**
 * What the cleaner does to one batch (Kafka's MemoryRecords.filterTo with the cleaner's
 * retention rule):
 *
 * - a record is removed when a later offset holds the same key (the offset map says so),
 *   when it has no key (it cannot be deduplicated; Kafka drops these too), or when it is a
 *   tombstone (null value) whose batch's delete horizon has passed;
 * - a batch keeps its baseOffset, lastOffsetDelta, producerId/epoch, baseSequence, leader
 *   epoch, timestamp type and compression codec; kept records keep their offset deltas and
 *   timestamps. A batch left with every record is written back byte for byte;
 * - a batch left with no record is dropped, unless it is the last batch of a producer id,
 *   which stays as an empty batch header so the producer's sequence state survives;
 * - tombstones (KIP-534): the first pass that keeps a batch with tombstones stamps it with
 *   a delete horizon (now + delete.retention.ms), stored as Kafka does: attribute bit 6 set
 *   and the horizon in baseTimestamp, record timestamp deltas relative to it (so a reader
 *   that knows nothing of the bit still computes every record's timestamp). A later pass
 *   at or after the horizon removes the tombstones.
 */
import {
  BatchAttributes,
  buildRecordBatchAsync,
  compressionOf,
  hasDeleteHorizon,
  isControlBatch,
  iterateRecords,
  readBatchHeader,
  recordsDataAsync,
  TimestampType,
  type RecordInput,
} from '@samsa/protocol';
import type { OffsetMap } from './offset-map.js';

export interface FilterPolicy {
  map: OffsetMap;
  nowMs: number;
  deleteRetentionMs: number;
  /** True when the batch ending at `lastOffset` is its producer's last, to keep even if emptied. */
  isLastBatchOfProducer(producerId: bigint, lastOffset: number): boolean;
}

export interface FilteredBatch {
  /** What to write: the input itself, a rebuilt batch, or null (dropped). */
  bytes: Buffer | null;
  recordsKept: number;
  recordsRemoved: number;
  /** The delete horizon of the written batch when it holds tombstones; -1 otherwise. */
  deleteHorizonMs: number;
}

export async function filterBatch(batch: Buffer, policy: FilterPolicy): Promise<FilteredBatch> {
  const header = readBatchHeader(batch, 0);
  // No transactions exist yet, so no control batch can be an obsolete marker: keep them.
  if (isControlBatch(header)) return { bytes: batch, recordsKept: header.recordsCount, recordsRemoved: 0, deleteHorizonMs: -1 };
  const baseOffset = Number(header.baseOffset);
  const baseTimestamp = Number(header.baseTimestamp);
  const hadHorizon = hasDeleteHorizon(header);
  const retainTombstones = !hadHorizon || policy.nowMs < baseTimestamp;
  const data = await recordsDataAsync({ header, bytes: batch });
  const kept: RecordInput[] = [];
  let removed = 0;
  let tombstones = 0;
  let maxTimestamp = -1;
  for (const r of iterateRecords(header, data)) {
    const offset = baseOffset + r.offsetDelta;
    const found = r.key === null ? -1 : policy.map.get(r.key);
    const redundant = r.key === null || (found >= 0 && offset < found);
    if (redundant || (r.value === null && !retainTombstones)) {
      removed++;
      continue;
    }
    const timestamp = baseTimestamp + r.timestampDelta;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    if (r.value === null) tombstones++;
    kept.push({ key: r.key, value: r.value, headers: r.headers, timestamp, offsetDelta: r.offsetDelta });
  }
  const lastOffset = baseOffset + header.lastOffsetDelta;
  const logAppendTime = (header.attributes & BatchAttributes.timestampType) !== 0;
  const common = {
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    compression: compressionOf(header),
    timestampType: logAppendTime ? TimestampType.logAppendTime : TimestampType.createTime,
    isTransactional: (header.attributes & BatchAttributes.transactional) !== 0,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    lastOffsetDelta: header.lastOffsetDelta,
  };
  if (kept.length === 0) {
    if (header.producerId < 0n || !policy.isLastBatchOfProducer(header.producerId, lastOffset)) {
      return { bytes: null, recordsKept: 0, recordsRemoved: removed, deleteHorizonMs: -1 };
    }
    // Kafka's empty batch header: both timestamps are the batch's maxTimestamp.
    const max = Number(header.maxTimestamp);
    const empty = await buildRecordBatchAsync({ ...common, compression: 0, baseTimestamp: max, maxTimestamp: max, records: [] });
    return { bytes: empty, recordsKept: 0, recordsRemoved: removed, deleteHorizonMs: -1 };
  }
  const stampHorizon = tombstones > 0 && !hadHorizon;
  const horizon = hadHorizon ? baseTimestamp : stampHorizon ? policy.nowMs + policy.deleteRetentionMs : -1;
  if (removed === 0 && !stampHorizon) return { bytes: batch, recordsKept: kept.length, recordsRemoved: 0, deleteHorizonMs: tombstones > 0 ? horizon : -1 };
  const rebuilt = await buildRecordBatchAsync({
    ...common,
    hasDeleteHorizon: horizon >= 0,
    baseTimestamp: horizon >= 0 ? horizon : baseTimestamp,
    maxTimestamp: logAppendTime ? Number(header.maxTimestamp) : maxTimestamp,
    records: kept,
  });
  return { bytes: rebuilt, recordsKept: kept.length, recordsRemoved: removed, deleteHorizonMs: tombstones > 0 ? horizon : -1 };
}
