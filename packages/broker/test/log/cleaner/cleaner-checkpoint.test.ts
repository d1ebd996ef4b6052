import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLEANER_CHECKPOINT_FILE, readCleanerCheckpoint, writeCleanerCheckpoint } from '../../../src/log/cleaner/cleaner-checkpoint.js';
import { tempDir } from '../helpers.js';

test('the cleaner checkpoint round-trips, and an absent file is empty', async (t) => {
  const dir = await tempDir(t);
  assert.equal((await readCleanerCheckpoint(dir)).size, 0);
  const entries = new Map([
    ['__consumer_offsets-7', { firstDirtyOffset: 2 ** 40, deleteHorizonMs: -1 }],
    ['ünïcode-topic-0', { firstDirtyOffset: 0, deleteHorizonMs: 1_700_000_000_000 }],
  ]);
  await writeCleanerCheckpoint(dir, entries);
  assert.deepEqual(await readCleanerCheckpoint(dir), entries);
});

test('every flipped byte of the cleaner checkpoint is refused', async (t) => {
  const dir = await tempDir(t);
  await writeCleanerCheckpoint(dir, new Map([['t-0', { firstDirtyOffset: 42, deleteHorizonMs: -1 }]]));
  const path = join(dir, CLEANER_CHECKPOINT_FILE);
  const good = await readFile(path);
  for (let at = 0; at < good.length; at++) {
    const bad = Buffer.from(good);
    bad[at] ^= 0x55;
    await writeFile(path, bad);
    await assert.rejects(readCleanerCheckpoint(dir), /CLNR|checksum|magic|length|version|SMSA|holds/, `byte ${at}`);
  }
  await writeFile(path, good.subarray(0, good.length - 1));
  await assert.rejects(readCleanerCheckpoint(dir));
});
