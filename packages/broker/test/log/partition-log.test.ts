import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.js';
import { nodeFileOps } from '../../src/log/log-file.js';
import { OffsetOutOfRangeError, LogOfflineError } from '../../src/log/partition-log.js';
import {
  appendRecords,
  batchOfSize,
  buildBatch,
  countingOps,
  crashImage,
  listBatches,
  openLog,
  readAll,
  sequentialBatches,
  tempDir,
} from './helpers.js';

const T0 = 1_700_000_000_000;

test('a new log is empty at offset 0', async (t) => {
  const log = await openLog(t, await tempDir(t));
  assert.equal(log.logStartOffset, 0);
  assert.equal(log.logEndOffset, 0);
  assert.equal(log.size, 0);
  assert.equal(log.segmentCount, 1);
  const r = await log.read(0, 1000, { minOneBatch: true });
  assert.equal(r.records.length, 0);
});

test('append and read round-trip across many segment rolls', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { config: { segmentBytes: 1000, indexIntervalBytes: 200 } });
  const appended: Buffer[] = [];
  for (let offset = 0; offset < 400; ) {
    const n = 1 + (offset % 3); // batches of 1-3 records
    const batch = buildBatch({ baseOffset: offset, baseTimestamp: T0 + offset, records: Array.from({ length: n }, (_, i) => ({ value: `r${offset + i}` })) });
    const result = await log.append(batch, { lastOffset: offset + n - 1 });
    assert.equal(result.baseOffset, offset);
    appended.push(batch);
    offset += n;
  }
  assert.equal(log.logEndOffset, 400);
  assert.ok(log.segmentCount > 10, `rolled into ${log.segmentCount} segments`);
  assert.equal(log.size, appended.reduce((n, b) => n + b.length, 0));
  const names = (await readdir(dir)).filter((n) => n.endsWith('.log'));
  assert.equal(names.length, log.segmentCount);
  assert.ok(names.includes('00000000000000000000.log'));
  // Every batch comes back byte for byte, whatever the read size.
  for (const maxBytes of [1, 100, 999, 1 << 20]) {
    const all: Buffer[] = [];
    let offset = 0;
    while (offset < log.logEndOffset) {
      const r = await log.read(offset, maxBytes, { minOneBatch: true });
      all.push(r.records);
      offset = r.nextOffset;
    }
    assert.deepEqual(Buffer.concat(all), Buffer.concat(appended));
  }
  // A read from any offset starts with the batch that holds it.
  for (let offset = 0; offset < 400; offset++) {
    const r = await log.read(offset, 10_000, { minOneBatch: true });
    const first = listBatches(r.records)[0]!;
    assert.ok(first.baseOffset <= offset && offset <= first.lastOffset, `offset ${offset} in [${first.baseOffset}, ${first.lastOffset}]`);
    assert.equal(r.firstOffset, first.baseOffset);
  }
});

test('reads find batches through a dense index and through a sparse one', async (t) => {
  for (const indexIntervalBytes of [0, 4096, 1 << 20]) {
    const log = await openLog(t, await tempDir(t), { config: { indexIntervalBytes } });
    await log.append(sequentialBatches(0, 300), { lastOffset: 299 });
    for (const offset of [0, 1, 150, 298, 299]) {
      const r = await log.read(offset, 1, { minOneBatch: true });
      assert.deepEqual(listBatches(r.records).map((b) => b.baseOffset), [offset], `interval ${indexIntervalBytes}, offset ${offset}`);
    }
  }
});

test('maxBytes returns whole batches only; minOneBatch returns a first batch larger than maxBytes', async (t) => {
  const log = await openLog(t, await tempDir(t));
  for (let i = 0; i < 5; i++) await log.append(batchOfSize(i, 100), { lastOffset: i });
  assert.deepEqual(listBatches((await log.read(0, 350, { minOneBatch: true })).records).map((b) => b.baseOffset), [0, 1, 2]);
  assert.deepEqual(listBatches((await log.read(1, 99, { minOneBatch: true })).records).map((b) => b.size), [100]);
  const none = await log.read(1, 99, { minOneBatch: false });
  assert.equal(none.records.length, 0);
  assert.equal(none.nextOffset, 1);
  const big = await openLog(t, await tempDir(t));
  await big.append(batchOfSize(0, 50_000), { lastOffset: 0 });
  const r = await big.read(0, 10, { minOneBatch: true });
  assert.equal(r.records.length, 50_000);
});

test('maxOffset (the high watermark) excludes batches at or past it', async (t) => {
  const log = await openLog(t, await tempDir(t));
  await log.append(sequentialBatches(0, 10), { lastOffset: 9 });
  const r = await log.read(2, 1 << 20, { maxOffset: 6, minOneBatch: true });
  assert.deepEqual(listBatches(r.records).map((b) => b.baseOffset), [2, 3, 4, 5]);
  assert.equal(r.nextOffset, 6);
  assert.equal((await log.read(6, 1 << 20, { maxOffset: 6, minOneBatch: true })).records.length, 0);
  // A batch straddling the high watermark is not returned at all.
  const multi = await openLog(t, await tempDir(t));
  await multi.append(buildBatch({ baseOffset: 0, records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] }), { lastOffset: 2 });
  assert.equal((await multi.read(0, 1 << 20, { maxOffset: 2, minOneBatch: true })).records.length, 0);
});

test('offsets outside [logStartOffset, logEndOffset] are OffsetOutOfRangeError', async (t) => {
  const log = await openLog(t, await tempDir(t));
  await appendRecords(log, 10);
  await log.deleteRecordsBefore(3);
  await assert.rejects(log.read(11, 100, { minOneBatch: true }), OffsetOutOfRangeError);
  await assert.rejects(log.read(2, 100, { minOneBatch: true }), (e: unknown) => e instanceof OffsetOutOfRangeError && e.logStartOffset === 3 && e.logEndOffset === 10);
  assert.equal((await log.read(10, 100, { minOneBatch: true })).records.length, 0);
  assert.equal((await log.read(3, 1, { minOneBatch: true })).firstOffset, 3);
  await assert.rejects(log.deleteRecordsBefore(11), OffsetOutOfRangeError);
});

test('an append whose offsets do not start at the log end is refused and changes nothing', async (t) => {
  const log = await openLog(t, await tempDir(t));
  await appendRecords(log, 3);
  await assert.rejects(log.append(sequentialBatches(5, 1), { lastOffset: 5 }), /expects 3/);
  await assert.rejects(log.append(sequentialBatches(3, 2), { lastOffset: 9 }), /caller says 9/);
  const gap = Buffer.concat([sequentialBatches(3, 1), sequentialBatches(5, 1)]);
  await assert.rejects(log.append(gap, { lastOffset: 5 }), /expects 4/);
  assert.equal(log.logEndOffset, 3);
  await appendRecords(log, 1);
  assert.equal((await readAll(log)).length, 4);
});

test('concurrent appends with an offset-assigning callback are written in call order', async (t) => {
  const log = await openLog(t, await tempDir(t), { config: { segmentBytes: 2000 } });
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => {
      const blob = buildBatch({ baseOffset: 0, records: [{ value: `n${i}` }, { value: `m${i}` }] });
      return log.append(blob, (baseOffset) => {
        blob.writeBigInt64BE(BigInt(baseOffset), 0);
        return { lastOffset: baseOffset + 1 };
      });
    }),
  );
  assert.deepEqual(results.map((r) => r.baseOffset), Array.from({ length: 100 }, (_, i) => i * 2));
  assert.equal(log.logEndOffset, 200);
  assert.ok(log.segmentCount > 1);
  assert.equal((await readAll(log)).length, 100);
});

test('offsetForTimestamp finds the first record at or after a timestamp, per record', async (t) => {
  const log = await openLog(t, await tempDir(t), { config: { segmentBytes: 600, indexIntervalBytes: 0 } });
  // Offsets 0-9 in one-record batches at T0 + 10*i, then a 3-record batch with out-of-order timestamps.
  await appendRecords(log, 10, (o) => T0 + 10 * o);
  await log.append(
    buildBatch({ baseOffset: 10, baseTimestamp: T0 + 200, records: [{ value: 'x', timestampDelta: 0 }, { value: 'y', timestampDelta: -150 }, { value: 'z', timestampDelta: 100 }] }),
    { lastOffset: 12 },
  );
  assert.ok(log.segmentCount > 1);
  assert.deepEqual(await log.offsetForTimestamp(0), { offset: 0, timestamp: T0 });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 35), { offset: 4, timestamp: T0 + 40 });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 90), { offset: 9, timestamp: T0 + 90 });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 91), { offset: 10, timestamp: T0 + 200 });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 201), { offset: 12, timestamp: T0 + 300 });
  assert.equal(await log.offsetForTimestamp(T0 + 301), null);
  await log.deleteRecordsBefore(11);
  assert.deepEqual(await log.offsetForTimestamp(0), { offset: 11, timestamp: T0 + 50 });
});

test('offsetForTimestamp answers with the batch for compressed and LogAppendTime batches', async (t) => {
  const log = await openLog(t, await tempDir(t));
  await appendRecords(log, 2, () => T0);
  // Codec bits set: the log never looks inside, whatever the records hold.
  await log.append(buildBatch({ baseOffset: 2, baseTimestamp: T0 + 100, records: [{ value: 'a' }, { value: 'b', timestampDelta: 50 }], attributes: 1 }), { lastOffset: 3 });
  // LogAppendTime: every record carries the batch's maxTimestamp.
  await log.append(buildBatch({ baseOffset: 4, baseTimestamp: T0, maxTimestamp: T0 + 500, records: [{ value: 'c' }, { value: 'd' }], attributes: 0x08 }), { lastOffset: 5 });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 120), { offset: 2, timestamp: T0 + 150 });
  assert.deepEqual(await log.offsetForTimestamp(T0 + 400), { offset: 4, timestamp: T0 + 500 });
});

test('maxTimestamp returns the first record holding the largest timestamp', async (t) => {
  const log = await openLog(t, await tempDir(t), { config: { segmentBytes: 500 } });
  assert.equal(await log.maxTimestamp(), null);
  await appendRecords(log, 5, (o) => T0 + o);
  await log.append(buildBatch({ baseOffset: 5, baseTimestamp: T0 + 1000, records: [{ value: 'a' }, { value: 'b', timestampDelta: 7 }, { value: 'c', timestampDelta: 7 }] }), { lastOffset: 7 });
  await appendRecords(log, 8, (o) => T0 + o);
  assert.ok(log.segmentCount > 1);
  assert.deepEqual(await log.maxTimestamp(), { offset: 6, timestamp: T0 + 1007 });
});

test('segment.ms rolls the active segment once it is older than segment.ms minus its jitter', async (t) => {
  const clock = new ManualClock(T0);
  const log = await openLog(t, await tempDir(t), { clock, config: { segmentMs: 60_000, segmentJitterMs: 20_000 }, random: () => 0.5 });
  await appendRecords(log, 1);
  clock.advance(50_000); // 60 000 - 10 000 jitter = 50 000: not yet
  await appendRecords(log, 1);
  assert.equal(log.segmentCount, 1);
  clock.advance(1);
  await appendRecords(log, 1);
  assert.deepEqual(log.segmentBaseOffsets, [0, 2]);
  clock.advance(45_000);
  await appendRecords(log, 1);
  assert.equal(log.segmentCount, 2);
});

test('segment.bytes rolls before a batch that would not fit, and the index limit rolls too', async (t) => {
  const log = await openLog(t, await tempDir(t), { config: { segmentBytes: 1000 } });
  for (let i = 0; i < 10; i++) await log.append(batchOfSize(i, 300), { lastOffset: i });
  assert.deepEqual(log.segmentBaseOffsets, [0, 3, 6, 9]);
  const byIndex = await openLog(t, await tempDir(t), { config: { indexIntervalBytes: 0, segmentIndexBytes: 32 } });
  await appendRecords(byIndex, 12);
  assert.ok(byIndex.segmentCount >= 2, `${byIndex.segmentCount} segments`);
});

test('deleteRecordsBefore moves the log start durably and deletes segments wholly below it', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { config: { segmentBytes: 500 }, noAutoClose: true });
  for (let i = 0; i < 20; i++) await log.append(batchOfSize(i, 100), { lastOffset: i });
  assert.deepEqual(log.segmentBaseOffsets, [0, 5, 10, 15]);
  assert.equal(await log.deleteRecordsBefore(12), 12);
  assert.deepEqual(log.segmentBaseOffsets, [10, 15]);
  assert.equal(log.logStartOffset, 12);
  // Survives a crash (no clean close) ...
  const crashed = await openLog(t, await crashImage(t, dir));
  assert.equal(crashed.logStartOffset, 12);
  await log.close();
  // ... and a clean restart.
  const reopened = await openLog(t, dir);
  assert.equal(reopened.logStartOffset, 12);
  assert.equal(reopened.logEndOffset, 20);
  assert.deepEqual((await readAll(reopened)).map((b) => b.baseOffset), [12, 13, 14, 15, 16, 17, 18, 19]);
  await reopened.deleteRecordsBefore(20);
  assert.equal(reopened.logStartOffset, 20);
  assert.equal(reopened.size, 0);
  await appendRecords(reopened, 1);
  assert.equal(reopened.logEndOffset, 21);
});

test('a clean reopen trusts the files: it reads almost nothing and serves the same log', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { config: { segmentBytes: 64 * 1024 }, noAutoClose: true });
  for (let i = 0; i < 100; i++) await log.append(batchOfSize(i, 4000), { lastOffset: i });
  const size = log.size;
  await log.close();
  const ops = countingOps();
  const reopened = await openLog(t, dir, { config: { segmentBytes: 64 * 1024 }, fileOps: ops });
  assert.equal(reopened.logEndOffset, 100);
  assert.equal(reopened.size, size);
  assert.ok(ops.counts.readBytes < 20_000, `open read ${ops.counts.readBytes} of ${size} bytes`);
  assert.equal((await readAll(reopened)).length, 100);
  await reopened.append(batchOfSize(100, 4000), { lastOffset: 100 });
  assert.equal(reopened.logEndOffset, 101);
  // The marker is gone while the log is open, so a crash now is detected.
  assert.ok(!(await readdir(dir)).includes('clean-shutdown'));
});

test('truncateTo removes whole batches from the offset on, across segments', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { config: { segmentBytes: 500 }, noAutoClose: true });
  for (let i = 0; i < 20; i++) await log.append(batchOfSize(i, 100), { lastOffset: i });
  await log.append(buildBatch({ baseOffset: 20, records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] }), { lastOffset: 22 });
  assert.equal(await log.truncateTo(21), 20, 'a batch is never split');
  assert.equal(await log.truncateTo(12), 12);
  assert.deepEqual(log.segmentBaseOffsets, [0, 5, 10]);
  assert.equal(log.size, 1200);
  await assert.rejects(log.read(13, 100, { minOneBatch: true }), OffsetOutOfRangeError);
  await log.append(sequentialBatches(12, 3), { lastOffset: 14 });
  assert.deepEqual((await readAll(log)).map((b) => b.baseOffset), Array.from({ length: 15 }, (_, i) => i));
  // A crash right after the truncation recovers the truncated log, not the old one.
  const crashed = await openLog(t, await crashImage(t, dir));
  assert.equal(crashed.logEndOffset, 15);
  await log.close();
  const reopened = await openLog(t, dir);
  assert.equal(reopened.logEndOffset, 15);
  assert.equal(await reopened.truncateTo(0), 0);
  assert.equal(reopened.logEndOffset, 0);
  assert.equal(reopened.size, 0);
});

test('truncateFullyAndStartAt empties the log and starts it at the offset', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { config: { segmentBytes: 500 }, noAutoClose: true });
  await appendRecords(log, 50);
  await log.truncateFullyAndStartAt(1000);
  assert.equal(log.logStartOffset, 1000);
  assert.equal(log.logEndOffset, 1000);
  assert.deepEqual(await readdir(dir).then((n) => n.filter((x) => x.endsWith('.log'))), ['00000000000000001000.log']);
  await appendRecords(log, 2);
  await log.close();
  const reopened = await openLog(t, dir);
  assert.equal(reopened.logStartOffset, 1000);
  assert.equal(reopened.logEndOffset, 1002);
});

test('default flush settings never fsync on the append path; close fsyncs', async (t) => {
  const ops = countingOps();
  const log = await openLog(t, await tempDir(t), { fileOps: ops, noAutoClose: true });
  const before = ops.counts.datasync;
  await appendRecords(log, 100);
  assert.equal(ops.counts.datasync, before);
  await log.close();
  assert.ok(ops.counts.datasync > before);
});

test('flush.messages=1 groups the fsyncs of concurrent appends', async (t) => {
  const ops = countingOps();
  const log = await openLog(t, await tempDir(t), { fileOps: ops, config: { flushMessages: 1 } });
  const before = ops.counts.datasync;
  const n = 200;
  await Promise.all(
    Array.from({ length: n }, () => {
      const blob = buildBatch({ baseOffset: 0, records: [{ value: 'x' }] });
      return log.append(blob, (baseOffset) => {
        blob.writeBigInt64BE(BigInt(baseOffset), 0);
        return { lastOffset: baseOffset };
      });
    }),
  );
  const syncs = ops.counts.datasync - before;
  assert.ok(syncs >= 1 && syncs <= 10, `${n} appends took ${syncs} fsyncs`);
  assert.equal(log.logEndOffset, n);
  // Sequential appends each wait for their own fsync.
  const seq = ops.counts.datasync;
  await appendRecords(log, 5);
  assert.equal(ops.counts.datasync - seq, 5);
});

test('flush.ms fsyncs once the oldest unflushed append is older than flush.ms', async (t) => {
  const clock = new ManualClock(T0);
  const ops = countingOps();
  const log = await openLog(t, await tempDir(t), { clock, fileOps: ops, config: { flushMs: 1000 } });
  const before = ops.counts.datasync;
  await appendRecords(log, 3);
  clock.advance(999);
  await appendRecords(log, 1);
  assert.equal(ops.counts.datasync, before);
  clock.advance(1);
  await appendRecords(log, 1);
  assert.equal(ops.counts.datasync, before + 1);
  await appendRecords(log, 1);
  assert.equal(ops.counts.datasync, before + 1, 'the clock restarted at the flush');
});

test('a failed fsync takes the log offline: the waiting append fails and later ones are refused', async (t) => {
  let fail = false;
  const ops = countingOps({
    datasync: async (fd) => {
      if (fail) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      return nodeFileOps.datasync(fd);
    },
  });
  const log = await openLog(t, await tempDir(t), { fileOps: ops, config: { flushMessages: 1 } });
  await appendRecords(log, 1);
  fail = true;
  await assert.rejects(appendRecords(log, 1), LogOfflineError);
  await assert.rejects(appendRecords(log, 1), LogOfflineError);
  assert.equal((await log.read(0, 1000, { minOneBatch: true })).firstOffset, 0, 'reads still work');
});

test('a failed write rejects that append and leaves no stray bytes behind', async (t) => {
  const dir = await tempDir(t);
  let failNext = false;
  const ops = countingOps({
    writev: async (fd, buffers, position) => {
      if (failNext) {
        failNext = false;
        // A torn write: half the bytes land, then the disk is full.
        await nodeFileOps.writev(fd, [buffers[0]!.subarray(0, buffers[0]!.length >> 1)], position);
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      return nodeFileOps.writev(fd, buffers, position);
    },
  });
  const log = await openLog(t, dir, { fileOps: ops, noAutoClose: true });
  await appendRecords(log, 2);
  failNext = true;
  await assert.rejects(log.append(batchOfSize(2, 1000), { lastOffset: 2 }), /ENOSPC/);
  assert.equal(log.logEndOffset, 2);
  await log.append(sequentialBatches(2, 1), { lastOffset: 2 });
  const crashed = await openLog(t, await crashImage(t, dir));
  assert.deepEqual((await readAll(crashed)).map((b) => b.baseOffset), [0, 1, 2]);
  await log.close();
});

test('after close, appends and mutations fail with CLOSED', async (t) => {
  const log = await openLog(t, await tempDir(t), { noAutoClose: true });
  await appendRecords(log, 1);
  await log.close();
  await assert.rejects(log.append(sequentialBatches(1, 1), { lastOffset: 1 }), /closed/);
  await assert.rejects(log.truncateTo(0), /closed/);
  await log.close(); // idempotent
});

test('delete removes the directory', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { noAutoClose: true });
  await appendRecords(log, 3);
  await log.delete();
  await assert.rejects(readdir(dir), /ENOENT/);
});

test('offsets are checked to be safe integers at the boundary', async (t) => {
  const log = await openLog(t, await tempDir(t));
  await assert.rejects(() => log.read(2 ** 53, 10, { minOneBatch: true }), /safe integer/);
  assert.throws(() => log.truncateTo(-1), /safe integer/);
  await assert.rejects(log.append(sequentialBatches(0, 1), { lastOffset: 0.5 }), /safe integer/);
});
