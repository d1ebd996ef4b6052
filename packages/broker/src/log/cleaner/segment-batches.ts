/**
 * Reads a closed segment's batches whole, in chunks, for the cleaner. A closed segment is
 * immutable, so no locking is needed; a segment deleted meanwhile (retention, truncation,
 * topic deletion) makes the reads fail with CLOSED, which ends the pass.
 */
import { SamsaError } from '@samsa/protocol';
import { parseBatchHeader, type BatchMeta } from '../batch-header.js';
import type { Segment } from '../segment.js';

export const CLEANER_READ_BYTES = 1 << 20;

export interface SegmentBatch {
  meta: BatchMeta;
  /** The whole batch (a view of the chunk read). */
  bytes: Buffer;
}

export async function* segmentBatches(segment: Segment, chunkBytes = CLEANER_READ_BYTES): AsyncGenerator<SegmentBatch, void, undefined> {
  const end = segment.size;
  let position = 0;
  while (position < end) {
    let chunk = await segment.log.readAt(position, Math.min(chunkBytes, end - position));
    let at = 0;
    while (position + at < end) {
      const header = parseBatchHeader(chunk, at, end - position - at);
      if (typeof header === 'string') {
        if (at > 0 && chunk.length - at < end - position - at) break; // the rest is in the next chunk
        throw new SamsaError('CORRUPT_RECORD', `${segment.path}: ${header} at byte ${position + at}`);
      }
      if (at + header.size > chunk.length) {
        if (at > 0) break; // re-read from this batch
        chunk = await segment.log.readAt(position, header.size); // one batch larger than a chunk
        if (chunk.length < header.size) throw new SamsaError('CORRUPT_RECORD', `${segment.path}: batch at byte ${position} cut short`);
      }
      header.position = position + at;
      yield { meta: header, bytes: chunk.subarray(at, at + header.size) };
      at += header.size;
    }
    position += at;
  }
}
