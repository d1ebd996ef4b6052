import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assignReplicas } from '../../src/controller/replica-assignment.js';

const brokers = (n: number, racks = 0) => Array.from({ length: n }, (_, i) => ({ id: i + 1, rack: racks ? `r${i % racks}` : null }));

test('every partition gets distinct replicas and leaders spread evenly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 9 }), (n, partitions, rfWanted) => {
      const rf = Math.min(rfWanted, n);
      const a = assignReplicas(brokers(n), partitions, rf);
      assert.equal(a.length, partitions);
      const leaders = new Map<number, number>();
      for (const r of a) {
        assert.equal(r.length, rf);
        assert.equal(new Set(r).size, rf, `repeated replica in ${r}`);
        leaders.set(r[0]!, (leaders.get(r[0]!) ?? 0) + 1);
      }
      const counts = [...leaders.values()];
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1 || counts.length < n, `leaders uneven: ${counts}`);
    }),
    { seed: 7, numRuns: 200 },
  );
});

test('with racks, the replicas of a partition land on different racks', () => {
  for (const r of assignReplicas(brokers(6, 3), 12, 3)) {
    const racks = r.map((id) => `r${(id - 1) % 3}`);
    assert.equal(new Set(racks).size, 3, `partition ${r} doubles a rack`);
  }
});
