import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { MemberAssignment, MemberSubscription } from '../../../src/consumer/assignors/assignor.js';
import { roundRobinAssignor } from '../../../src/consumer/assignors/roundrobin.js';
import { assertValid, member, names, seededRandom, topicsOf } from './helpers.js';

test('roundrobin: two members, two topics of three partitions (Kafka RoundRobinAssignor docs)', () => {
  const members = [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])];
  const result = roundRobinAssignor().assign(members, topicsOf({ t0: 3, t1: 3 }));
  assert.deepEqual(names(result), { C0: ['t0p0', 't0p2', 't1p1'], C1: ['t0p1', 't1p0', 't1p2'] });
});

test('roundrobin: members not subscribed to a topic are skipped (Kafka RoundRobinAssignor docs)', () => {
  const members = [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])];
  const result = roundRobinAssignor().assign(members, topicsOf({ t0: 1, t1: 2, t2: 3 }));
  assert.deepEqual(names(result), { C0: ['t0p0'], C1: ['t1p0'], C2: ['t1p1', 't2p0', 't2p1', 't2p2'] });
});

test('roundrobin: the protocol name is the caller\'s choice, so a member can join a kafkajs group', () => {
  assert.equal(roundRobinAssignor().name, 'roundrobin');
  const kafkajsName = roundRobinAssignor('RoundRobinAssigner');
  assert.equal(kafkajsName.name, 'RoundRobinAssigner');
  assert.equal(kafkajsName.rebalanceProtocol, 'eager');
});

// kafkajs 2.x's RoundRobinAssigner, run as a kafkajs group leader would run it.
const require = createRequire(import.meta.url);
const kafkajsRoundRobin = require('kafkajs/src/consumer/assigners/roundRobinAssigner/index.js') as (opts: { cluster: unknown }) => {
  assign(group: { members: { memberId: string; memberMetadata: Buffer }[]; topics: string[] }): Promise<{ memberId: string; memberAssignment: Buffer }[]>;
  protocol(sub: { topics: string[] }): { name: string; metadata: Buffer };
};
const { MemberAssignment: KafkajsAssignment } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberAssignment: { decode(buf: Buffer): { assignment: Record<string, number[]> } | null };
};

async function kafkajsLeader(members: readonly MemberSubscription[], topics: Map<string, number>): Promise<Map<string, MemberAssignment>> {
  const cluster = { findTopicPartitionMetadata: (t: string) => Array.from({ length: topics.get(t) ?? 0 }, (_, partitionId) => ({ partitionId })) };
  const assigner = kafkajsRoundRobin({ cluster });
  const groupTopics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => topics.has(t)).sort();
  const result = await assigner.assign({
    members: members.map((m) => ({ memberId: m.memberId, memberMetadata: assigner.protocol({ topics: [...m.topics] }).metadata })),
    topics: groupTopics,
  });
  // kafkajs leaves members that get nothing out; the coordinator gives them an empty assignment.
  const out = new Map<string, MemberAssignment>(members.map((m) => [m.memberId, { partitions: new Map(), userData: null }]));
  for (const { memberId, memberAssignment } of result) {
    const decoded = KafkajsAssignment.decode(memberAssignment)!;
    out.set(memberId, { partitions: new Map(Object.entries(decoded.assignment)), userData: null });
  }
  return out;
}

test('roundrobin and kafkajs RoundRobinAssigner: for identical subscriptions both leaders give valid, identical assignments', async () => {
  const random = seededRandom(7);
  for (let run = 0; run < 100; run++) {
    const allTopics = topicsOf({ a: 1 + random.int(8), b: 1 + random.int(8), c: 1 + random.int(3) });
    const subscription = [...allTopics.keys()].filter(() => random.next() < 0.6).concat(['b']);
    const members = Array.from({ length: 1 + random.int(7) }, () => member(`consumer-${random.int(1e6)}-${run}`, subscription));
    const ours = roundRobinAssignor('RoundRobinAssigner').assign(members, allTopics);
    const theirs = await kafkajsLeader(members, allTopics);
    const context = `seed 7 run ${run}`;
    assertValid(ours, members, allTopics, `ours, ${context}`);
    assertValid(theirs, members, allTopics, `kafkajs, ${context}`);
    assert.deepEqual(names(ours), names(theirs), context);
  }
});

test('roundrobin and kafkajs differ where documented: static members, and different subscriptions', async () => {
  const topics = topicsOf({ t: 4 });
  // Kafka puts static members first; kafkajs orders by member id only. Both are valid.
  const statics = [member('a', ['t']), member('b', ['t'], { groupInstanceId: 'i-1' })];
  const ours = roundRobinAssignor().assign(statics, topics);
  const theirs = await kafkajsLeader(statics, topics);
  assertValid(ours, statics, topics, 'ours');
  assertValid(theirs, statics, topics, 'kafkajs');
  assert.deepEqual(names(ours), { a: ['tp1', 'tp3'], b: ['tp0', 'tp2'] });
  assert.deepEqual(names(theirs), { a: ['tp0', 'tp2'], b: ['tp1', 'tp3'] });

  // kafkajs never skips a member, so it hands 'x' to a member that did not subscribe to it; we skip.
  const mixed = [member('a', ['t']), member('b', ['t', 'x'])];
  const both = topicsOf({ t: 2, x: 2 });
  assertValid(roundRobinAssignor().assign(mixed, both), mixed, both, 'ours, mixed subscriptions');
  const kafkajsMixed = await kafkajsLeader(mixed, both);
  assert.ok(kafkajsMixed.get('a')!.partitions.has('x'), 'kafkajs gives a an unsubscribed topic');
});
