import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { ReadBufferPool } from '../../src/log/read-buffer-pool.js';
import { batchOfSize, buildBatch, openLog, seededRandom, tempDir, testSeeds } from './helpers.js';

/** Appends one produce's worth (1-3 batches of 1-4 records, some large) to both logs alike. */
async function appendBoth(logs: PartitionLog[], random: () => number): Promise<void> {
  const base = logs[0]!.logEndOffset;
  const parts: Buffer[] = [];
  let offset = base;
  for (let b = 1 + Math.floor(random() * 3); b > 0; b--) {
    if (random() < 0.2) parts.push(batchOfSize(offset++, 200 + Math.floor(random() * 3000)));
    else {
      const n = 1 + Math.floor(random() * 4);
      parts.push(buildBatch({ baseOffset: offset, records: Array.from({ length: n }, (_, i) => ({ value: `r${offset + i}` })) }));
      offset += n;
    }
  }
  const blob = Buffer.concat(parts);
  // Each log gets its own copy, as each broker has its own request buffer.
  await Promise.all(logs.map((log) => log.append(Buffer.from(blob), { lastOffset: offset - 1 })));
}

async function assertSameReads(cached: PartitionLog, plain: PartitionLog, random: () => number, pool: ReadBufferPool): Promise<void> {
  for (let offset = plain.logStartOffset; offset < plain.logEndOffset; offset++) {
    const maxBytes = [1, 150, 1000, 5000, 1 << 20][Math.floor(random() * 5)]!;
    const maxOffset = offset + 1 + Math.floor(random() * (plain.logEndOffset - offset));
    const minOneBatch = random() < 0.7;
    const a = await cached.read(offset, maxBytes, { maxOffset, minOneBatch, pool });
    const b = await plain.read(offset, maxBytes, { maxOffset, minOneBatch });
    const what = `read(${offset}, ${maxBytes}, maxOffset ${maxOffset}, minOneBatch ${minOneBatch})`;
    assert.equal(a.nextOffset, b.nextOffset, what);
    assert.equal(a.firstOffset, b.firstOffset, what);
    assert.ok(a.records.equals(b.records), `${what}: same bytes`);
    pool.release(a.records);
  }
}

for (const seed of testSeeds([1, 2, 3])) {
  test(`reads served by the tail cache equal file reads, across rolls and truncations (seed ${seed})`, async (t) => {
    const random = seededRandom(seed);
    const config = { segmentBytes: 20_000, indexIntervalBytes: 500 };
    const cached = await openLog(t, await tempDir(t), { config });
    const plain = await openLog(t, await tempDir(t), { config });
    cached.setTailCache(8_000);
    const pool = new ReadBufferPool({ maxRetainedBytes: 1 << 20, idleTrimMs: 1000 });
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 10; i++) await appendBoth([cached, plain], random);
      await assertSameReads(cached, plain, random, pool);
      if (round % 4 === 3) {
        const to = plain.logEndOffset - 1 - Math.floor(random() * 10);
        assert.equal(await cached.truncateTo(to), await plain.truncateTo(to));
      }
      if (round % 3 === 1) cached.trimTailCache(plain.logEndOffset - Math.floor(random() * 20));
    }
    const tail = cached.tailCache!;
    assert.ok(plain.segmentCount > 3, `rolled into ${plain.segmentCount} segments`);
    assert.ok(tail.hits > 100 && tail.misses > 100, `served both ways: ${tail.hits} hits, ${tail.misses} misses`);
    assert.ok(tail.cachedBytes <= 8_000);
  });
}

test('the tail cache is off until asked for, and setTailCache(0) drops it', async (t) => {
  const log = await openLog(t, await tempDir(t));
  assert.equal(log.tailCache, null);
  log.setTailCache(1024);
  await log.append(buildBatch({ baseOffset: 0, records: [{ value: 'a' }] }), { lastOffset: 0 });
  assert.ok(log.tailCache!.cachedBytes > 0);
  log.trimTailCache(1);
  assert.equal(log.tailCache!.cachedBytes, 0, 'trimmed once a follower holds offset 0');
  log.setTailCache(0);
  assert.equal(log.tailCache, null);
});
