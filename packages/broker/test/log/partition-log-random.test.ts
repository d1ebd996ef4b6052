/**
 * A seeded random walk over the whole PartitionLog API, checked after every step against a
 * model (the list of batches appended, the log start). Segment and index sizes are small so
 * rolls, index lookups and lazy loads happen constantly. SAMSA_SEED=n replays one seed.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { defaultLogConfig } from '../../src/config/topic-config.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { ManualClock } from '../../src/platform/clock.js';
import { crashImage, listBatches, openLog, randomBatch, seededRandom, tempDir, testSeeds, type ModelBatch } from './helpers.js';

const T0 = 1_700_000_000_000;

interface Model {
  batches: ModelBatch[];
  logStartOffset: number;
}

const logEnd = (m: Model): number => (m.batches.length ? m.batches[m.batches.length - 1]!.lastOffset + 1 : m.logStartOffset);

/** Batches holding offsets >= logStartOffset. */
function visible(m: Model): ModelBatch[] {
  return m.batches.filter((b) => b.lastOffset >= m.logStartOffset);
}

async function checkRead(log: PartitionLog, m: Model, random: () => number, where: string): Promise<void> {
  const start = m.logStartOffset;
  const end = logEnd(m);
  const offset = start + Math.floor(random() * (end - start + 1));
  const maxBytes = Math.floor(random() * 3000);
  const minOneBatch = random() < 0.7;
  const maxOffset = random() < 0.3 ? offset + Math.floor(random() * (end - offset + 1)) : undefined;
  const r = await log.read(offset, maxBytes, { minOneBatch, ...(maxOffset !== undefined ? { maxOffset } : {}) });
  const limit = Math.min(maxOffset ?? end, end);
  const got = listBatches(r.records);
  const first = m.batches.find((b) => b.lastOffset >= offset);
  const ctx = `${where}: read(${offset}, ${maxBytes}, ${minOneBatch}, ${maxOffset})`;
  if (!first || first.lastOffset >= limit || (first.bytes.length > maxBytes && !minOneBatch)) {
    assert.equal(got.length, 0, ctx);
    return;
  }
  assert.ok(got.length > 0, `${ctx}: expected batch ${first.baseOffset}`);
  const i = m.batches.indexOf(first);
  const expected = m.batches.slice(i, i + got.length);
  assert.deepEqual(r.records, Buffer.concat(expected.map((b) => b.bytes)), ctx);
  assert.ok(got.length === 1 || r.records.length <= maxBytes, ctx);
  assert.ok(got[got.length - 1]!.lastOffset < limit, ctx);
  assert.equal(r.nextOffset, got[got.length - 1]!.lastOffset + 1, ctx);
}

async function checkTimestamp(log: PartitionLog, m: Model, random: () => number, where: string): Promise<void> {
  const target = T0 + Math.floor(random() * 60_000) - 1000;
  let expected: { offset: number; timestamp: number } | null = null;
  for (const b of m.batches) {
    b.timestamps.forEach((ts, k) => {
      const offset = b.baseOffset + k;
      if (!expected && offset >= m.logStartOffset && ts >= target) expected = { offset, timestamp: ts };
    });
    if (expected) break;
  }
  assert.deepEqual(await log.offsetForTimestamp(target), expected, `${where}: offsetForTimestamp(${target})`);
}

async function walk(t: TestContext, seed: number, steps: number): Promise<void> {
  const random = seededRandom(seed);
  const clock = new ManualClock(T0);
  let dir = await tempDir(t);
  const config = { segmentBytes: 600 + Math.floor(random() * 3000), indexIntervalBytes: Math.floor(random() * 800), retentionMs: -1 };
  let log = await openLog(t, dir, { clock, config, noAutoClose: true });
  const m: Model = { batches: [], logStartOffset: 0 };
  try {
    for (let step = 0; step < steps; step++) {
      const where = `seed ${seed} step ${step}`;
      const dice = random();
      if (dice < 0.45) {
        const count = 1 + Math.floor(random() * 3);
        const parts: ModelBatch[] = [];
        for (let k = 0; k < count; k++) parts.push(randomBatch(random, logEnd(m) + parts.reduce((n, p) => n + p.lastOffset - p.baseOffset + 1, 0), T0 + step * 100));
        await log.append(Buffer.concat(parts.map((p) => p.bytes)), { lastOffset: parts[parts.length - 1]!.lastOffset });
        m.batches.push(...parts);
      } else if (dice < 0.7) {
        await checkRead(log, m, random, where);
      } else if (dice < 0.76) {
        await checkTimestamp(log, m, random, where);
      } else if (dice < 0.8) {
        const target = m.logStartOffset + Math.floor(random() * (logEnd(m) - m.logStartOffset + 1));
        const holder = m.batches.find((b) => b.lastOffset >= target);
        m.batches = m.batches.filter((b) => b.lastOffset < target);
        const newEnd = holder ? holder.baseOffset : target;
        assert.equal(await log.truncateTo(target), Math.max(newEnd, 0), `${where}: truncateTo(${target})`);
        if (m.logStartOffset > newEnd) m.logStartOffset = newEnd;
      } else if (dice < 0.84) {
        const target = m.logStartOffset + Math.floor(random() * (logEnd(m) - m.logStartOffset + 1));
        await log.deleteRecordsBefore(target);
        m.logStartOffset = Math.max(m.logStartOffset, target);
      } else if (dice < 0.87) {
        log.config = defaultLogConfig({ ...config, retentionBytes: Math.floor(random() * 8000) });
        const result = await log.applyRetention(clock.now());
        assert.ok(result.logStartOffset >= m.logStartOffset, where);
        m.logStartOffset = result.logStartOffset;
        log.config = defaultLogConfig(config);
      } else if (dice < 0.9) {
        await log.roll();
      } else if (dice < 0.95) {
        await log.close();
        log = await openLog(t, dir, { clock, config, noAutoClose: true });
      } else {
        const image = await crashImage(t, dir);
        await log.close();
        dir = image;
        log = await openLog(t, dir, { clock, config, noAutoClose: true });
      }
      assert.equal(log.logEndOffset, logEnd(m), `${where}: logEndOffset`);
      assert.equal(log.logStartOffset, m.logStartOffset, `${where}: logStartOffset`);
      assert.equal(log.size >= visible(m).reduce((n, b) => n + b.bytes.length, 0), true, `${where}: size`);
      clock.advance(10);
    }
    // Finally everything visible reads back byte for byte.
    const all: Buffer[] = [];
    let offset = m.logStartOffset;
    while (offset < log.logEndOffset) {
      const r = await log.read(offset, 1 << 20, { minOneBatch: true });
      all.push(r.records);
      offset = r.nextOffset;
    }
    assert.deepEqual(Buffer.concat(all), Buffer.concat(visible(m).map((b) => b.bytes)), `seed ${seed}: final read`);
  } finally {
    await log.close();
  }
}

for (const seed of testSeeds([1, 2, 3, 4])) {
  test(`random walk over the log API agrees with the model (seed ${seed})`, async (t) => {
    await walk(t, seed, 200);
  });
}
