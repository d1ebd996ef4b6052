import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogStateWriter, readCleanShutdown, readLogState, removeCleanShutdown, writeCleanShutdown } from '../../src/log/checkpoint.js';
import { tempDir } from './helpers.js';

test('log-state checkpoint round-trips offsets past 2^32 and serializes writes', async (t) => {
  const dir = await tempDir(t);
  assert.equal(await readLogState(dir), null);
  let state = { logStartOffset: 5_000_000_000, recoveryPoint: 7_000_000_123 };
  const writer = new LogStateWriter(dir, () => state);
  const first = writer.write();
  state = { logStartOffset: 6_000_000_000, recoveryPoint: 7_000_000_124 };
  const second = writer.write();
  await Promise.all([first, second]);
  assert.deepEqual(await readLogState(dir), state);
});

test('a damaged checkpoint is CORRUPT_RECORD, whatever the damage', async (t) => {
  const dir = await tempDir(t);
  await new LogStateWriter(dir, () => ({ logStartOffset: 1, recoveryPoint: 2 })).write();
  const path = join(dir, 'log-state.checkpoint');
  const good = await readFile(path);
  for (let i = 0; i < good.length; i++) {
    const bad = Buffer.from(good);
    bad[i] ^= 0x04;
    await writeFile(path, bad);
    await assert.rejects(readLogState(dir), (e: Error & { code?: string }) => e.code === 'CORRUPT_RECORD', `byte ${i}`);
  }
  await writeFile(path, good.subarray(0, good.length - 1));
  await assert.rejects(readLogState(dir), /length/);
});

test('the clean-shutdown marker is written, read and removed', async (t) => {
  const dir = await tempDir(t);
  assert.equal(await readCleanShutdown(dir), null);
  await writeCleanShutdown(dir, { logEndOffset: 2 ** 40, segmentCount: 3 });
  assert.deepEqual(await readCleanShutdown(dir), { logEndOffset: 2 ** 40, segmentCount: 3 });
  await removeCleanShutdown(dir);
  assert.equal(await readCleanShutdown(dir), null);
  await removeCleanShutdown(dir); // absent: nothing to do
});
