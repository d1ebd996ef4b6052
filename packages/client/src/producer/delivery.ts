/**
 * Tells each record of a finished batch how it went. A callback that throws does not stop
 * the others: its error is rethrown on its own (an uncaught exception, as a throwing
 * event listener would be), because swallowing it would hide a bug.
 */
import { SamsaClientError } from '../errors.js';
import type { ProducerBatch, RecordMetadata } from './producer-batch.js';

function rethrow(e: unknown): void {
  queueMicrotask(() => {
    throw e;
  });
}

export function completeBatch(batch: ProducerBatch, baseOffset: number, logAppendTimeMs: bigint): void {
  if (baseOffset >= 0 && !Number.isSafeInteger(baseOffset + batch.recordCount)) {
    failBatch(batch, new SamsaClientError('KAFKA_ERROR', `offset ${baseOffset} of ${batch.topic}-${batch.partition} is past 2^53`));
    return;
  }
  const appendTime = logAppendTimeMs >= 0n ? Number(logAppendTimeMs) : -1;
  const { runCallbacks, runTimestamps, runCounts, topic, partition } = batch;
  let offsetDelta = 0;
  for (let run = 0; run < runCounts.length; run++) {
    const cb = runCallbacks[run];
    const count = runCounts[run]!;
    if (!cb) {
      offsetDelta += count;
      continue;
    }
    const timestamp = appendTime >= 0 ? appendTime : runTimestamps[run]!;
    for (let i = 0; i < count; i++, offsetDelta++) {
      const md: RecordMetadata = { topic, partition, offset: baseOffset < 0 ? -1 : baseOffset + offsetDelta, timestamp };
      try {
        cb(null, md);
      } catch (e) {
        rethrow(e);
      }
    }
  }
}

export function failBatch(batch: ProducerBatch, err: SamsaClientError): void {
  for (let run = 0; run < batch.runCounts.length; run++) {
    const cb = batch.runCallbacks[run];
    if (!cb) continue;
    for (let i = 0; i < batch.runCounts[run]!; i++) {
      try {
        cb(err, null);
      } catch (e) {
        rethrow(e);
      }
    }
  }
}
