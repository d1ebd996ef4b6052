/**
 * Producer state survives restarts: a checksummed snapshot taken at a log end offset when the
 * log closes, and on open the batches after the snapshot (or the whole log, without one)
 * are scanned to bring it up to date. The snapshot only saves time; the log is the truth.
 */
import { join } from 'node:path';
import { iterateBatches, isControlBatch } from '@samsa/protocol';
import type { PartitionLog } from '../log/partition-log.js';
import { readChecksummedFile, writeChecksummedFile } from '../platform/checksummed-file.js';
import { lastSeqOf, ProducerStateTable } from './producer-state.js';

const FILE = 'producer-state.snapshot';
const KIND = 'PRST';
const VERSION = 1;
const SCAN_CHUNK_BYTES = 4 << 20;

export async function saveProducerState(log: PartitionLog, table: ProducerStateTable): Promise<void> {
  const payload = Buffer.from(JSON.stringify({ offset: log.logEndOffset, producers: table.toJSON() }));
  await writeChecksummedFile(join(log.dir, FILE), KIND, VERSION, payload);
}

/** Loads the snapshot (ignored when unreadable or ahead of the log) and replays the rest of the log. */
export async function loadProducerState(log: PartitionLog): Promise<ProducerStateTable> {
  let table = new ProducerStateTable();
  let from = log.logStartOffset;
  try {
    const file = await readChecksummedFile(join(log.dir, FILE), KIND);
    if (file && file.version === VERSION) {
      const snap = JSON.parse(file.payload.toString('utf8')) as { offset: number; producers: unknown };
      if (snap.offset <= log.logEndOffset && snap.offset >= log.logStartOffset) {
        table = ProducerStateTable.fromJSON(snap.producers);
        from = snap.offset;
      }
    }
  } catch {
    // A damaged snapshot is rebuilt from the log.
  }
  let offset = from;
  while (offset < log.logEndOffset) {
    const { records, nextOffset } = await log.read(offset, SCAN_CHUNK_BYTES, { minOneBatch: true });
    if (records.length === 0 || nextOffset <= offset) break;
    for (const { header } of iterateBatches(records)) {
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
  return table;
}
