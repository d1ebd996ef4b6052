/**
 * Walking the batches of a .log file. Two speeds:
 *
 * - scanHeaders reads only headers, with a read-ahead window, skipping over batch bodies
 *   (a big batch costs one small read, a run of small batches one read per window). Used to
 *   find a batch after an index lookup, rebuild an index, or recompute a segment's tail.
 * - scanValidBatches reads everything and checks each batch the way recovery must: sane
 *   length, magic 2, contiguous offsets (increasing, in a compacted log), CRC-32C. It
 *   stops at the first batch that fails.
 */
import { crc32c } from './crc.js';
import { BATCH_HEADER_BYTES, BatchField, CRC_START, parseBatchHeader, type BatchMeta } from './batch-header.js';
import type { LogFile } from './log-file.js';

export interface ScanStop {
  /** Where the scan ended: `end`, the batch the visitor stopped at, or the bad bytes. */
  position: number;
  /** Why the bytes at `position` are not a batch; null if the scan did not fail. */
  problem: string | null;
  /** True when the visitor asked to stop (at the batch at `position`). */
  stopped: boolean;
}

export const HEADER_READ_AHEAD_BYTES = 64 * 1024;
export const RECOVERY_READ_BYTES = 4 * 1024 * 1024;

/**
 * Calls `visit` with each batch header from `from` to `end` (positions are file positions)
 * until it returns false. Stops at the first header that is not sane.
 */
export async function scanHeaders(
  file: LogFile,
  from: number,
  end: number,
  visit: (batch: BatchMeta) => boolean | void,
  readAheadBytes = HEADER_READ_AHEAD_BYTES,
): Promise<ScanStop> {
  let buf: Buffer = Buffer.alloc(0);
  let bufStart = from;
  let position = from;
  while (position < end) {
    if (position < bufStart || position + BATCH_HEADER_BYTES > bufStart + buf.length) {
      buf = await file.readAt(position, Math.min(Math.max(readAheadBytes, BATCH_HEADER_BYTES), end - position));
      bufStart = position;
    }
    const header = parseBatchHeader(buf, position - bufStart, end - position);
    if (typeof header === 'string') return { position, problem: header, stopped: false };
    header.position = position;
    if (visit(header) === false) return { position, problem: null, stopped: true };
    position += header.size;
  }
  return { position, problem: null, stopped: false };
}

export interface ValidScan {
  /** End of the last valid batch: the length the segment should be cut to. */
  validBytes: number;
  /** The offset after the last valid batch. */
  nextOffset: number;
  /** Why the bytes at validBytes are not a valid batch; null if the scan reached `end`. */
  problem: string | null;
}

function checkBatch(buf: Buffer, at: number, header: BatchMeta, expectedOffset: number, offsetGaps: boolean): string | null {
  // In a compacted log offsets only increase: the cleaner leaves gaps where it dropped
  // whole batches. Elsewhere they are contiguous, which catches a damaged baseOffset (it
  // lies outside the CRC).
  if (offsetGaps ? header.baseOffset < expectedOffset : header.baseOffset !== expectedOffset) {
    return `base offset ${header.baseOffset}, expected ${offsetGaps ? 'at least ' : ''}${expectedOffset}`;
  }
  const stored = buf.readUInt32BE(at + BatchField.crc);
  const computed = crc32c(buf.subarray(at + CRC_START, at + header.size));
  return stored === computed ? null : `CRC-32C ${computed.toString(16)} does not match the stored ${stored.toString(16)}`;
}

/**
 * Checks every batch from `from` to `end`, the first expected to start at `firstOffset`
 * (or later, with `offsetGaps`, for compacted logs),
 * calling `visit` for each valid one in order. Reads in chunks of `chunkBytes`; a batch
 * larger than a chunk is read on its own.
 */
export async function scanValidBatches(
  file: LogFile,
  from: number,
  end: number,
  firstOffset: number,
  visit: (batch: BatchMeta) => void,
  chunkBytes = RECOVERY_READ_BYTES,
  offsetGaps = false,
): Promise<ValidScan> {
  let position = from;
  let expected = firstOffset;
  const fail = (problem: string): ValidScan => ({ validBytes: position, nextOffset: expected, problem });
  while (position < end) {
    const chunk = await file.readAt(position, Math.min(chunkBytes, end - position));
    let at = 0;
    while (position + at < end) {
      if (chunk.length - at < BATCH_HEADER_BYTES && at > 0) break; // re-read from here
      const header = parseBatchHeader(chunk, at, end - position - at);
      if (typeof header === 'string') {
        position += at;
        return fail(header);
      }
      let buf = chunk;
      let bufAt = at;
      if (at + header.size > chunk.length) {
        if (at > 0) break; // re-read from here
        buf = await file.readAt(position, header.size); // a batch larger than the chunk
        bufAt = 0;
        if (buf.length < header.size) return fail(`batch of ${header.size} bytes cut short at ${buf.length}`);
      }
      const problem = checkBatch(buf, bufAt, header, expected, offsetGaps);
      if (problem !== null) {
        position += at;
        return fail(problem);
      }
      header.position = position + at;
      visit(header);
      expected = header.lastOffset + 1;
      at += header.size;
      if (buf !== chunk) break;
    }
    position += at;
  }
  return { validBytes: position, nextOffset: expected, problem: null };
}
