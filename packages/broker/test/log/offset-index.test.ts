import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeFileOps } from '../../src/log/log-file.js';
import { OffsetIndex } from '../../src/log/offset-index.js';
import { defer, tempDir } from './helpers.js';

test('lookup returns the greatest entry at or below the offset, or the segment start', () => {
  const index = new OffsetIndex('/nonexistent/x.index', 100, 1024, nodeFileOps);
  assert.deepEqual(index.lookup(150), { offset: 100, position: 0 });
  index.append(110, 4000);
  index.append(125, 8200);
  index.append(140, 12500);
  assert.deepEqual(index.lookup(99), { offset: 100, position: 0 });
  assert.deepEqual(index.lookup(109), { offset: 100, position: 0 });
  assert.deepEqual(index.lookup(110), { offset: 110, position: 4000 });
  assert.deepEqual(index.lookup(124), { offset: 110, position: 4000 });
  assert.deepEqual(index.lookup(139), { offset: 125, position: 8200 });
  assert.deepEqual(index.lookup(10_000), { offset: 140, position: 12500 });
});

test('entries must increase in offset and position', () => {
  const index = new OffsetIndex('/nonexistent/x.index', 0, 1024, nodeFileOps);
  index.append(5, 100);
  assert.throws(() => index.append(5, 200), /does not follow/);
  assert.throws(() => index.append(6, 100), /does not follow/);
});

test('truncateToOffset removes the entries at and after the offset', () => {
  const index = new OffsetIndex('/nonexistent/x.index', 0, 1024, nodeFileOps);
  for (let i = 1; i <= 10; i++) index.append(i * 10, i * 1000);
  index.truncateToOffset(50);
  assert.equal(index.count, 4);
  assert.deepEqual(index.lastEntry(), { offset: 40, position: 4000 });
  index.truncateToOffset(0);
  assert.equal(index.count, 0);
});

test('is full at segment.index.bytes / 8 entries', () => {
  const index = new OffsetIndex('/nonexistent/x.index', 0, 32, nodeFileOps);
  for (let i = 1; i <= 3; i++) index.append(i, i * 10);
  assert.equal(index.isFull, false);
  index.append(4, 40);
  assert.equal(index.isFull, true);
});

test('grows past its initial buffer', () => {
  const index = new OffsetIndex('/nonexistent/x.index', 0, 1 << 20, nodeFileOps);
  for (let i = 1; i <= 5000; i++) index.append(i, i * 7);
  assert.equal(index.count, 5000);
  assert.deepEqual(index.lookup(4321), { offset: 4321, position: 4321 * 7 });
});

test('persist writes only the file it describes, and load reads it back', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, '00000000000000000000.index');
  const index = new OffsetIndex(path, 0, 1024, nodeFileOps);
  defer(t, () => index.close());
  for (let i = 1; i <= 5; i++) index.append(i * 10, i * 100);
  await index.persist();
  assert.equal((await stat(path)).size, 40);
  index.truncateToOffset(30);
  index.append(35, 350);
  await index.persist();
  assert.equal((await stat(path)).size, 24);
  const again = new OffsetIndex(path, 0, 1024, nodeFileOps);
  defer(t, () => again.close());
  assert.equal(await again.load(() => again.check(10_000)), 'loaded');
  assert.deepEqual([again.entry(0), again.entry(1), again.entry(2)], [
    { offset: 10, position: 100 },
    { offset: 20, position: 200 },
    { offset: 35, position: 350 },
  ]);
});

test('load rejects a file that is not whole entries, points past the log, or goes backwards', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'x.index');
  const load = async (bytes: Buffer, logBytes: number): Promise<string> => {
    await writeFile(path, bytes);
    const index = new OffsetIndex(path, 0, 1024, nodeFileOps);
    try {
      return await index.load(() => index.check(logBytes));
    } finally {
      await index.close();
    }
  };
  const good = Buffer.alloc(16);
  good.writeUInt32BE(1, 0);
  good.writeUInt32BE(100, 4);
  good.writeUInt32BE(2, 8);
  good.writeUInt32BE(200, 12);
  assert.equal(await load(good, 1000), 'loaded');
  assert.match(await load(good.subarray(0, 13), 1000), /not a multiple/);
  assert.match(await load(good, 150), /points at byte 200/);
  const backwards = Buffer.from(good);
  backwards.writeUInt32BE(0, 8);
  assert.match(await load(backwards, 1000), /does not increase/);
  assert.deepEqual(await readFile(path), backwards);
  const missing = new OffsetIndex(join(dir, 'none.index'), 0, 1024, nodeFileOps);
  assert.equal(await missing.load(() => null), 'missing');
});
