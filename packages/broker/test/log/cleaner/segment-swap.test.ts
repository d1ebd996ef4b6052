/**
 * Kill -9 at each step of the swap protocol (segment-swap.ts), simulated by copying the
 * directory as the step left it (what the page cache holds is what a process kill leaves),
 * then opening the copy: recovery must keep exactly the data of either the old segments
 * (before the commit) or the cleaned one (after it).
 */
import assert from 'node:assert/strict';
import { readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ManualClock } from '../../../src/platform/clock.js';
import type { CleanableLog } from '../../../src/log/cleaner/cleaner.js';
import { cleanedFileName, commitCleaned, swapFileName } from '../../../src/log/cleaner/segment-swap.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import type { Segment } from '../../../src/log/segment.js';
import { crashImage, openLog, tempDir } from '../helpers.js';
import { appendEach, kv, newCleaner, readRecordsOf, T0, type ReadRecord } from './helpers.js';

const CONFIG = { cleanupPolicy: ['compact'], segmentBytes: 1 << 20, indexIntervalBytes: 100 };

/** A compacted log of four closed segments with overwritten keys and a tombstone, and an active one. */
async function dirtyLog(t: TestContext, dir: string, clock: ManualClock): Promise<PartitionLog> {
  const log = await openLog(t, dir, { clock, config: CONFIG });
  for (let round = 0; round < 4; round++) {
    await appendEach(log, [
      ['a', `a${round}`],
      ['b', round === 3 ? null : `b${round}`],
      [`only${round}`, 'x'],
    ]);
    await log.roll();
  }
  await appendEach(log, [['c', 'active']]);
  return log;
}

interface Staged {
  /** The directory copied right after the `.cleaned` file was written, before the commit. */
  image: string;
  segments: Segment[];
}

/** Runs a pass whose swap is replaced by a copy of the directory: the state before the commit. */
async function stageCleanedFile(t: TestContext, log: PartitionLog, clock: ManualClock): Promise<Staged> {
  let staged: Staged | null = null;
  const view: CleanableLog = {
    dir: log.dir,
    get config() {
      return log.config;
    },
    get logStartOffset() {
      return log.logStartOffset;
    },
    get segmentsForCleaning() {
      return log.segmentsForCleaning;
    },
    async replaceSegments(old) {
      staged = { image: await crashImage(t, log.dir), segments: [...old] };
      await unlink(join(log.dir, cleanedFileName(old[0]!.baseOffset)));
      return false;
    },
  };
  await newCleaner().clean({ log: view, firstDirtyOffset: undefined, nowMs: clock.now(), aborted: () => false });
  assert.ok(staged, 'the cleaner wrote a cleaned file');
  return staged;
}

async function recordsAfterReopen(t: TestContext, dir: string, clock: ManualClock): Promise<ReadRecord[]> {
  const log = await openLog(t, dir, { clock, config: CONFIG, recoveryPoint: 0 });
  const records = await readRecordsOf(log);
  const names = await readdir(dir);
  assert.ok(names.every((n) => !n.includes('.cleaned') && !n.includes('.swap')), `leftovers: ${names.join(' ')}`);
  return records;
}

async function setup(t: TestContext): Promise<{ clock: ManualClock; before: ReadRecord[]; cleaned: ReadRecord[]; staged: Staged }> {
  const clock = new ManualClock(T0 + 60_000);
  const dir = await tempDir(t);
  const log = await dirtyLog(t, dir, clock);
  const before = await readRecordsOf(log);
  const staged = await stageCleanedFile(t, log, clock);
  // The reference: the same pass run for real on the original log.
  await newCleaner().clean({ log, firstDirtyOffset: undefined, nowMs: clock.now(), aborted: () => false });
  const cleaned = await readRecordsOf(log);
  assert.ok(cleaned.length < before.length, 'the pass removes records');
  return { clock, before, cleaned, staged };
}

test('kill before the commit (a .cleaned file left behind): recovery keeps the old segments whole', async (t) => {
  const { clock, before, staged } = await setup(t);
  assert.ok((await readdir(staged.image)).includes(cleanedFileName(0)));
  assert.deepEqual(kv(await recordsAfterReopen(t, staged.image, clock)), kv(before));
});

test('kill with a torn .cleaned file: still the old segments', async (t) => {
  const { clock, before, staged } = await setup(t);
  await writeFile(join(staged.image, cleanedFileName(0)), Buffer.from('torn'));
  assert.deepEqual(kv(await recordsAfterReopen(t, staged.image, clock)), kv(before));
});

test('kill right after the commit (the .swap file and every old segment present): recovery finishes the swap', async (t) => {
  const { clock, cleaned, staged } = await setup(t);
  const end = staged.segments.at(-1)!.nextOffset;
  await commitCleaned(staged.image, 0, end);
  assert.ok((await readdir(staged.image)).includes(swapFileName(0, end)));
  assert.deepEqual(kv(await recordsAfterReopen(t, staged.image, clock)), kv(cleaned));
});

test('kill part-way through deleting the old segments: recovery finishes the swap', async (t) => {
  const { clock, cleaned, staged } = await setup(t);
  const end = staged.segments.at(-1)!.nextOffset;
  await commitCleaned(staged.image, 0, end);
  // The first segment's .log and the third segment's files are gone, the rest are not.
  await unlink(join(staged.image, '00000000000000000000.log'));
  const third = String(staged.segments[2]!.baseOffset).padStart(20, '0');
  for (const suffix of ['.log', '.index', '.timeindex']) await unlink(join(staged.image, third + suffix)).catch(() => undefined);
  assert.deepEqual(kv(await recordsAfterReopen(t, staged.image, clock)), kv(cleaned));
});

test('a cleaned log reopens after a crash with every batch re-read (offset gaps are valid in a compacted log)', async (t) => {
  const clock = new ManualClock(T0 + 60_000);
  const dir = await tempDir(t);
  const log = await dirtyLog(t, dir, clock);
  await newCleaner().clean({ log, firstDirtyOffset: undefined, nowMs: clock.now(), aborted: () => false });
  const cleaned = await readRecordsOf(log);
  const image = await crashImage(t, dir);
  assert.deepEqual(kv(await recordsAfterReopen(t, image, clock)), kv(cleaned));
});
