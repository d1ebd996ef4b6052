/**
 * Random workloads against a model: appends of keyed records and tombstones (some
 * compressed, some in multi-record batches), rolls, clock advances and cleaning passes with
 * a small offset map, in a seeded random order. After every pass: offsets increase, every
 * record read is the one appended at that offset, and every key's latest record is there
 * unless it is a tombstone older than its delete horizon allows. The seed is printed; rerun
 * one with SAMSA_SEED=n.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompressionType } from '@samsa/protocol';
import { ManualClock } from '../../../src/platform/clock.js';
import { openLog, seededRandom, tempDir, testSeeds } from '../helpers.js';
import { appendKeyed, newCleaner, readRecordsOf, T0 } from './helpers.js';

const DELETE_RETENTION_MS = 5_000;

for (const seed of testSeeds([1, 2, 3, 4, 5, 6])) {
  test(`random compaction workload keeps the latest value of every key (seed ${seed})`, async (t) => {
    const random = seededRandom(seed);
    const pick = (n: number): number => Math.floor(random() * n);
    const clock = new ManualClock(T0);
    const log = await openLog(t, await tempDir(t), { clock, config: { cleanupPolicy: ['compact'], segmentBytes: 700, deleteRetentionMs: DELETE_RETENTION_MS } });
    const cleaner = newCleaner(24 * 12); // ~10 keys a pass: passes often stop early
    const appended: Array<{ key: string; value: string | null; at: number }> = [];
    let firstDirty: number | undefined;
    for (let step = 0; step < 150; step++) {
      const action = pick(10);
      if (action < 6) {
        const records: Array<[string, string | null]> = Array.from({ length: 1 + pick(3) }, () => {
          const key = `k${pick(15)}`;
          return [key, pick(6) === 0 ? null : `${key}@${appended.length}-${step}`];
        });
        const compression = pick(3) === 0 ? CompressionType.gzip : CompressionType.none;
        await appendKeyed(log, { records, compression, timestamp: clock.now() });
        for (const [key, value] of records) appended.push({ key, value, at: clock.now() });
      } else if (action === 6) {
        await log.roll();
      } else if (action === 7) {
        clock.advance(pick(3_000));
      } else {
        const result = await cleaner.clean({ log, firstDirtyOffset: firstDirty, nowMs: clock.now(), aborted: () => false }, pick(3) === 0);
        if (result?.complete) firstDirty = result.endOffset;
        const where = `seed ${seed} step ${step}`;
        const records = await readRecordsOf(log);
        let previous = -1;
        for (const r of records) {
          assert.ok(r.offset > previous, `${where}: offsets increase`);
          previous = r.offset;
          const a = appended[r.offset]!;
          assert.deepEqual([r.key, r.value], [a.key, a.value], `${where}: offset ${r.offset} holds what was appended there`);
        }
        const present = new Set(records.map((r) => r.offset));
        const latest = new Map<string, number>();
        appended.forEach((a, offset) => latest.set(a.key, offset));
        for (const [key, offset] of latest) {
          const a = appended[offset]!;
          // A tombstone may go once it has been kept for delete.retention.ms after a pass stamped it.
          const mayBeGone = a.value === null && clock.now() - a.at >= DELETE_RETENTION_MS;
          if (!mayBeGone) assert.ok(present.has(offset), `${where}: latest ${key} at ${offset} is kept`);
        }
      }
    }
    const left = (await readRecordsOf(log)).length;
    assert.ok(left < appended.length, `seed ${seed}: the passes removed records (${left} of ${appended.length} left)`);
  });
}
