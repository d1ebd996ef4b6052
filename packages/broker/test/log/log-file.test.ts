import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogFile, nodeFileOps, type FileOps } from '../../src/log/log-file.js';
import { defer, tempDir } from './helpers.js';

test('writeAll loops over short writes until every byte is written', async (t) => {
  const dir = await tempDir(t);
  let calls = 0;
  const ops: FileOps = {
    ...nodeFileOps,
    // At most 7 bytes per call, from the first buffer only.
    writev: (fd, buffers, position) => {
      calls++;
      return nodeFileOps.writev(fd, [buffers[0]!.subarray(0, 7)], position);
    },
  };
  const file = await LogFile.open(join(dir, 'f'), ops, 'create');
  defer(t, () => file.close());
  const parts = [Buffer.from('hello, '), Buffer.alloc(0), Buffer.from('positional '), Buffer.from('world')];
  await file.writeAll(parts, 3);
  const bytes = await readFile(join(dir, 'f'));
  assert.equal(bytes.subarray(3).toString(), 'hello, positional world');
  assert.ok(calls >= 4);
});

test('close waits for reads in flight; later operations fail with CLOSED', async (t) => {
  const dir = await tempDir(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let closed = false;
  const ops: FileOps = {
    ...nodeFileOps,
    read: async (...args) => {
      await gate;
      return nodeFileOps.read(...args);
    },
    close: async (fd) => {
      closed = true;
      return nodeFileOps.close(fd);
    },
  };
  const file = await LogFile.open(join(dir, 'f'), ops, 'create');
  await file.writeAll([Buffer.from('abcdef')], 0);
  const reading = file.readAt(1, 3);
  const closing = file.close();
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false, 'the descriptor stays open while a read uses it');
  release();
  assert.equal((await reading).toString(), 'bcd');
  await closing;
  assert.equal(closed, true);
  await assert.rejects(file.readAt(0, 1), /after close/);
});

test('readAt returns fewer bytes at the end of the file', async (t) => {
  const dir = await tempDir(t);
  const file = await LogFile.open(join(dir, 'f'), nodeFileOps, 'create');
  defer(t, () => file.close());
  await file.writeAll([Buffer.from('12345')], 0);
  assert.equal((await file.readAt(3, 10)).toString(), '45');
});
