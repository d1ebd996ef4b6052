import assert from 'node:assert/strict';
import { access, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ManualClock } from '../../../src/platform/clock.js';
import { silentLogger } from '../../../src/platform/logger.js';
import { LogCleaner, type CleanerTarget } from '../../../src/log/cleaner/log-cleaner.js';
import type { LogConfig } from '../../../src/config/topic-config.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import { openLog, tempDir } from '../helpers.js';
import { appendEach, readRecordsOf, T0 } from './helpers.js';

async function logIn(t: TestContext, logDir: string, name: string, clock: ManualClock, config: Partial<LogConfig>): Promise<PartitionLog> {
  const dir = join(logDir, name);
  await mkdir(dir);
  return openLog(t, dir, { clock, config: { cleanupPolicy: ['compact'], segmentBytes: 1 << 20, ...config } });
}

function target(log: PartitionLog): CleanerTarget {
  return { log, highWatermark: () => log.logEndOffset, producerLastOffsets: () => new Map() };
}

function cleanerFor(logDir: string, clock: ManualClock, logs: () => PartitionLog[]): LogCleaner {
  return new LogCleaner({ logDir, backoffMs: 60_000, dedupeBufferBytes: 1 << 20, ioMaxBytesPerSecond: Infinity, clock, logger: silentLogger, targets: () => logs().map(target) });
}

/** `dup` closed records of key a, `unique` of distinct keys, then an active segment. */
async function fill(log: PartitionLog, dup: number, unique: number): Promise<void> {
  for (let i = 0; i < unique; i++) await appendEach(log, [[`u${log.logEndOffset}`, 'x']]);
  await log.roll();
  for (let i = 0; i < dup; i++) await appendEach(log, [['a', `a${i}`]]);
  await log.roll();
  await appendEach(log, [['z', 'active']]);
}

test('the dirtiest log whose ratio reaches min.cleanable.dirty.ratio is cleaned first; the checkpoint survives a restart', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const logDir = await tempDir(t);
  const mostlyDirty = await logIn(t, logDir, 'dirty-0', clock, { minCleanableDirtyRatio: 0.5 });
  const alsoDirty = await logIn(t, logDir, 'dirty-1', clock, { minCleanableDirtyRatio: 0.5 });
  const notCompacted = await logIn(t, logDir, 'plain-0', clock, { cleanupPolicy: ['delete'] });
  await fill(mostlyDirty, 10, 20);
  await fill(alsoDirty, 10, 0);
  await fill(notCompacted, 10, 0);
  const logs = [alsoDirty, mostlyDirty, notCompacted];
  const cleaner = cleanerFor(logDir, clock, () => logs);
  await cleaner.start();
  t.after(() => cleaner.stop());
  // Both are wholly dirty (ratio 1); the first listed wins a tie.
  assert.equal(await cleaner.runOnce(), true);
  assert.equal(cleaner.firstDirtyOffset(alsoDirty), alsoDirty.segmentBaseOffsets.at(-1));
  assert.equal(cleaner.firstDirtyOffset(mostlyDirty), undefined);
  assert.equal(await cleaner.runOnce(), true);
  assert.equal(await cleaner.runOnce(), false, 'nothing dirty is left');
  assert.equal((await readRecordsOf(notCompacted)).length, 11, 'a delete-policy log is never cleaned');

  // 21 clean records and 2 dirty ones: a ratio under 0.5, not cleaned.
  await appendEach(mostlyDirty, [['a', 'again']]);
  await mostlyDirty.roll();
  assert.equal(await cleaner.runOnce(), false, 'a ratio under min.cleanable.dirty.ratio waits');

  const restarted = cleanerFor(logDir, clock, () => logs);
  await restarted.start();
  t.after(() => restarted.stop());
  assert.equal(restarted.firstDirtyOffset(alsoDirty), cleaner.firstDirtyOffset(alsoDirty));
  assert.equal(restarted.firstDirtyOffset(mostlyDirty), cleaner.firstDirtyOffset(mostlyDirty));

  // A log directory removed while the broker was down loses its entry at the next start.
  await alsoDirty.close();
  await rm(alsoDirty.dir, { recursive: true, force: true });
  const third = cleanerFor(logDir, clock, () => []);
  await third.start();
  t.after(() => third.stop());
  assert.equal(third.firstDirtyOffset(alsoDirty), undefined);
  assert.equal(third.firstDirtyOffset(mostlyDirty), cleaner.firstDirtyOffset(mostlyDirty));
});

test('max.compaction.lag.ms cleans a log whatever its ratio', async (t) => {
  const clock = new ManualClock(T0 + 10_000);
  const logDir = await tempDir(t);
  const log = await logIn(t, logDir, 'lagged-0', clock, { minCleanableDirtyRatio: 0.99, maxCompactionLagMs: 5_000 });
  for (let i = 0; i < 20; i++) await appendEach(log, [[`u${i}`, 'x']]);
  await log.roll();
  const cleaner = cleanerFor(logDir, clock, () => [log]);
  await cleaner.start();
  t.after(() => cleaner.stop());
  assert.equal(await cleaner.runOnce(), true, 'first pass: all dirty');
  await appendEach(log, [['u0', 'y']], T0 + 10_000);
  await log.roll();
  await appendEach(log, [['z', 'active']], T0 + 10_000);
  assert.equal(await cleaner.runOnce(), false, 'a little dirty data, under the ratio and the lag');
  clock.advance(5_001);
  assert.equal(await cleaner.runOnce(), true, 'past max.compaction.lag.ms');
  assert.ok(!(await readRecordsOf(log)).some((r) => r.key === 'u0' && r.value === 'x'));
});

test('tombstones are removed by a pass once their delete horizon passes, with nothing else dirty', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const logDir = await tempDir(t);
  const log = await logIn(t, logDir, 'tomb-0', clock, { deleteRetentionMs: 1_000, minCleanableDirtyRatio: 0.1 });
  await appendEach(log, [['a', '1'], ['a', null], ['b', '1']]);
  await log.roll();
  await appendEach(log, [['z', 'active']]);
  const cleaner = cleanerFor(logDir, clock, () => [log]);
  await cleaner.start();
  t.after(() => cleaner.stop());
  assert.equal(await cleaner.runOnce(), true);
  assert.ok((await readRecordsOf(log)).some((r) => r.key === 'a' && r.value === null), 'the tombstone stays one pass');
  assert.equal(await cleaner.runOnce(), false, 'horizon not reached');
  clock.advance(1_000);
  assert.equal(await cleaner.runOnce(), true, 'horizon reached');
  assert.deepEqual(
    (await readRecordsOf(log)).map((r) => r.key),
    ['b', 'z'],
  );
});

test('deleting a log while it is being cleaned is safe', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const logDir = await tempDir(t);
  const dir = join(logDir, 'doomed-0');
  await mkdir(dir);
  const log = await openLog(t, dir, { clock, config: { cleanupPolicy: ['compact'], segmentBytes: 4096 }, noAutoClose: true });
  for (let i = 0; i < 600; i++) await appendEach(log, [[`k${i % 50}`, `v${i}`.padEnd(40, '.')]]);
  await log.roll();
  const cleaner = cleanerFor(logDir, clock, () => [log]);
  await cleaner.start();
  t.after(() => cleaner.stop());
  const pass = cleaner.runOnce();
  await new Promise((r) => setImmediate(r));
  await cleaner.abort(log);
  await log.delete();
  assert.equal(await pass, false, 'the pass gave up');
  await assert.rejects(access(dir), /ENOENT/);
});

test('a log the cleaner fails on is marked uncleanable and does not starve the others', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const logDir = await tempDir(t);
  const broken = await logIn(t, logDir, 'broken-0', clock, {});
  const healthy = await logIn(t, logDir, 'healthy-0', clock, {});
  await fill(broken, 20, 0);
  await fill(healthy, 5, 0);
  // Damage a record inside the broken log's first closed segment (the CRC no longer matches
  // what the cleaner decodes: a record length pointing past the batch).
  const first = broken.segmentsForCleaning[0]!;
  const fh = await open(first.path, 'r+');
  await fh.write(Buffer.from([0x7f]), 0, 1, 61); // the first record's length varint
  await fh.close();
  const cleaner = cleanerFor(logDir, clock, () => [broken, healthy]);
  await cleaner.start();
  t.after(() => cleaner.stop());
  assert.equal(await cleaner.runOnce(), false, 'the pass on the broken log failed');
  assert.ok(cleaner.isUncleanable(broken));
  assert.equal(await cleaner.runOnce(), true, 'the healthy log is cleaned next');
  assert.equal(cleaner.firstDirtyOffset(broken), undefined);
  assert.ok(cleaner.firstDirtyOffset(healthy) !== undefined);
});
