/**
 * Producer-state snapshots (Kafka's ProducerStateManager files): `<offset>.snapshot` in the
 * partition directory, named like a segment by the offset it covers up to (exclusive), holds
 * the producer table as it was when the log ended there. One is written when a segment rolls
 * (at the new segment's base offset) and at a clean close (at the log end); the latest
 * SNAPSHOTS_KEPT are kept. Opening a log loads the latest snapshot at or below its
 * (recovered) log end and replays only the batches after it; with none, the whole log.
 *
 * A snapshot is valid only while the log below its offset is the log it saw, so:
 * truncation deletes snapshots above the new log end (a follower's divergent suffix, an
 * unclean shutdown's torn tail), and a moving log start (retention, DeleteRecords) deletes
 * those below it (replaying from them would need records that are gone).
 *
 * Format: the checksummed-file wrapper ("PRST" v2: magic, version, length, CRC-32C, temp +
 * fsync + rename), payload JSON { offset, producers }. A file that fails any check, or whose
 * offset disagrees with its name, is logged, deleted, and the next older one tried.
 *
 * Every snapshot is written after the leader-epoch checkpoint has settled with every batch
 * below its offset (partition.ts), so the epoch cache's scan on open can start at the
 * snapshot's offset too (leader-epoch-cache.ts).
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { iterateBatches, isControlBatch, SamsaError } from '@samsa/protocol';
import { parseSnapshotFileName, segmentFileName, SNAPSHOT_SUFFIX } from '../log/file-names.js';
import type { PartitionLog } from '../log/partition-log.js';
import { readChecksummedFile, writeChecksummedFile } from '../platform/checksummed-file.js';
import type { Logger } from '../platform/logger.js';
import { lastSeqOf, ProducerStateTable, type BatchRecord } from './producer-state.js';

const KIND = 'PRST';
const VERSION = 2;
const SCAN_CHUNK_BYTES = 4 << 20;
/** Kafka keeps the snapshots of the last two rolls (or a roll and the clean close). */
export const SNAPSHOTS_KEPT = 2;
/** The single snapshot of earlier versions, taken only at a clean close: removed on open. */
const LEGACY_FILE = 'producer-state.snapshot';

interface SnapshotPayload {
  offset: number;
  producers: Array<{ id: string; epoch: number; lastTimestamp: number; batches: BatchRecord[] }>;
}

export interface LoadedProducerState {
  table: ProducerStateTable;
  /** The snapshot the table started from; null: replayed from the log start. */
  snapshotOffset: number | null;
  /** What the replay after the snapshot read. */
  replayedBatches: number;
  replayedBytes: number;
}

function snapshotPath(dir: string, offset: number): string {
  return join(dir, segmentFileName(offset, SNAPSHOT_SUFFIX));
}

/** Offsets of the snapshot files in `dir`, ascending; leftover temp files are removed. */
export async function listSnapshots(dir: string): Promise<number[]> {
  const offsets: number[] = [];
  for (const name of await readdir(dir)) {
    if (name.endsWith(`${SNAPSHOT_SUFFIX}.tmp`) || name === LEGACY_FILE || name === `${LEGACY_FILE}.tmp`) {
      await unlink(join(dir, name)).catch(() => undefined);
      continue;
    }
    const offset = parseSnapshotFileName(name);
    if (offset !== null) offsets.push(offset);
  }
  return offsets.sort((a, b) => a - b);
}

/**
 * The table's state at `offset`: batches at or past it are left out (a table copied just
 * after a roll may already hold the next append; replaying from `offset` brings it back).
 */
function payloadAt(table: ProducerStateTable, offset: number): SnapshotPayload {
  const producers: SnapshotPayload['producers'] = [];
  for (const [id, e] of table.producers) {
    const batches = e.batches.filter((b) => b.lastOffset < offset).map((b) => ({ ...b }));
    if (batches.length > 0) producers.push({ id: id.toString(), epoch: e.epoch, lastTimestamp: e.lastTimestamp, batches });
  }
  return { offset, producers };
}

/** Serializes the table now (synchronously); the returned function writes it and prunes old snapshots. */
export function captureSnapshot(dir: string, table: ProducerStateTable, offset: number): () => Promise<void> {
  const payload = Buffer.from(JSON.stringify(payloadAt(table, offset)));
  return async () => {
    await writeChecksummedFile(snapshotPath(dir, offset), KIND, VERSION, payload);
    const offsets = await listSnapshots(dir);
    await deleteSnapshots(dir, offsets.slice(0, Math.max(0, offsets.length - SNAPSHOTS_KEPT)));
  };
}

async function deleteSnapshots(dir: string, offsets: readonly number[]): Promise<void> {
  for (const offset of offsets) await unlink(snapshotPath(dir, offset)).catch(() => undefined);
}

/** Deletes the snapshots a truncation to `logEndOffset` made invalid (those above it). */
export async function deleteSnapshotsAbove(dir: string, logEndOffset: number): Promise<void> {
  await deleteSnapshots(dir, (await listSnapshots(dir)).filter((o) => o > logEndOffset));
}

/** Deletes the snapshots below a log start that moved past them. */
export async function deleteSnapshotsBelow(dir: string, logStartOffset: number): Promise<void> {
  await deleteSnapshots(dir, (await listSnapshots(dir)).filter((o) => o < logStartOffset));
}

export async function deleteAllSnapshots(dir: string): Promise<void> {
  await deleteSnapshots(dir, await listSnapshots(dir));
}

async function readSnapshot(dir: string, offset: number): Promise<ProducerStateTable> {
  const path = snapshotPath(dir, offset);
  const file = await readChecksummedFile(path, KIND);
  if (!file) throw new SamsaError('CORRUPT_RECORD', `${path}: vanished`);
  if (file.version !== VERSION) throw new SamsaError('CORRUPT_RECORD', `${path}: version ${file.version}, this broker reads ${VERSION}`);
  let snap: SnapshotPayload;
  try {
    snap = JSON.parse(file.payload.toString('utf8')) as SnapshotPayload;
  } catch (e) {
    throw new SamsaError('CORRUPT_RECORD', `${path}: payload is not JSON (${(e as Error).message})`);
  }
  if (snap.offset !== offset || !Array.isArray(snap.producers)) throw new SamsaError('CORRUPT_RECORD', `${path}: holds offset ${snap.offset}, not its name's ${offset}`);
  return ProducerStateTable.fromJSON(snap.producers);
}

/**
 * Loads the latest usable snapshot at or below the log end and replays the log after it.
 * Snapshots above the log end (a crash cut the log under them) or below the log start
 * are deleted first; a damaged one is logged, deleted, and the next older one tried.
 */
export async function loadProducerState(log: PartitionLog, logger: Logger): Promise<LoadedProducerState> {
  const start = log.logStartOffset;
  const end = log.logEndOffset;
  const offsets = await listSnapshots(log.dir);
  const invalid = offsets.filter((o) => o > end || o < start);
  if (invalid.length > 0) {
    logger.info({ dir: log.dir, snapshots: invalid, logStartOffset: start, logEndOffset: end }, 'deleting producer-state snapshots outside the log');
    await deleteSnapshots(log.dir, invalid);
  }
  let table = new ProducerStateTable();
  let snapshotOffset: number | null = null;
  for (const offset of offsets.filter((o) => o <= end && o >= start).reverse()) {
    try {
      table = await readSnapshot(log.dir, offset);
      snapshotOffset = offset;
      break;
    } catch (e) {
      if (!(e instanceof SamsaError)) throw e;
      logger.warn({ dir: log.dir, snapshot: offset, err: e.message }, 'ignoring a damaged producer-state snapshot; trying an older one or the log');
      await deleteSnapshots(log.dir, [offset]);
    }
  }
  const replay = await replayBatches(log, table, snapshotOffset ?? start);
  return { table, snapshotOffset, ...replay };
}

/** Records the idempotent batches from `from` to the log end in `table`. */
async function replayBatches(log: PartitionLog, table: ProducerStateTable, from: number): Promise<{ replayedBatches: number; replayedBytes: number }> {
  let batches = 0;
  let bytes = 0;
  let offset = from;
  while (offset < log.logEndOffset) {
    const { records, nextOffset } = await log.read(offset, SCAN_CHUNK_BYTES, { minOneBatch: true });
    if (records.length === 0 || nextOffset <= offset) break;
    bytes += records.length;
    for (const { header } of iterateBatches(records)) {
      batches++;
      if (header.producerId < 0n || isControlBatch(header)) continue;
      const firstOffset = Number(header.baseOffset);
      table.record(
        header.producerId,
        header.producerEpoch,
        { firstSeq: header.baseSequence, lastSeq: lastSeqOf(header.baseSequence, header.lastOffsetDelta), firstOffset, lastOffset: firstOffset + header.lastOffsetDelta },
        Number(header.maxTimestamp),
      );
    }
    offset = nextOffset;
  }
  return { replayedBatches: batches, replayedBytes: bytes };
}
