import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.js';
import { batchOfSize, openLog, readAll, tempDir } from './helpers.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

test('retention.ms deletes the oldest segments whose largest timestamp is older than retention.ms', async (t) => {
  const clock = new ManualClock(T0);
  const log = await openLog(t, await tempDir(t), { clock, config: { segmentBytes: 500, retentionMs: 10 * HOUR } });
  // Segments of 5 batches; segment k's records are stamped T0 + k hours.
  for (let i = 0; i < 20; i++) await log.append(batchOfSize(i, 100, T0 + Math.floor(i / 5) * HOUR), { lastOffset: i });
  assert.deepEqual(log.segmentBaseOffsets, [0, 5, 10, 15]);
  assert.deepEqual((await log.applyRetention(T0 + 10 * HOUR)).deleted, []);
  const result = await log.applyRetention(T0 + 11 * HOUR + 1);
  assert.deepEqual(result.deleted.map((d) => [d.baseOffset, d.nextOffset, d.size, d.reason]), [
    [0, 5, 500, 'retention.ms'],
    [5, 10, 500, 'retention.ms'],
  ]);
  assert.equal(result.logStartOffset, 10);
  assert.equal(log.logStartOffset, 10);
  assert.deepEqual(log.segmentBaseOffsets, [10, 15]);
});

test('retention.ms rolls and deletes an expired active segment, leaving an empty one at the log end', async (t) => {
  const log = await openLog(t, await tempDir(t), { config: { retentionMs: HOUR } });
  for (let i = 0; i < 3; i++) await log.append(batchOfSize(i, 100, T0), { lastOffset: i });
  const result = await log.applyRetention(T0 + 2 * HOUR);
  assert.deepEqual(result.deleted.map((d) => d.baseOffset), [0]);
  assert.deepEqual(log.segmentBaseOffsets, [3]);
  assert.equal(log.logStartOffset, 3);
  assert.equal(log.logEndOffset, 3);
  assert.deepEqual((await log.applyRetention(T0 + 5 * HOUR)).deleted, [], 'an empty active segment is never deleted');
  await log.append(batchOfSize(3, 100, T0 + 5 * HOUR), { lastOffset: 3 });
  assert.deepEqual((await readAll(log)).map((b) => b.baseOffset), [3]);
});

test('retention.bytes deletes the oldest segments while the rest still holds retention.bytes', async (t) => {
  const log = await openLog(t, await tempDir(t), { config: { segmentBytes: 500, retentionBytes: 1200, retentionMs: -1 } });
  for (let i = 0; i < 23; i++) await log.append(batchOfSize(i, 100, T0), { lastOffset: i });
  assert.equal(log.size, 2300);
  const result = await log.applyRetention(T0 + 1000 * HOUR);
  // 2300 - 500 = 1800 >= 1200, 1800 - 500 = 1300 >= 1200, 1300 - 500 = 800 < 1200.
  assert.deepEqual(result.deleted.map((d) => [d.baseOffset, d.reason]), [
    [0, 'retention.bytes'],
    [5, 'retention.bytes'],
  ]);
  assert.equal(log.size, 1300);
  assert.equal(log.logStartOffset, 10);
});

test('retention never moves the log start backwards past a DeleteRecords', async (t) => {
  const log = await openLog(t, await tempDir(t), { config: { segmentBytes: 500, retentionBytes: 600, retentionMs: -1 } });
  for (let i = 0; i < 15; i++) await log.append(batchOfSize(i, 100, T0), { lastOffset: i });
  await log.deleteRecordsBefore(13);
  const result = await log.applyRetention(T0);
  assert.deepEqual(result.deleted.map((d) => d.baseOffset), [], 'segment 10 holds readable records 13 and 14');
  assert.equal(log.logStartOffset, 13);
  assert.deepEqual(log.segmentBaseOffsets, [10]);
});

test('retention applies to segments loaded lazily after a restart', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { config: { segmentBytes: 500 }, noAutoClose: true });
  for (let i = 0; i < 20; i++) await log.append(batchOfSize(i, 100, T0 + i * HOUR), { lastOffset: i });
  await log.close();
  const reopened = await openLog(t, dir, { config: { segmentBytes: 500, retentionMs: 10 * HOUR } });
  const result = await reopened.applyRetention(T0 + 20 * HOUR);
  assert.deepEqual(result.deleted.map((d) => [d.baseOffset, d.nextOffset]), [
    [0, 5],
    [5, 10],
  ]);
});

/**
 * Regression: time and size retention used to apply whatever cleanup.policy said, so the
 * compact-only __consumer_offsets would have lost every commit older than retention.ms.
 */
test('a compact-only topic keeps its segments past retention.ms and retention.bytes', async (t) => {
  const log = await openLog(t, await tempDir(t), {
    config: { segmentBytes: 500, retentionMs: HOUR, retentionBytes: 100, cleanupPolicy: ['compact'] },
  });
  for (let i = 0; i < 12; i++) await log.append(batchOfSize(i, 100, T0), { lastOffset: i });
  assert.deepEqual((await log.applyRetention(T0 + 100 * HOUR)).deleted, []);
  assert.equal(log.logStartOffset, 0);
  log.config = { ...log.config, cleanupPolicy: ['compact', 'delete'] };
  assert.ok((await log.applyRetention(T0 + 100 * HOUR)).deleted.length > 0, 'compact,delete does apply retention');
});
