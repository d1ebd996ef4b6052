/**
 * A full disk. The broker's data directory is a 2 MiB tmpfs (so the test needs root to
 * mount it; without root it fails saying so) holding, besides the broker's files, a 256 KiB
 * ballast file. One producer writes ~16 KiB batches with acks=1 until a produce fails:
 *
 * - the failure is KAFKA_STORAGE_ERROR, answered promptly (not a crash, not a hang), and
 *   further produces keep getting it;
 * - the broker keeps running: Metadata, ListOffsets and Fetch still work, every
 *   acknowledged batch reads back whole and valid, and the segment files on disk are whole
 *   valid batches with no partial write left at the end;
 * - after the ballast is deleted and the broker restarted (kill -9, so recovery re-reads
 *   and CRC-checks the segments) recovery cuts nothing, the log end is what was
 *   acknowledged, and appends work again.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, rmdir, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { startBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { batchOf, fetchAllBatches, scanPartitionDir } from '../helpers/log-scan.js';
import { EARLIEST, LATEST, openClient, RawClient } from '../helpers/raw-client.js';

const TOPIC = 'full';
const TMPFS_SIZE = '2m';
const BALLAST_BYTES = 256 * 1024;
const RECORDS_PER_BATCH = 8;
const VALUE_BYTES = 2000;
/** 2 MiB / 16 KiB is 128 batches; give up well past that. */
const MAX_BATCHES = 400;

test('a full disk gives KAFKA_STORAGE_ERROR, keeps serving reads, leaves no corrupt segment, and recovers', { timeout: 60_000 }, async (t) => {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    assert.fail(`this test needs root: it mounts a ${TMPFS_SIZE} tmpfs (mount -t tmpfs) as the broker's data directory to fill it; run the suite as root`);
  }
  const mnt = await mkdtemp(join(tmpdir(), 'samsa-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mnt]);
  let broker: BrokerProcess | null = null;
  t.after(async () => {
    await broker?.kill();
    try {
      execFileSync('umount', [mnt]);
    } catch {
      execFileSync('umount', ['-l', mnt]);
    }
    await rmdir(mnt);
  });
  const ballast = join(mnt, 'ballast');
  await writeFile(ballast, Buffer.alloc(BALLAST_BYTES, 1));

  broker = await startBroker({ dataDir: mnt });
  const client = await openClient(t, broker.port);
  // Small segments, so the disk fills while segments roll too.
  await client.createTopic(TOPIC, 1, { 'segment.bytes': String(256 * 1024) });

  const acked: { baseOffset: number; ids: string[] }[] = [];
  let failure: { errorCode: number; errorMessage: string | null; ms: number } | null = null;
  for (let b = 0; b < MAX_BATCHES && failure === null; b++) {
    const ids = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => `b${b}-r${i}`);
    const started = Date.now();
    const r = await client.produceTo(TOPIC, 0, batchOf(ids, VALUE_BYTES), 1);
    if (r.errorCode === 0) acked.push({ baseOffset: Number(r.baseOffset), ids });
    else failure = { errorCode: r.errorCode, errorMessage: r.errorMessage, ms: Date.now() - started };
  }
  const fs = await statfs(mnt);
  t.diagnostic(`${acked.length} batches acknowledged, then ${JSON.stringify(failure)}; ${fs.bavail * fs.bsize} bytes free`);
  assert.ok(failure, `the disk filled within ${MAX_BATCHES} batches`);
  assert.equal(failure.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, `a full disk answers KAFKA_STORAGE_ERROR (got ${failure.errorCode}: ${failure.errorMessage})`);
  assert.ok(acked.length >= 50, `most of the disk was used before it filled (${acked.length} batches)`);
  let logEnd = acked.length * RECORDS_PER_BATCH;
  acked.forEach((a, i) => assert.equal(a.baseOffset, i * RECORDS_PER_BATCH, `batch ${i} was acknowledged at its offset`));

  // Still full: still the same answer, promptly.
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    const r = await client.produceTo(TOPIC, 0, batchOf([`again-${i}`], 16 * 1024), 1);
    assert.equal(r.errorCode, ErrorCode.KAFKA_STORAGE_ERROR, `produce ${i} while the disk is still full`);
    assert.ok(Date.now() - started < 2_000, 'answered promptly');
  }

  // The broker still serves what it stored.
  assert.equal((await client.metadata([TOPIC])).topics[0]?.errorCode, 0, 'Metadata still works');
  assert.equal(Number(await client.offsetOf(TOPIC, 0, LATEST)), logEnd, 'the log end is exactly what was acknowledged');
  const other = await openClient(t, broker.port);
  const fetched = await fetchAllBatches(other, TOPIC, 0, 0, logEnd, { withIds: true });
  assert.deepEqual(fetched.map((b) => b.ids), acked.map((a) => a.ids), 'every acknowledged batch reads back, valid');
  const onDisk = await scanPartitionDir(join(mnt, `${TOPIC}-0`), { withIds: true });
  assert.deepEqual(onDisk.map((b) => b.ids), acked.map((a) => a.ids), 'the segment files hold exactly the acknowledged batches, whole and valid');
  const messages = broker.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; err?: { code?: string } });
  t.diagnostic(`broker log while full: ${[...new Set(messages.map((m) => `${m.msg}${m.err?.code ? ` (${m.err.code})` : ''}`))].join(' | ')}`);

  // Free space. Whether the running broker takes appends again before a restart is not
  // asserted (Kafka would have taken the log directory offline); it is reported, and an
  // append it acknowledges must survive like the others.
  await rm(ballast);
  const retry = await client.produceTo(TOPIC, 0, batchOf(['after-free'], VALUE_BYTES), 1);
  t.diagnostic(`after freeing space, before a restart, a produce gets error ${retry.errorCode}${retry.errorCode === 0 ? ` at offset ${retry.baseOffset}` : ` (${retry.errorMessage})`}`);
  if (retry.errorCode === 0) {
    assert.equal(Number(retry.baseOffset), logEnd, 'an append after freeing space lands at the log end');
    acked.push({ baseOffset: logEnd, ids: ['after-free'] });
    logEnd += 1;
  }

  // Restart with a crash, so recovery re-reads and checks every batch.
  await broker.kill();
  broker = null;
  broker = await startBroker({ dataDir: mnt });
  assert.ok(!broker.output().includes('recovery cut a segment'), `recovery found nothing to cut:\n${broker.output()}`);
  const after = await RawClient.connect(broker.port);
  t.after(() => after.close());
  assert.equal(await after.offsetOf(TOPIC, 0, EARLIEST), 0n, 'the log start is 0');
  assert.equal(Number(await after.offsetOf(TOPIC, 0, LATEST)), logEnd, 'the log end after recovery is what was acknowledged');
  const reread = await fetchAllBatches(after, TOPIC, 0, 0, logEnd, { withIds: true });
  assert.deepEqual(reread.map((b) => b.ids), acked.map((a) => a.ids), 'every acknowledged batch reads back after recovery');
  for (let i = 0; i < 4; i++) {
    const r = await after.produceTo(TOPIC, 0, batchOf([`after-${i}`], VALUE_BYTES), 1);
    assert.equal(r.errorCode, 0, `append ${i} after space was freed`);
    assert.equal(Number(r.baseOffset), logEnd + i, `append ${i} lands at the log end`);
  }
});
