import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { scanHeaders, scanValidBatches } from '../../src/log/batch-scanner.js';
import { LogFile, nodeFileOps } from '../../src/log/log-file.js';
import { batchOfSize, defer, tempDir } from './helpers.js';

test('both scans cross chunk boundaries and batches larger than a chunk', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'x.log');
  const sizes = [100, 5000, 90, 90, 3000, 120];
  let offset = 0;
  await writeFile(path, Buffer.alloc(0));
  for (const size of sizes) await appendFile(path, batchOfSize(offset++, size));
  const file = await LogFile.open(path, nodeFileOps, 'existing');
  defer(t, () => file.close());
  const end = sizes.reduce((a, b) => a + b, 0);
  for (const chunk of [61, 100, 256, 1 << 20]) {
    const seen: number[] = [];
    const stop = await scanHeaders(file, 0, end, (b) => void seen.push(b.baseOffset), chunk);
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5], `headers, chunk ${chunk}`);
    assert.deepEqual(stop, { position: end, problem: null, stopped: false });
    const valid: number[] = [];
    const scan = await scanValidBatches(file, 0, end, 0, (b) => void valid.push(b.position), chunk);
    assert.deepEqual(scan, { validBytes: end, nextOffset: 6, problem: null }, `valid, chunk ${chunk}`);
    assert.deepEqual(valid, [0, 100, 5100, 5190, 5280, 8280]);
  }
});

test('scanHeaders stops where the visitor says, and at a header that is not sane', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'x.log');
  await writeFile(path, Buffer.concat([batchOfSize(0, 100), batchOfSize(1, 100), Buffer.alloc(70, 0xff)]));
  const file = await LogFile.open(path, nodeFileOps, 'existing');
  defer(t, () => file.close());
  assert.deepEqual(await scanHeaders(file, 0, 270, (b) => b.baseOffset < 1), { position: 100, problem: null, stopped: true });
  const stop = await scanHeaders(file, 0, 270, () => true);
  assert.equal(stop.position, 200);
  assert.match(stop.problem ?? '', /batch length|magic/);
});
