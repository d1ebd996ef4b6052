/**
 * Reads racing the swap: every read issued while passes replace segments must return
 * whole, CRC-valid batches whose records are those the log held at that offset (a record's
 * value names its offset), never an error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iterateBatches, readRecords, validateBatch } from '@samsa/protocol';
import { ManualClock } from '../../../src/platform/clock.js';
import { openLog, tempDir } from '../helpers.js';
import { appendEach, newCleaner, T0 } from './helpers.js';

test('fetches reading while segments are swapped get valid data', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const log = await openLog(t, await tempDir(t), { clock, config: { cleanupPolicy: ['compact'], segmentBytes: 600, indexIntervalBytes: 64 } });
  let next = 0;
  const produce = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++, next++) await appendEach(log, [[`k${next % 7}`, `value-at-${next}`]]);
  };
  await produce(300);
  const removedSegments: number[] = [];
  let done = false;
  let reads = 0;
  const reader = (async () => {
    while (!done) {
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const r = await log.read(offset, 200, { minOneBatch: true });
        reads++;
        assert.ok(r.records.length > 0, `a read at ${offset} below the log end ${log.logEndOffset} returned nothing`);
        for (const batch of iterateBatches(r.records)) {
          validateBatch(batch.bytes, 0);
          for (const rec of readRecords(batch)) assert.equal(rec.value?.toString(), `value-at-${rec.offset}`);
        }
        assert.ok(r.nextOffset > offset);
        offset = r.nextOffset;
      }
    }
  })();
  let firstDirty: number | undefined;
  for (let pass = 0; pass < 5; pass++) {
    const result = await newCleaner().clean({ log, firstDirtyOffset: firstDirty, nowMs: clock.now(), aborted: () => false });
    if (result) {
      firstDirty = result.endOffset;
      removedSegments.push(result.segmentsBefore - result.segmentsAfter);
    }
    await produce(50);
  }
  done = true;
  await reader;
  assert.ok(reads > 20, `only ${reads} reads raced the passes`);
  assert.ok(removedSegments.some((d) => d > 0), 'passes replaced segments');
});
