import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { CompressionType } from '@samsa/protocol';
import { ManualClock } from '../../../src/platform/clock.js';
import type { CleanRequest } from '../../../src/log/cleaner/cleaner.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import { openLog, tempDir } from '../helpers.js';
import { appendEach, appendKeyed, kv, latestPerKey, newCleaner, readBatches, readRecordsOf, T0 } from './helpers.js';

const COMPACT = { cleanupPolicy: ['compact'], segmentBytes: 1 << 20 };

function request(log: PartitionLog, clock: ManualClock, extra: Partial<CleanRequest> = {}): CleanRequest {
  return { log, firstDirtyOffset: undefined, nowMs: clock.now(), aborted: () => false, ...extra };
}

test('cleaning keeps the latest record of each key at its offset, and never touches the active segment', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const log = await openLog(t, await tempDir(t), { clock, config: COMPACT });
  for (let round = 0; round < 4; round++) {
    await appendEach(log, ['a', 'b', 'c', 'd'].map((k) => [k, `${k}${round}`]));
    await log.roll();
  }
  await appendEach(log, [['a', 'a-active'], ['a', 'a-active2'], ['e', 'e-active']]);
  const before = await readRecordsOf(log);
  const activeBase = log.segmentBaseOffsets.at(-1)!;
  const result = await newCleaner().clean(request(log, clock));
  assert.ok(result?.complete);
  assert.equal(result.endOffset, activeBase);
  const after = await readRecordsOf(log);
  assert.deepEqual(kv(after), kv(latestPerKey(before, activeBase)));
  // Concretely: the last round; a3 stays because the later a's are in the active segment,
  // which the offset map does not cover (Kafka's cleaner is the same).
  assert.deepEqual(kv(after), [
    [12, 'a', 'a3'],
    [13, 'b', 'b3'],
    [14, 'c', 'c3'],
    [15, 'd', 'd3'],
    [16, 'a', 'a-active'],
    [17, 'a', 'a-active2'],
    [18, 'e', 'e-active'],
  ]);
  assert.equal(log.logEndOffset, 19);
  assert.equal(log.logStartOffset, 0, 'compaction does not move the log start');
  // Offsets are sparse now; a read at a removed offset starts at the next kept one.
  const r = await log.read(5, 1 << 20, { minOneBatch: true });
  assert.equal(r.firstOffset, 12);
  // Timestamps, leader epoch and the kept bytes are those of the original batches.
  assert.deepEqual(after.map((x) => x.timestamp), before.filter((x) => after.some((y) => y.offset === x.offset)).map((x) => x.timestamp));
  assert.ok((await readBatches(log)).every((b) => b.partitionLeaderEpoch === 3));
});

test('a second pass with nothing new dirty does nothing', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const log = await openLog(t, await tempDir(t), { clock, config: COMPACT });
  await appendEach(log, [['a', '1'], ['a', '2']]);
  await log.roll();
  await appendEach(log, [['b', '1']]);
  const cleaner = newCleaner();
  const first = await cleaner.clean(request(log, clock));
  assert.ok(first);
  assert.equal(await cleaner.clean(request(log, clock, { firstDirtyOffset: first.endOffset })), null);
});

test('tombstones survive one pass, stamped with a delete horizon, and go once delete.retention.ms passed', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const deleteRetentionMs = 10_000;
  const log = await openLog(t, await tempDir(t), { clock, config: { ...COMPACT, deleteRetentionMs } });
  await appendEach(log, [['a', 'a1'], ['b', 'b1'], ['a', null], ['c', 'c1']]);
  await log.roll();
  await appendEach(log, [['x', 'active']]);
  const cleaner = newCleaner();
  const first = await cleaner.clean(request(log, clock));
  assert.ok(first);
  assert.equal(first.deleteHorizonMs, clock.now() + deleteRetentionMs);
  assert.deepEqual(kv(await readRecordsOf(log)), [
    [1, 'b', 'b1'],
    [2, 'a', null],
    [3, 'c', 'c1'],
    [4, 'x', 'active'],
  ]);
  const tombstoneBatch = (await readBatches(log)).find((b) => b.baseOffset === 2)!;
  assert.ok(tombstoneBatch.deleteHorizon, 'the tombstone batch carries the delete horizon bit');
  assert.equal(tombstoneBatch.records[0]!.timestamp, T0, 'the record timestamp is unchanged by the horizon');

  // Before the horizon a forced pass keeps it.
  clock.advance(deleteRetentionMs - 1);
  await cleaner.clean(request(log, clock, { firstDirtyOffset: first.endOffset }), true);
  assert.ok((await readRecordsOf(log)).some((r) => r.key === 'a'), 'kept before the horizon');
  clock.advance(1);
  const last = await cleaner.clean(request(log, clock, { firstDirtyOffset: first.endOffset }), true);
  assert.ok(last);
  assert.equal(last.deleteHorizonMs, -1);
  assert.deepEqual(kv(await readRecordsOf(log)), [
    [1, 'b', 'b1'],
    [3, 'c', 'c1'],
    [4, 'x', 'active'],
  ]);
});

test("a producer's last batch stays as an empty batch when all its records are removed", async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const log = await openLog(t, await tempDir(t), { clock, config: COMPACT });
  await appendKeyed(log, { records: [['a', 'p7-1']], producerId: 7n, baseSequence: 0 }); // 0: emptied, not last: dropped
  await appendKeyed(log, { records: [['b', 'p7-2'], ['c', 'p7-3']], producerId: 7n, baseSequence: 1 }); // 1-2: emptied, last of 7: kept empty
  await appendKeyed(log, { records: [['a', 'p8-1']], producerId: 8n, baseSequence: 0 }); // 3: kept
  await appendEach(log, [['b', 'plain'], ['c', 'plain']]); // 4, 5
  await log.roll();
  await appendEach(log, [['z', 'active']]);
  const producers = new Map([
    [7n, 2],
    [8n, 3],
  ]);
  await newCleaner().clean(request(log, clock, { producerLastOffsets: producers }));
  const batches = await readBatches(log);
  assert.deepEqual(
    batches.map((b) => [b.baseOffset, b.lastOffset, b.producerId, b.baseSequence, b.records.length]),
    [
      [1, 2, 7n, 1, 0],
      [3, 3, 8n, 0, 1],
      [4, 4, -1n, -1, 1],
      [5, 5, -1n, -1, 1],
      [6, 6, -1n, -1, 1],
    ],
  );
});

test('min.compaction.lag.ms keeps recent segments dirty', async (t) => {
  const clock = new ManualClock(T0 + 100_000);
  const log = await openLog(t, await tempDir(t), { clock, config: { ...COMPACT, minCompactionLagMs: 50_000 } });
  await appendEach(log, [['a', 'old1'], ['a', 'old2']], T0); // 100 s old
  await log.roll();
  await appendEach(log, [['a', 'new1'], ['b', 'new2']], T0 + 90_000); // 10 s old: within the lag
  await log.roll();
  await appendEach(log, [['c', 'active']], T0 + 99_000);
  const recentBase = log.segmentBaseOffsets[1]!;
  const result = await newCleaner().clean(request(log, clock));
  assert.ok(result);
  assert.equal(result.range.firstUncleanableOffset, recentBase);
  assert.equal(result.endOffset, recentBase);
  // Only the old segment was deduplicated, among itself.
  assert.deepEqual(kv(await readRecordsOf(log)), [
    [1, 'a', 'old2'],
    [2, 'a', 'new1'],
    [3, 'b', 'new2'],
    [4, 'c', 'active'],
  ]);
});

test('small adjacent segments are grouped into one cleaned segment within segment.bytes', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { clock, config: { ...COMPACT, segmentBytes: 1200 } });
  for (let i = 0; i < 40; i++) {
    await appendEach(log, [[`k${i % 4}`, `v${i}`]]);
    if (i % 2 === 1) await log.roll(); // twenty segments of two ~75-byte batches
  }
  await appendEach(log, [['k9', 'active']]);
  assert.equal(log.segmentCount, 21);
  await newCleaner().clean(request(log, clock));
  // Each group holds at most 1200 bytes of old segments (8 of ~150 bytes): 20 -> 3 groups.
  assert.equal(log.segmentCount, 3 + 1);
  assert.equal((await readdir(dir)).filter((n) => n.endsWith('.log')).length, 4);
  assert.deepEqual(kv(await readRecordsOf(log)), [
    [36, 'k0', 'v36'],
    [37, 'k1', 'v37'],
    [38, 'k2', 'v38'],
    [39, 'k3', 'v39'],
    [40, 'k9', 'active'],
  ]);
  assert.ok((await readdir(dir)).every((n) => !n.endsWith('.cleaned') && !n.endsWith('.swap')));
});

for (const codec of [CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
  test(`a codec ${codec} batch stays compressed with its codec after cleaning`, async (t) => {
    const clock = new ManualClock(T0 + 60_000);
    const log = await openLog(t, await tempDir(t), { clock, config: COMPACT });
    await appendKeyed(log, { records: [['a', 'a1'], ['b', 'b1'], ['c', 'c1'], ['d', 'd1']], compression: codec });
    await appendKeyed(log, { records: [['a', 'a2'], ['c', 'c2']], compression: codec });
    await log.roll();
    await appendEach(log, [['z', 'active']]);
    await newCleaner().clean(request(log, clock));
    const batches = await readBatches(log);
    assert.deepEqual(
      batches.map((b) => [b.baseOffset, b.lastOffset, b.codec, b.records.map((r) => r.offset)]),
      [
        [0, 3, codec, [1, 3]],
        [4, 5, codec, [4, 5]],
        [6, 6, 0, [6]],
      ],
    );
  });
}

test('records without a key are removed by cleaning', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const log = await openLog(t, await tempDir(t), { clock, config: COMPACT });
  await appendEach(log, [[null, 'keyless'], ['a', 'a1']]);
  await log.roll();
  await appendEach(log, [['z', 'active']]);
  await newCleaner().clean(request(log, clock));
  assert.deepEqual(kv(await readRecordsOf(log)), [
    [1, 'a', 'a1'],
    [2, 'z', 'active'],
  ]);
});

test('a full offset map cleans a prefix of the dirty section; the next pass continues from there', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const log = await openLog(t, await tempDir(t), { clock, config: COMPACT });
  // 24-byte slots at 90%: 200 bytes hold 7 keys.
  const cleaner = newCleaner(200);
  for (let i = 0; i < 20; i++) await appendEach(log, [[`k${i % 10}`, `v${i}`]]);
  await log.roll();
  await appendEach(log, [['z', 'active']]);
  const first = await cleaner.clean(request(log, clock));
  assert.ok(first);
  assert.equal(first.endOffset, 7, 'the map held k0..k6 (offsets 0-6)');
  let records = await readRecordsOf(log);
  assert.equal(records.length, 21, 'nothing was superseded within the mapped prefix');
  // The map now holds k7..k3 (offsets 7-13): k0..k3 at 0-3 go, k4..k6 at 4-6 are not in it.
  const second = await cleaner.clean(request(log, clock, { firstDirtyOffset: first.endOffset }));
  assert.ok(second);
  assert.equal(second.endOffset, 14);
  records = await readRecordsOf(log);
  assert.deepEqual(
    records.map((r) => r.offset),
    [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
  );
  const third = await cleaner.clean(request(log, clock, { firstDirtyOffset: second.endOffset }));
  assert.ok(third);
  assert.equal(third.endOffset, 20);
  assert.deepEqual(
    (await readRecordsOf(log)).map((r) => r.offset),
    [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
  );
});

test('nothing at or above the high watermark is cleaned', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const log = await openLog(t, await tempDir(t), { clock, config: COMPACT });
  await appendEach(log, [['a', '1'], ['a', '2']]);
  await log.roll();
  await appendEach(log, [['a', '3']]);
  await log.roll();
  await appendEach(log, [['z', 'active']]);
  const result = await newCleaner().clean(request(log, clock, { highWatermark: 2 }));
  assert.ok(result);
  assert.equal(result.endOffset, 2);
  assert.deepEqual(
    (await readRecordsOf(log)).map((r) => r.offset),
    [1, 2, 3],
  );
});
