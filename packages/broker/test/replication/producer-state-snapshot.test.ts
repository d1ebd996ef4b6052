import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { open, readdir, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { buildRecordBatch } from '@samsa/protocol';
import { defaultLogConfig } from '../../src/config/topic-config.js';
import { segmentPath } from '../../src/log/file-names.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger, type Logger } from '../../src/platform/logger.js';
import { loadLeaderEpochCache } from '../../src/replication/leader-epoch-cache.js';
import { Partition } from '../../src/replication/partition.js';
import { listSnapshots, loadProducerState, SNAPSHOTS_KEPT, type LoadedProducerState } from '../../src/replication/producer-state-snapshot.js';
import { defer, openLog, tempDir } from '../log/helpers.js';

const CONFIG = { segmentBytes: 1024 };
const NOW = 1_700_000_000_000;
const PRODUCER = 7n;

/** A logger that keeps its warnings. */
function capturingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = { ...silentLogger, warnings, warn: (obj, msg) => void warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`), child: () => logger };
  return logger;
}

/** Opens the partition in `dir` as the replica manager does (producer state, then epochs), leading epoch 0. */
async function openPartition(t: TestContext, dir: string, logger: Logger = silentLogger): Promise<{ p: Partition; loaded: LoadedProducerState }> {
  const log = await openLog(t, dir, { config: CONFIG, noAutoClose: true, clock: new ManualClock(NOW) });
  const loaded = await loadProducerState(log, logger);
  const epochs = await loadLeaderEpochCache(log, loaded.snapshotOffset);
  const p = new Partition('t', 0, 'topic-id', log, epochs, defaultLogConfig(CONFIG), 0, new ManualClock(NOW), logger);
  p.producerState = loaded.table;
  p.becomeLeader(0, [0], 0, [0]);
  return { p, loaded };
}

/** Batch number `seq` of PRODUCER: two 200-byte records, so four batches fill a segment. */
function idempotentBatch(seq: number): Buffer {
  const value = Buffer.alloc(200, 0x61);
  return buildRecordBatch({ producerId: PRODUCER, producerEpoch: 0, baseSequence: seq * 2, records: [{ value, timestamp: NOW }, { value, timestamp: NOW }] });
}

async function produce(p: Partition, from: number, count: number): Promise<void> {
  for (let seq = from; seq < from + count; seq++) await p.appendAsLeader(idempotentBatch(seq), -1);
}

async function closeCleanly(p: Partition): Promise<void> {
  await p.snapshotsSettled();
  await p.snapshotAtClose();
  await p.log.close();
}

async function crash(p: Partition): Promise<void> {
  await p.snapshotsSettled();
  await p.log.abandon();
}

async function flipByte(path: string, position: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, position);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, position);
  } finally {
    await fh.close();
  }
}

test('each roll snapshots the producer table at the new segment; the last two are kept; a clean close adds one at the log end and a restart replays nothing', async (t) => {
  const dir = await tempDir(t);
  const { p } = await openPartition(t, dir);
  await produce(p, 0, 20);
  await p.snapshotsSettled();
  const segments = p.log.segmentBaseOffsets;
  assert.ok(segments.length >= 4, `rolled: ${segments.join(',')}`);
  assert.deepEqual(await listSnapshots(dir), segments.slice(1).slice(-SNAPSHOTS_KEPT), 'a snapshot at each of the last two rolls');
  await closeCleanly(p);
  const end = 40;
  assert.deepEqual(await listSnapshots(dir), [segments[segments.length - 1]!, end]);

  const { p: again, loaded } = await openPartition(t, dir);
  defer(t, () => again.log.close());
  assert.equal(loaded.snapshotOffset, end);
  assert.equal(loaded.replayedBatches, 0, 'nothing read after the snapshot at the log end');
  const retry = await again.appendAsLeader(idempotentBatch(19), -1);
  assert.deepEqual([retry.baseOffset, retry.lastOffset], [38, 39], 'the retried last batch gets its original offsets');
  assert.equal(again.logEndOffset, end, 'and is not written again');
});

test('after a crash only the batches after the latest roll are replayed, and a retry is still answered from the table', async (t) => {
  const dir = await tempDir(t);
  const { p } = await openPartition(t, dir);
  await produce(p, 0, 18);
  await crash(p);
  const { p: again, loaded } = await openPartition(t, dir);
  defer(t, () => again.log.close());
  const active = again.log.segmentBaseOffsets.at(-1)!;
  assert.equal(loaded.snapshotOffset, active, 'the snapshot of the last roll');
  assert.equal(loaded.replayedBatches, (36 - active) / 2, 'only the active segment read');
  assert.ok(active > 0);
  const retry = await again.appendAsLeader(idempotentBatch(17), -1);
  assert.deepEqual([retry.baseOffset, retry.lastOffset], [34, 35]);
  await produce(again, 18, 1);
  assert.equal(again.logEndOffset, 38, 'the next sequence is accepted');
});

test('a damaged snapshot is logged and skipped for the one before it; with none intact the whole log is replayed', async (t) => {
  const dir = await tempDir(t);
  const { p } = await openPartition(t, dir);
  await produce(p, 0, 20);
  await closeCleanly(p);
  const [older, latest] = await listSnapshots(dir);
  await flipByte(segmentPath(dir, latest!, '.snapshot'), 30);

  const logger = capturingLogger();
  const { p: second, loaded } = await openPartition(t, dir, logger);
  assert.equal(loaded.snapshotOffset, older);
  assert.equal(loaded.replayedBatches, (40 - older!) / 2);
  assert.match(logger.warnings.join('\n'), /damaged producer-state snapshot.*checksum mismatch/);
  assert.deepEqual(await listSnapshots(dir), [older], 'the damaged one is deleted');
  const retry = await second.appendAsLeader(idempotentBatch(19), -1);
  assert.equal(retry.baseOffset, 38);
  await second.log.abandon();

  // A torn write of the only snapshot left: shorter than its recorded length.
  const path = segmentPath(dir, older!, '.snapshot');
  await truncate(path, 25);
  const { p: third, loaded: full } = await openPartition(t, dir, logger);
  defer(t, () => third.log.close());
  assert.equal(full.snapshotOffset, null);
  assert.equal(full.replayedBatches, 20, 'every batch replayed');
  assert.equal((await third.appendAsLeader(idempotentBatch(19), -1)).baseOffset, 38);
});

test('truncation deletes snapshots above the new log end and reloads the table from the one below', async (t) => {
  const dir = await tempDir(t);
  const { p } = await openPartition(t, dir);
  defer(t, () => p.log.close());
  await produce(p, 0, 20);
  await p.snapshotsSettled();
  const [below, above] = await listSnapshots(dir);
  p.becomeFollower(1, [1], 1, [0, 1]);
  const cut = above! - 4; // two batches below the later snapshot, at or past the earlier one
  assert.ok(cut >= below!);
  await p.truncateTo(cut);
  assert.equal(p.logEndOffset, cut);
  assert.deepEqual(await listSnapshots(dir), [below]);
  const entry = p.producerState.producers.get(PRODUCER)!;
  assert.equal(entry.batches.at(-1)!.lastOffset, cut - 1, 'the table ends where the log does');
  p.becomeLeader(2, [0], 2, [0]);
  // The next batch after the truncated log end's sequence is in order; the cut ones are new again.
  const next = await p.appendAsLeader(idempotentBatch(cut / 2), -1);
  assert.equal(next.baseOffset, cut);
});

test('a snapshot above the log end that recovery cut back to is deleted on open, and one below a moved log start goes with it', async (t) => {
  const dir = await tempDir(t);
  const { p } = await openPartition(t, dir);
  await produce(p, 0, 20);
  await closeCleanly(p);
  const [older] = await listSnapshots(dir);
  // A torn tail: the last batch cut short, and no clean-shutdown marker.
  const active = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort().at(-1)!;
  const { size } = await (await open(join(dir, active))).stat();
  await truncate(join(dir, active), size - 10);
  await unlink(join(dir, 'clean-shutdown'));
  const { p: again, loaded } = await openPartition(t, dir);
  defer(t, () => again.log.close());
  assert.equal(again.logEndOffset, 38, 'recovery dropped the torn batch');
  assert.deepEqual(await listSnapshots(dir), [older], 'the snapshot at 40 is gone');
  assert.equal(loaded.snapshotOffset, older);
  assert.equal((await again.appendAsLeader(idempotentBatch(19), -1)).baseOffset, 38, 'the lost batch is written again, not a duplicate');

  await again.log.deleteRecordsBefore(older! + 2);
  again.afterLogStartMoved();
  await again.snapshotsSettled();
  const left = await listSnapshots(dir);
  assert.ok(!left.includes(older!) && left.every((o) => o >= older! + 2), `snapshots below the log start are deleted: ${left.join(',')}`);
});
