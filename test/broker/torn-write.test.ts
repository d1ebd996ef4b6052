/**
 * A torn or garbled tail on the last segment, after a clean stop and after kill -9.
 *
 * One topic, five partitions, small segments (several per partition). After writing, the
 * broker is stopped (cleanly, or with SIGKILL) and the last segment file of each partition
 * (the .log with the highest base offset) is mangled differently:
 *
 *   p0  cut in the middle of its last batch's records
 *   p1  cut inside its last batch's 61-byte header
 *   p2  4 KiB of zeros appended (a file extended but never written)
 *   p3  200 bytes of seeded random garbage appended
 *   p4  a whole batch appended that continues the offsets but fails its CRC-32C
 *
 * On restart each partition must hold exactly its whole, valid batches: the cut batch (p0,
 * p1) is gone and the log ends where it began; the appended bytes (p2-p4) are gone and the
 * log ends where it did. The file on disk is cut back to those batches, nothing before the
 * damage is lost, new appends continue at the right offset, and everything is still whole
 * after another clean restart.
 */
import assert from 'node:assert/strict';
import { appendFile, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32c } from '@samsa/protocol';
import { removeDir, startBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { batchOf, fetchAllBatches, scanBatches, scanPartitionDir, segmentFiles, type ScannedBatch } from '../helpers/log-scan.js';
import { LATEST, openClient, RawClient } from '../helpers/raw-client.js';

const TOPIC = 'torn';
const BATCHES = 24;

type Mangle = 'cut-mid-batch' | 'cut-in-header' | 'zeros' | 'garbage' | 'bad-crc-batch';
const MANGLES: readonly Mangle[] = ['cut-mid-batch', 'cut-in-header', 'zeros', 'garbage', 'bad-crc-batch'];

interface Plan {
  mangle: Mangle;
  /** Batches that must survive, in order. */
  keep: ScannedBatch[];
  /** The log end after recovery. */
  logEnd: number;
  lastSegment: string;
  /** The last segment's length after recovery. */
  lastSegmentBytes: number;
}

/** Deterministic bytes (mulberry32), so a failure reproduces. */
function seededBytes(n: number, seed: number): Buffer {
  let a = seed >>> 0;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    out[i] = ((x ^ (x >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** Damages the last segment of one partition; returns what recovery must leave. */
async function mangle(partitionDir: string, how: Mangle): Promise<Plan> {
  const batches = await scanPartitionDir(partitionDir, { withIds: true });
  const segments = await segmentFiles(partitionDir);
  const last = segments[segments.length - 1]!;
  const inLast = scanBatches(await readFile(last.path), { firstOffset: last.baseOffset });
  assert.ok(inLast.length > 0, `${last.path} holds at least one batch to damage`);
  const victim = inLast[inLast.length - 1]!;
  const logEnd = batches[batches.length - 1]!.lastOffset + 1;
  switch (how) {
    case 'cut-mid-batch':
    case 'cut-in-header': {
      const cut = how === 'cut-mid-batch' ? victim.position + 61 + Math.floor((victim.size - 61) / 2) : victim.position + 30;
      await truncate(last.path, cut);
      return { mangle: how, keep: batches.slice(0, -1), logEnd: victim.baseOffset, lastSegment: last.path, lastSegmentBytes: victim.position };
    }
    case 'zeros':
      await appendFile(last.path, Buffer.alloc(4096));
      break;
    case 'garbage':
      await appendFile(last.path, seededBytes(200, 0x5a75a));
      break;
    case 'bad-crc-batch': {
      // A copy of the last batch, renumbered to follow it (baseOffset is outside the CRC),
      // with one byte of its records flipped: everything but the CRC-32C says "valid".
      const copy = Buffer.from((await readFile(last.path)).subarray(victim.position, victim.position + victim.size));
      copy.writeBigInt64BE(BigInt(logEnd), 0);
      copy[copy.length - 5] ^= 0x01;
      assert.notEqual(crc32c(copy.subarray(21)), copy.readUInt32BE(17), 'the appended batch really fails its CRC');
      await appendFile(last.path, copy);
      break;
    }
  }
  return { mangle: how, keep: batches, logEnd, lastSegment: last.path, lastSegmentBytes: last.size };
}

async function scenario(t: { after(fn: () => unknown): void; diagnostic(msg: string): void }, crash: boolean): Promise<void> {
  let broker: BrokerProcess | null = await startBroker();
  const dataDir = broker.dataDir;
  t.after(async () => {
    await broker?.kill();
    await removeDir(dataDir);
  });
  const writer = await RawClient.connect(broker.port);
  await writer.createTopic(TOPIC, MANGLES.length, { 'segment.bytes': '8192' });
  for (let b = 0; b < BATCHES; b++) {
    for (let p = 0; p < MANGLES.length; p++) {
      // Batches of different sizes and record counts, about 1 KiB each.
      const ids = Array.from({ length: 1 + (b % 4) }, (_, i) => `p${p}-b${b}-r${i}`);
      const r = await writer.produceTo(TOPIC, p, batchOf(ids, Math.floor(900 / ids.length)), 1);
      assert.equal(r.errorCode, 0, `produce ${p}/${b}`);
    }
  }
  await writer.close();
  if (crash) await broker.kill();
  else assert.equal(await broker.stop(), 0, 'clean stop');
  broker = null;

  const plans: Plan[] = [];
  for (let p = 0; p < MANGLES.length; p++) {
    const dir = join(dataDir, `${TOPIC}-${p}`);
    assert.ok((await segmentFiles(dir)).length >= 3, `partition ${p} has several segments`);
    plans.push(await mangle(dir, MANGLES[p]!));
  }

  broker = await startBroker({ dataDir });
  const client = await openClient(t, broker.port);
  for (let p = 0; p < MANGLES.length; p++) {
    const plan = plans[p]!;
    const what = `partition ${p} (${plan.mangle}, ${crash ? 'kill -9' : 'clean stop'})`;
    assert.equal(Number(await client.offsetOf(TOPIC, p, LATEST)), plan.logEnd, `${what}: log end after recovery`);
    const got = await fetchAllBatches(client, TOPIC, p, 0, plan.logEnd, { withIds: true });
    assert.deepEqual(
      got.map((b) => [b.baseOffset, b.ids]),
      plan.keep.map((b) => [b.baseOffset, b.ids]),
      `${what}: exactly the whole batches before the damage survive`,
    );
    assert.equal((await stat(plan.lastSegment)).size, plan.lastSegmentBytes, `${what}: the damaged segment is cut back to its whole batches`);
    const r = await client.produceTo(TOPIC, p, batchOf([`p${p}-after`], 100), 1);
    assert.equal(r.errorCode, 0, `${what}: append after recovery`);
    assert.equal(Number(r.baseOffset), plan.logEnd, `${what}: append after recovery lands at the log end`);
    const back = await fetchAllBatches(client, TOPIC, p, plan.logEnd, plan.logEnd + 1, { withIds: true });
    assert.deepEqual(back[0]!.ids, [`p${p}-after`], `${what}: the new append reads back`);
  }
  const recoveryLines = broker.output().split('\n').filter((l) => l.includes('recovery cut a segment')).length;
  t.diagnostic(`broker logged ${recoveryLines} 'recovery cut a segment' warnings`);

  assert.equal(await broker.stop(), 0, 'clean stop after recovery');
  broker = null;
  for (let p = 0; p < MANGLES.length; p++) {
    const plan = plans[p]!;
    const onDisk = await scanPartitionDir(join(dataDir, `${TOPIC}-${p}`), { withIds: true });
    assert.deepEqual(
      onDisk.map((b) => b.ids),
      [...plan.keep.map((b) => b.ids), [`p${p}-after`]],
      `partition ${p} (${plan.mangle}): on disk after the next clean stop: the survivors and the new append, all valid`,
    );
  }
}

test('torn or garbled last segment after a clean stop: exactly the whole batches survive', { timeout: 30_000 }, async (t) => {
  await scenario(t, false);
});

test('torn or garbled last segment after kill -9: exactly the whole batches survive', { timeout: 30_000 }, async (t) => {
  await scenario(t, true);
});
