import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEADER_EPOCH_FILE, readLeaderEpochCheckpoint, writeLeaderEpochCheckpoint } from '../../src/log/leader-epoch-checkpoint.js';
import { LeaderEpochCache, UNDEFINED_EPOCH_OFFSET } from '../../src/replication/leader-epoch-cache.js';

function cache(entries: Array<[number, number]> = []): LeaderEpochCache {
  return new LeaderEpochCache(entries.map(([epoch, startOffset]) => ({ epoch, startOffset })), async () => undefined);
}

test('OffsetForLeaderEpoch answers: the latest epoch ends at the log end, an older one where the next began, one older than all where the first began, newer ones undefined', () => {
  const c = cache([[0, 0], [2, 10], [5, 25]]);
  assert.deepEqual(c.endOffsetFor(5, 40), { leaderEpoch: 5, endOffset: 40 });
  assert.deepEqual(c.endOffsetFor(2, 40), { leaderEpoch: 2, endOffset: 25 });
  // An epoch this log never had: the largest one below it, ending where the next began.
  assert.deepEqual(c.endOffsetFor(3, 40), { leaderEpoch: 2, endOffset: 25 });
  assert.deepEqual(c.endOffsetFor(1, 40), { leaderEpoch: 0, endOffset: 10 });
  assert.deepEqual(c.endOffsetFor(6, 40), UNDEFINED_EPOCH_OFFSET, 'newer than the latest');
  assert.deepEqual(cache([[3, 7]]).endOffsetFor(1, 9), { leaderEpoch: 1, endOffset: 7 }, 'older than the first known: it ended where the first began (Kafka)');
  assert.deepEqual(cache().endOffsetFor(0, 0), UNDEFINED_EPOCH_OFFSET, 'empty');
});

test('assign keeps epochs increasing; an epoch that starts where the last did replaces it', () => {
  const c = cache();
  assert.equal(c.assign(0, 0), true);
  assert.equal(c.assign(0, 5), false, 'same epoch again');
  assert.equal(c.assign(1, 0), true, 'epoch 0 held nothing');
  assert.deepEqual(c.all, [{ epoch: 1, startOffset: 0 }]);
  c.assign(3, 8);
  assert.equal(c.assign(2, 9), false, 'older epoch');
  assert.equal(c.latestEpoch, 3);
});

test('truncation from the end drops epochs that began at or after the cut; from the start moves the first', () => {
  const c = cache([[0, 0], [2, 10], [5, 25]]);
  c.truncateFromEnd(25);
  assert.deepEqual(c.all.map((e) => e.epoch), [0, 2]);
  c.truncateFromStart(12);
  assert.deepEqual(c.all, [{ epoch: 2, startOffset: 12 }]);
  c.truncateFromStart(5);
  assert.deepEqual(c.all, [{ epoch: 2, startOffset: 12 }], 'a start below the first entry changes nothing');
});

test('the checkpoint round-trips and a damaged one is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-lepc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal(await readLeaderEpochCheckpoint(dir), null);
  const entries = [{ epoch: 0, startOffset: 0 }, { epoch: 4, startOffset: 2 ** 40 }];
  await writeLeaderEpochCheckpoint(dir, entries);
  assert.deepEqual(await readLeaderEpochCheckpoint(dir), entries);
  const bytes = await readFile(join(dir, LEADER_EPOCH_FILE));
  bytes[bytes.length - 1]! ^= 0xff;
  await writeFile(join(dir, LEADER_EPOCH_FILE), bytes);
  await assert.rejects(readLeaderEpochCheckpoint(dir), /checksum/);
});

test('loading: a damaged checkpoint is rebuilt from the batches, and epochs past a truncated log end are dropped', async (t) => {
  const { buildRecordBatch } = await import('@samsa/protocol');
  const { openLog, tempDir } = await import('../log/helpers.js');
  const { loadLeaderEpochCache } = await import('../../src/replication/leader-epoch-cache.js');
  const dir = await tempDir(t);
  const log = await openLog(t, dir);
  // Epoch 0 at 0-1, epoch 3 at 2, epoch 7 at 3-4.
  const epochs = [0, 0, 3, 7, 7];
  for (let offset = 0; offset < epochs.length; offset++) {
    const batch = buildRecordBatch({ baseOffset: BigInt(offset), partitionLeaderEpoch: epochs[offset]!, records: [{ key: null, value: Buffer.from(`v${offset}`) }] });
    await log.append(batch, { lastOffset: offset });
  }
  await writeFile(join(dir, LEADER_EPOCH_FILE), 'garbage');
  const rebuilt = await loadLeaderEpochCache(log);
  assert.deepEqual(rebuilt.all, [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 2 }, { epoch: 7, startOffset: 3 }]);
  assert.deepEqual(await readLeaderEpochCheckpoint(dir), rebuilt.all, 'and written back');
  // A checkpoint ahead of the log (the log was cut after it was written).
  await writeLeaderEpochCheckpoint(dir, [...rebuilt.all, { epoch: 9, startOffset: 5 }]);
  await log.truncateTo(3);
  const cut = await loadLeaderEpochCache(log);
  assert.deepEqual(cut.all.map((e) => e.epoch), [0, 3]);
});
