/**
 * Recovery proved by mangling bytes (STYLE habit 4): each test builds a log, takes the
 * files as a crash would leave them, damages them, reopens, and checks that exactly the
 * valid prefix survives and that the log keeps working.
 */
import assert from 'node:assert/strict';
import { appendFile, open, readdir, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { readLogState } from '../../src/log/checkpoint.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import type { Logger } from '../../src/platform/logger.js';
import { appendRecords, batchOfSize, countingOps, crashImage, listBatches, openLog, randomBatch, readAll, seededRandom, tempDir, testSeeds, waitFor, type ModelBatch } from './helpers.js';

const SEGMENT = (base: number, suffix: string): string => String(base).padStart(20, '0') + suffix;

/** 4 segments of 5 batches of 100 bytes (offsets 0-19), left as a crash leaves them. */
async function crashedLog(t: TestContext, options: { close?: boolean } = {}): Promise<string> {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { config: { segmentBytes: 500, indexIntervalBytes: 150 }, noAutoClose: true });
  for (let i = 0; i < 20; i++) await log.append(batchOfSize(i, 100, 1_700_000_000_000 + i), { lastOffset: i });
  // Rolled segments are fsynced in the background; then the recovery point passes them.
  await waitFor(async () => (await readLogState(dir))?.recoveryPoint === 15, 'the checkpointed recovery point to reach the active segment');
  if (options.close) {
    await log.close();
    return dir;
  }
  const image = await crashImage(t, dir);
  await log.close();
  return image;
}

function capturingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (_obj, msg) => void warnings.push(msg ?? ''),
    error: (_obj, msg) => void warnings.push(msg ?? ''),
    child: () => logger,
  };
  return logger;
}

async function reopen(t: TestContext, dir: string, logger?: Logger): Promise<PartitionLog> {
  return openLog(t, dir, { config: { segmentBytes: 500, indexIntervalBytes: 150 }, ...(logger ? { logger } : {}) });
}

async function offsets(log: PartitionLog): Promise<number[]> {
  return (await readAll(log)).map((b) => b.baseOffset);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function assertKeepsWorking(log: PartitionLog): Promise<void> {
  const end = log.logEndOffset;
  await log.append(batchOfSize(end, 100), { lastOffset: end });
  assert.equal(log.logEndOffset, end + 1);
  assert.equal((await readAll(log, end)).length, 1);
}

test('a crash loses nothing that was appended', async (t) => {
  const log = await reopen(t, await crashedLog(t));
  assert.deepEqual(await offsets(log), range(0, 20));
  await assertKeepsWorking(log);
});

test('garbage after the last batch is cut off', async (t) => {
  const dir = await crashedLog(t);
  await appendFile(join(dir, SEGMENT(15, '.log')), Buffer.from('this is not a record batch, it is garbage from a torn write'));
  const logger = capturingLogger();
  const log = await reopen(t, dir, logger);
  assert.deepEqual(await offsets(log), range(0, 20));
  assert.equal((await stat(join(dir, SEGMENT(15, '.log')))).size, 500);
  assert.ok(logger.warnings.some((w) => /cut a segment/.test(w)));
  await assertKeepsWorking(log);
});

test('a batch cut mid-way (torn write) is removed with what follows it', async (t) => {
  const dir = await crashedLog(t);
  await truncate(join(dir, SEGMENT(15, '.log')), 250); // batches 15, 16 whole; 17 torn
  const log = await reopen(t, dir);
  assert.deepEqual(await offsets(log), range(0, 17));
  await assertKeepsWorking(log);
});

test('a flipped byte in a middle batch cuts the log there and deletes the later segments', async (t) => {
  const dir = await crashedLog(t);
  const path = join(dir, SEGMENT(5, '.log'));
  const bytes = await readFile(path);
  bytes[200 + 80] ^= 0x01; // inside batch 7's records: its CRC no longer matches
  await writeFile(path, bytes);
  const log = await openLog(t, dir, { config: { segmentBytes: 500, indexIntervalBytes: 150 }, recoveryPoint: 0 });
  assert.deepEqual(await offsets(log), range(0, 7));
  assert.deepEqual(log.segmentBaseOffsets, [0, 5]);
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.log')).sort(), [SEGMENT(0, '.log'), SEGMENT(5, '.log')]);
  await assertKeepsWorking(log);
});

test('a corrupt length field (a batch claiming to run past the file) is torn', async (t) => {
  const dir = await crashedLog(t);
  const fh = await open(join(dir, SEGMENT(15, '.log')), 'r+');
  const length = Buffer.alloc(4);
  length.writeInt32BE(1_000_000);
  await fh.write(length, 0, 4, 300 + 8); // batch 18's batchLength
  await fh.close();
  const log = await reopen(t, dir);
  assert.deepEqual(await offsets(log), range(0, 18));
  await assertKeepsWorking(log);
});

test('a batch with a wrong base offset (outside the CRC) is cut', async (t) => {
  const dir = await crashedLog(t);
  const fh = await open(join(dir, SEGMENT(15, '.log')), 'r+');
  const offset = Buffer.alloc(8);
  offset.writeBigInt64BE(99n);
  await fh.write(offset, 0, 8, 400); // batch 19 now claims offset 99
  await fh.close();
  const log = await reopen(t, dir);
  assert.deepEqual(await offsets(log), range(0, 19));
});

test('segments below the recovery point are trusted; the rest are checked', async (t) => {
  const dir = await crashedLog(t);
  const ops = countingOps();
  const log = await openLog(t, dir, { config: { segmentBytes: 500, indexIntervalBytes: 150 }, fileOps: ops });
  // Rolled segments were fsynced in the background and the recovery point moved past them,
  // so only the active segment (500 bytes) was re-read with its CRCs.
  assert.ok(ops.counts.readBytes < 1000, `read ${ops.counts.readBytes} bytes`);
  assert.deepEqual(await offsets(log), range(0, 20));
});

test('a deleted index is rebuilt from the log', async (t) => {
  const dir = await crashedLog(t, { close: true });
  await unlink(join(dir, SEGMENT(5, '.index')));
  await unlink(join(dir, SEGMENT(15, '.timeindex')));
  const log = await reopen(t, dir);
  for (let offset = 0; offset < 20; offset++) {
    const r = await log.read(offset, 1, { minOneBatch: true });
    assert.equal(r.firstOffset, offset);
  }
  assert.deepEqual(await log.offsetForTimestamp(1_700_000_000_007), { offset: 7, timestamp: 1_700_000_000_007 });
  assert.ok((await stat(join(dir, SEGMENT(5, '.index')))).size > 0, 'the rebuilt index was written back');
  await assertKeepsWorking(log);
});

test('an index with garbage entries or a partial entry is rebuilt', async (t) => {
  const dir = await crashedLog(t, { close: true });
  await writeFile(join(dir, SEGMENT(5, '.index')), Buffer.from([0, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2])); // decreasing
  await appendFile(join(dir, SEGMENT(10, '.index')), Buffer.from([1, 2, 3])); // not a whole entry
  const points = Buffer.alloc(8);
  points.writeUInt32BE(2, 0); // offset 17 ...
  points.writeUInt32BE(100, 4); // ... at the position of offset 16
  await writeFile(join(dir, SEGMENT(15, '.index')), points);
  const logger = capturingLogger();
  const log = await reopen(t, dir, logger);
  for (let offset = 0; offset < 20; offset++) {
    assert.equal((await log.read(offset, 1, { minOneBatch: true })).firstOffset, offset);
  }
  assert.ok(logger.warnings.filter((w) => /rebuilding segment indexes/.test(w)).length >= 3, logger.warnings.join('; '));
  await assertKeepsWorking(log);
});

test('a corrupt log-state checkpoint is ignored: full recovery, start at the first segment', async (t) => {
  const dir = await crashedLog(t);
  const path = join(dir, 'log-state.checkpoint');
  const bytes = await readFile(path);
  bytes[bytes.length - 1] ^= 0xff;
  await writeFile(path, bytes);
  const logger = capturingLogger();
  const ops = countingOps();
  const log = await openLog(t, dir, { config: { segmentBytes: 500, indexIntervalBytes: 150 }, logger, fileOps: ops });
  assert.ok(logger.warnings.some((w) => /log-state checkpoint/.test(w)));
  assert.ok(ops.counts.readBytes >= 2000, 'every segment was re-read');
  assert.equal(log.logStartOffset, 0);
  assert.deepEqual(await offsets(log), range(0, 20));
  await assertKeepsWorking(log);
});

test('a corrupt clean-shutdown marker means recovery, not trust', async (t) => {
  const dir = await crashedLog(t, { close: true });
  await appendFile(join(dir, SEGMENT(15, '.log')), Buffer.alloc(100, 0xee)); // damage only recovery would see
  const marker = join(dir, 'clean-shutdown');
  const bytes = await readFile(marker);
  bytes[bytes.length - 2] ^= 0x10;
  await writeFile(marker, bytes);
  const log = await reopen(t, dir);
  assert.deepEqual(await offsets(log), range(0, 20));
  assert.equal((await stat(join(dir, SEGMENT(15, '.log')))).size, 500);
});

test('a clean-shutdown marker that disagrees with the files is not trusted', async (t) => {
  const dir = await crashedLog(t, { close: true });
  await truncate(join(dir, SEGMENT(15, '.log')), 450); // batch 19 torn after the clean close
  const logger = capturingLogger();
  const log = await reopen(t, dir, logger);
  assert.deepEqual(await offsets(log), range(0, 19));
  assert.ok(logger.warnings.length > 0);
  await assertKeepsWorking(log);
});

test('a garbage segment file after the last good one is removed', async (t) => {
  const dir = await crashedLog(t);
  await writeFile(join(dir, SEGMENT(20, '.log')), Buffer.alloc(300, 0x5a));
  const log = await reopen(t, dir);
  assert.equal(log.logEndOffset, 20);
  assert.deepEqual(await offsets(log), range(0, 20));
  await appendRecords(log, 2);
  assert.equal(log.logEndOffset, 22);
});

test('stray index files without a .log and half-written checkpoints are removed', async (t) => {
  const dir = await crashedLog(t, { close: true });
  await writeFile(join(dir, SEGMENT(777, '.index')), Buffer.alloc(8));
  await writeFile(join(dir, 'log-state.checkpoint.tmp'), Buffer.from('torn'));
  const log = await reopen(t, dir);
  const names = await readdir(dir);
  assert.ok(!names.includes(SEGMENT(777, '.index')));
  assert.ok(!names.includes('log-state.checkpoint.tmp'));
  assert.equal(log.logEndOffset, 20);
});

/**
 * Random damage: one flipped byte anywhere in any segment. Recovery must keep exactly the
 * batches before the damaged one, byte for byte. The exception proves the rule: the
 * partition leader epoch (bytes 12-15) is outside the CRC, so a flip there is invisible.
 */
for (const seed of testSeeds([11, 12, 13, 14, 15, 16, 17, 18])) {
  test(`one flipped byte anywhere: exactly the batches before it survive (seed ${seed})`, async (t) => {
    const random = seededRandom(seed);
    const dir = await tempDir(t);
    const config = { segmentBytes: 1500, indexIntervalBytes: 300 };
    const log = await openLog(t, dir, { config, noAutoClose: true });
    const batches: ModelBatch[] = [];
    for (let i = 0; i < 40; i++) {
      const b = randomBatch(random, log.logEndOffset, 1_700_000_000_000);
      await log.append(b.bytes, { lastOffset: b.lastOffset });
      batches.push(b);
    }
    const image = await crashImage(t, dir);
    await log.close();
    // Lay the batches out as the segments hold them, and pick a byte.
    const segments = (await readdir(image)).filter((n) => n.endsWith('.log')).sort();
    const sizes = await Promise.all(segments.map(async (n) => (await stat(join(image, n))).size));
    const total = sizes.reduce((a, b) => a + b, 0);
    let at = Math.floor(random() * total);
    let file = 0;
    while (at >= sizes[file]!) at -= sizes[file++]!;
    const path = join(image, segments[file]!);
    const bytes = await readFile(path);
    bytes[at] ^= 1 + Math.floor(random() * 255);
    await writeFile(path, bytes);
    // Which batch holds the byte, and where in it.
    const segmentBase = Number(segments[file]!.slice(0, 20));
    let position = 0;
    let damaged = batches.findIndex((b) => b.baseOffset === segmentBase);
    while (position + batches[damaged]!.bytes.length <= at) position += batches[damaged++]!.bytes.length;
    const inEpoch = at - position >= 12 && at - position < 16;
    const where = `seed ${seed}: byte ${at} of ${segments[file]}, batch at offset ${batches[damaged]!.baseOffset} (+${at - position})`;

    const recovered = await openLog(t, image, { config, recoveryPoint: 0 });
    const survivors = inEpoch ? batches : batches.slice(0, damaged);
    const all: Buffer[] = [];
    for (let offset = 0; offset < recovered.logEndOffset; ) {
      const r = await recovered.read(offset, 1 << 20, { minOneBatch: true });
      all.push(r.records);
      offset = r.nextOffset;
    }
    const got = Buffer.concat(all);
    assert.deepEqual(listBatches(got).map((b) => b.baseOffset), survivors.map((b) => b.baseOffset), where);
    if (!inEpoch) assert.deepEqual(got, Buffer.concat(survivors.map((b) => b.bytes)), where);
    await assertKeepsWorking(recovered);
  });
}
