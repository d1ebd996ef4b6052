import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAssignment, encodeAssignment } from '@samsa/protocol';
import type { MemberAssignment } from '../../../src/consumer/assignors/assignor.js';
import { rangeAssignor } from '../../../src/consumer/assignors/range.js';
import { roundRobinAssignor } from '../../../src/consumer/assignors/roundrobin.js';
import { assertValid, member, names, seededRandom, topicsOf } from './helpers.js';

test('range: two members, two topics of three partitions (Kafka RangeAssignor docs)', () => {
  const members = [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])];
  const result = rangeAssignor.assign(members, topicsOf({ t0: 3, t1: 3 }));
  assert.deepEqual(names(result), { C0: ['t0p0', 't0p1', 't1p0', 't1p1'], C1: ['t0p2', 't1p2'] });
  assert.equal(rangeAssignor.name, 'range');
  assert.equal(rangeAssignor.rebalanceProtocol, 'eager');
  assert.equal(rangeAssignor.subscriptionUserData({ topics: ['t0'], ownedPartitions: new Map(), generationId: 3 }), null);
});

test('range: each topic is split among only the members subscribed to it', () => {
  const members = [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t1'])];
  const result = rangeAssignor.assign(members, topicsOf({ t0: 3, t1: 5 }));
  assert.deepEqual(names(result), { C0: ['t0p0', 't0p1'], C1: ['t0p2', 't1p0', 't1p1', 't1p2'], C2: ['t1p3', 't1p4'] });
});

test('range: more members than partitions leaves the last members empty; missing topics are skipped', () => {
  const members = [member('a', ['t0', 'gone']), member('b', ['t0']), member('c', ['t0'])];
  const result = rangeAssignor.assign(members, topicsOf({ t0: 2 }));
  assert.deepEqual(names(result), { a: ['t0p0'], b: ['t0p1'], c: [] });
  assert.deepEqual([...result.get('c')!.partitions], []);
});

test('range: static members come first, ordered by group.instance.id, as Kafka orders them', () => {
  // 'a' sorts first by member id, but Kafka puts static members (by instance id) before dynamic ones.
  const members = [member('a', ['t']), member('b', ['t'], { groupInstanceId: 'z' }), member('c', ['t'], { groupInstanceId: 'y' })];
  const result = rangeAssignor.assign(members, topicsOf({ t: 4 }));
  assert.deepEqual(names(result), { a: ['tp3'], b: ['tp2'], c: ['tp0', 'tp1'] });
});

function roundTrip(result: Map<string, MemberAssignment>): void {
  for (const [memberId, a] of result) {
    const assignedPartitions = [...a.partitions].map(([topic, partitions]) => ({ topic, partitions: [...partitions] }));
    const decoded = decodeAssignment(encodeAssignment({ assignedPartitions, userData: a.userData }));
    assert.deepEqual(decoded.assignedPartitions, assignedPartitions, memberId);
    assert.equal(decoded.userData, null);
  }
}

test('range and roundrobin assignments encode with encodeAssignment and decode back unchanged', () => {
  const random = seededRandom(42);
  const topics = topicsOf({ orders: 7, payments: 3, audit: 1, 'metrics.cpu': 12 });
  for (let run = 0; run < 50; run++) {
    const members = Array.from({ length: 1 + random.int(6) }, (_, i) =>
      member(`m-${i}`, [...topics.keys()].filter(() => random.next() < 0.7).concat(['orders'])),
    );
    for (const assignor of [rangeAssignor, roundRobinAssignor()]) {
      const result = assignor.assign(members, topics);
      assertValid(result, members, topics, `${assignor.name} run ${run}`);
      roundTrip(result);
    }
  }
});
