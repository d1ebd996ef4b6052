import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeFileOps } from '../../src/log/log-file.js';
import { TimeIndex } from '../../src/log/time-index.js';
import { defer, tempDir } from './helpers.js';

test('maybeAppend keeps timestamps strictly increasing and ignores "no timestamp"', () => {
  const index = new TimeIndex('/nonexistent/x.timeindex', 0, 1200, nodeFileOps);
  index.maybeAppend(-1, 0);
  assert.equal(index.count, 0);
  index.maybeAppend(1000, 5);
  index.maybeAppend(1000, 9);
  index.maybeAppend(900, 12);
  index.maybeAppend(2000, 20);
  assert.equal(index.count, 2);
  assert.deepEqual(index.lastEntry(), { timestamp: 2000, offset: 20 });
});

test('lookup starts the scan at the last entry strictly below the timestamp', () => {
  const index = new TimeIndex('/nonexistent/x.timeindex', 100, 1200, nodeFileOps);
  index.maybeAppend(1000, 110);
  index.maybeAppend(2000, 120);
  index.maybeAppend(3000, 130);
  assert.equal(index.lookup(500), 100);
  assert.equal(index.lookup(1000), 100); // a record at 1000 may precede offset 110
  assert.equal(index.lookup(1001), 110);
  assert.equal(index.lookup(3000), 120);
  assert.equal(index.lookup(9999), 130);
});

test('keeps timestamps beyond 2^32 exact', () => {
  const index = new TimeIndex('/nonexistent/x.timeindex', 0, 1200, nodeFileOps);
  const ts = 1_700_000_000_123;
  index.maybeAppend(ts, 3);
  assert.deepEqual(index.entry(0), { timestamp: ts, offset: 3 });
});

test('truncateToOffset drops entries for removed offsets', () => {
  const index = new TimeIndex('/nonexistent/x.timeindex', 0, 1200, nodeFileOps);
  index.maybeAppend(10, 1);
  index.maybeAppend(20, 5);
  index.maybeAppend(30, 9);
  index.truncateToOffset(5);
  assert.deepEqual(index.lastEntry(), { timestamp: 10, offset: 1 });
});

test('load rejects entries past the segment end or out of order', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'x.timeindex');
  const bytes = Buffer.alloc(24);
  bytes.writeBigInt64BE(1000n, 0);
  bytes.writeUInt32BE(1, 8);
  bytes.writeBigInt64BE(900n, 12);
  bytes.writeUInt32BE(2, 20);
  await writeFile(path, bytes);
  const index = new TimeIndex(path, 0, 1200, nodeFileOps);
  defer(t, () => index.close());
  assert.match(await index.load(() => index.check(10)), /does not increase/);
  assert.equal(index.count, 0);
});
