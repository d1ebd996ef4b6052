import assert from 'node:assert/strict';
import { appendFile, stat } from 'node:fs/promises';
import { test, type TestContext } from 'node:test';
import { defaultLogConfig, type LogConfig } from '../../src/config/topic-config.js';
import { parseBatchHeader, type BatchMeta } from '../../src/log/batch-header.js';
import { nodeFileOps } from '../../src/log/log-file.js';
import { Segment, type SegmentContext } from '../../src/log/segment.js';
import { silentLogger } from '../../src/platform/logger.js';
import { batchOfSize, buildBatch, defer, listBatches, tempDir } from './helpers.js';

async function context(t: TestContext, overrides: Partial<LogConfig> = {}): Promise<SegmentContext> {
  const config = defaultLogConfig(overrides);
  return { dir: await tempDir(t), ops: nodeFileOps, logger: silentLogger, config: () => config };
}

async function newSegment(t: TestContext, ctx: SegmentContext, base = 0): Promise<Segment> {
  const segment = await Segment.create(ctx, base, 0);
  defer(t, () => segment.close());
  return segment;
}

function metas(blob: Buffer): BatchMeta[] {
  const out: BatchMeta[] = [];
  for (let at = 0; at < blob.length; ) {
    const b = parseBatchHeader(blob, at, blob.length - at);
    if (typeof b === 'string') throw new Error(b);
    out.push(b);
    at += b.size;
  }
  return out;
}

async function append(segment: Segment, blob: Buffer): Promise<number> {
  return segment.append([blob], metas(blob), blob.length, 1_700_000_000_000);
}

test('append writes at the end and publishes size, next offset and the largest timestamp', async (t) => {
  const ctx = await context(t);
  const segment = await newSegment(t, ctx, 100);
  assert.equal(await append(segment, batchOfSize(100, 200, 5000)), 0);
  assert.equal(await append(segment, buildBatch({ baseOffset: 101, baseTimestamp: 4000, records: [{ value: 'a' }, { value: 'b', timestampDelta: 2000 }] })), 200);
  assert.equal(segment.nextOffset, 103);
  assert.equal(segment.maxTimestamp, 6000);
  assert.equal(segment.offsetOfMaxTimestamp, 101);
  assert.equal((await stat(segment.path)).size, segment.size);
  assert.equal(segment.rollStartMs, 1_700_000_000_000);
});

test('the offset index gets an entry per index.interval.bytes and locate uses it', async (t) => {
  const ctx = await context(t, { indexIntervalBytes: 250 });
  const segment = await newSegment(t, ctx);
  for (let i = 0; i < 10; i++) await append(segment, batchOfSize(i, 100));
  // Entries for the first batch after more than 250 bytes: batches 3, 6, 9.
  assert.deepEqual([0, 1, 2].map((i) => segment.offsetIndex.entry(i)), [
    { offset: 3, position: 300 },
    { offset: 6, position: 600 },
    { offset: 9, position: 900 },
  ]);
  for (let i = 0; i < 10; i++) assert.equal((await segment.locate(i))?.position, i * 100);
  assert.equal(await segment.locate(10), null);
});

test('read returns whole batches within maxBytes and below maxOffset', async (t) => {
  const ctx = await context(t, { indexIntervalBytes: 0 });
  const segment = await newSegment(t, ctx);
  for (let i = 0; i < 10; i++) await append(segment, batchOfSize(i, 100));
  const r = await segment.read(3, 450, 100, true);
  assert.deepEqual(listBatches(r!.records).map((b) => b.baseOffset), [3, 4, 5, 6]);
  assert.equal(r!.nextOffset, 7);
  assert.deepEqual(listBatches((await segment.read(3, 10_000, 5, true))!.records).map((b) => b.baseOffset), [3, 4]);
  assert.equal(await segment.read(10, 100, 100, true), null);
});

test('truncateTo cuts at the batch holding the offset and keeps the indexes consistent', async (t) => {
  const ctx = await context(t, { indexIntervalBytes: 0 });
  const segment = await newSegment(t, ctx);
  for (let i = 0; i < 5; i++) await append(segment, batchOfSize(i, 100, 1000 + i));
  await append(segment, buildBatch({ baseOffset: 5, baseTimestamp: 2000, records: [{ value: 'x' }, { value: 'y' }] }));
  const before = segment.size;
  assert.equal(await segment.truncateTo(6), before - 500, 'the whole two-record batch goes');
  assert.equal(segment.nextOffset, 5);
  assert.equal(segment.maxTimestamp, 1004);
  assert.deepEqual(segment.offsetIndex.lastEntry(), { offset: 4, position: 400 });
  assert.equal((await stat(segment.path)).size, 500);
  await segment.truncateTo(2);
  assert.equal(segment.size, 200);
  assert.equal(segment.maxTimestamp, 1001);
  assert.equal(await append(segment, batchOfSize(2, 100, 3000)), 200);
  assert.equal(segment.maxTimestamp, 3000);
  await segment.truncateTo(0);
  assert.equal(segment.size, 0);
  assert.equal(segment.nextOffset, 0);
  assert.equal(segment.maxTimestamp, -1);
  assert.equal(segment.rollStartMs, null);
});

test('findByTimestamp is exact per record and respects the minimum offset', async (t) => {
  const ctx = await context(t, { indexIntervalBytes: 0 });
  const segment = await newSegment(t, ctx);
  await append(segment, buildBatch({ baseOffset: 0, baseTimestamp: 100, records: [{ value: 'a' }, { value: 'b', timestampDelta: 50 }, { value: 'c', timestampDelta: 10 }] }));
  await append(segment, buildBatch({ baseOffset: 3, baseTimestamp: 200, records: [{ value: 'd' }] }));
  assert.deepEqual(await segment.findByTimestamp(120, 0), { offset: 1, timestamp: 150 });
  assert.deepEqual(await segment.findByTimestamp(105, 2), { offset: 2, timestamp: 110 });
  assert.deepEqual(await segment.findByTimestamp(151, 0), { offset: 3, timestamp: 200 });
  assert.equal(await segment.findByTimestamp(201, 0), null);
});

test('an existing segment opens lazily and loads or rebuilds its indexes on first use', async (t) => {
  const ctx = await context(t, { indexIntervalBytes: 0 });
  const first = await Segment.create(ctx, 0, 0);
  for (let i = 0; i < 5; i++) await append(first, batchOfSize(i, 100, 1000 + i));
  first.sealTimeIndex();
  await first.persistIndexes();
  await first.close();
  const reopened = await Segment.open(ctx, 0, 0);
  defer(t, () => reopened.close());
  assert.equal(reopened.size, 500);
  assert.equal(reopened.indexesLoaded, false);
  await reopened.ensureIndexes();
  assert.equal(reopened.nextOffset, 5);
  assert.equal(reopened.maxTimestamp, 1004);
  assert.equal(reopened.offsetIndex.count, 4);
});

test('recover keeps the valid batches and cuts the rest', async (t) => {
  const ctx = await context(t);
  const segment = await newSegment(t, ctx);
  for (let i = 0; i < 3; i++) await append(segment, batchOfSize(i, 100));
  await appendFile(segment.path, batchOfSize(7, 100)); // a batch, but not the next offset
  const scan = await segment.recover();
  assert.match(scan.problem ?? '', /base offset 7, expected 3/);
  assert.equal(segment.size, 300);
  assert.equal(segment.nextOffset, 3);
  assert.equal((await stat(segment.path)).size, 300);
});
