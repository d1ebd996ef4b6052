import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stickyAssignor } from '../../../src/consumer/assignors/sticky.js';
import { decodeStickyUserData, encodeStickyUserData } from '../../../src/consumer/assignors/sticky-user-data.js';
import { assertBalanced, assertValid, member, names, topicsOf, tps } from './helpers.js';

/** A member of an eager group: ownedPartitions empty (revoked), its last assignment in userData. */
function eager(memberId: string, topics: string[], last: string[], generationId: number) {
  return member(memberId, topics, {
    userData: stickyAssignor.subscriptionUserData({ topics, ownedPartitions: new Map(), generationId, previousAssignment: tps(...last) }),
    generationId,
  });
}

test('sticky: KIP-54 example 1, three members and four topics of two partitions, then C1 leaves', () => {
  const topics = topicsOf({ t0: 2, t1: 2, t2: 2, t3: 2 });
  const all = ['t0', 't1', 't2', 't3'];
  const first = stickyAssignor.assign([member('C0', all), member('C1', all), member('C2', all)], topics);
  // The KIP's table: the same as round robin when nobody owns anything.
  assert.deepEqual(names(first), { C0: ['t0p0', 't1p1', 't3p0'], C1: ['t0p1', 't2p0', 't3p1'], C2: ['t1p0', 't2p1'] });

  const second = stickyAssignor.assign([eager('C0', all, names(first).C0!, 1), eager('C2', all, names(first).C2!, 1)], topics);
  // C0 and C2 keep everything; only C1's three partitions move.
  assert.deepEqual(names(second), { C0: ['t0p0', 't1p1', 't2p0', 't3p0'], C2: ['t0p1', 't1p0', 't2p1', 't3p1'] });
});

test('sticky: KIP-54 example 2, different subscriptions, then C0 leaves', () => {
  const topics = topicsOf({ t0: 1, t1: 2, t2: 3 });
  const first = stickyAssignor.assign([member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])], topics);
  assert.deepEqual(names(first), { C0: ['t0p0'], C1: ['t1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });

  const second = stickyAssignor.assign([eager('C1', ['t0', 't1'], names(first).C1!, 1), eager('C2', ['t0', 't1', 't2'], names(first).C2!, 1)], topics);
  // Round robin would reshuffle everything here; sticky moves only t0p0.
  assert.deepEqual(names(second), { C1: ['t0p0', 't1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });
});

test('sticky: StickyAssignorUserData v1 round trip; v0 (no generation) reads as generation -1; garbage as nothing', () => {
  const encoded = encodeStickyUserData(tps('bp0', 'ap1', 'ap0'), 7);
  assert.deepEqual(decodeStickyUserData(encoded), { partitions: tps('ap1', 'ap0', 'bp0'), generationId: 7 });
  // v0 is v1 without the trailing int32 generation.
  assert.deepEqual(decodeStickyUserData(encoded.subarray(0, encoded.length - 4)), { partitions: tps('ap1', 'ap0', 'bp0'), generationId: -1 });
  // Kafka's layout, byte for byte: [topic string, [int32]] then the generation.
  assert.deepEqual(
    [...encodeStickyUserData(tps('tp3'), 2)],
    [0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 2],
  );
  assert.equal(decodeStickyUserData(Buffer.from([0, 0, 0, 9, 1])), null);
  assert.equal(decodeStickyUserData(null), null);
  assert.equal(decodeStickyUserData(Buffer.alloc(0)), null);
});

test('sticky: subscriptionUserData carries the last assignment, falling back to ownedPartitions', () => {
  const own = { topics: ['t'], ownedPartitions: tps('tp1'), generationId: 4 };
  assert.deepEqual(decodeStickyUserData(stickyAssignor.subscriptionUserData(own)), { partitions: tps('tp1'), generationId: 4 });
  const revoked = { ...own, ownedPartitions: new Map(), previousAssignment: tps('tp0', 'tp2') };
  assert.deepEqual(decodeStickyUserData(stickyAssignor.subscriptionUserData(revoked)), { partitions: tps('tp0', 'tp2'), generationId: 4 });
});

test('sticky: previous ownership from ownedPartitions + generationId when a member reports them', () => {
  const topics = topicsOf({ t: 4 });
  const members = [
    member('a', ['t'], { ownedPartitions: tps('tp2', 'tp3'), generationId: 3 }),
    // userData says otherwise, but a member that reports ownedPartitions is taken at its word.
    member('b', ['t'], { ownedPartitions: tps('tp0', 'tp1'), generationId: 3, userData: encodeStickyUserData(tps('tp2', 'tp3'), 3) }),
  ];
  assert.deepEqual(names(stickyAssignor.assign(members, topics)), { a: ['tp2', 'tp3'], b: ['tp0', 'tp1'] });
});

test('sticky: the newer generation wins a partition claimed twice; claims from an older generation are dropped', () => {
  const topics = topicsOf({ t: 4 });
  // b missed generation 5 (it was kicked out and rejoined): its claims are stale, even tp1 and tp2
  // that nobody else claims, because a member of generation 5 may hold them without saying so.
  const members = [eager('a', ['t'], ['tp0'], 5), eager('b', ['t'], ['tp0', 'tp1', 'tp2'], 4)];
  const result = stickyAssignor.assign(members, topics);
  assert.deepEqual(names(result), { a: ['tp0', 'tp2'], b: ['tp1', 'tp3'] });

  // Same generation, same partition: neither claim is trusted, and nothing is assigned twice.
  const conflict = [eager('a', ['t'], ['tp0', 'tp1'], 5), eager('b', ['t'], ['tp1', 'tp2'], 5), eager('c', ['t'], [], 5)];
  const resolved = stickyAssignor.assign(conflict, topics);
  assertValid(resolved, conflict, topics, 'conflict');
  assertBalanced(resolved, conflict, 'conflict');
  // tp1 went to neither claimant: the empty member c took it.
  assert.deepEqual(names(resolved), { a: ['tp0', 'tp3'], b: ['tp2'], c: ['tp1'] });
});

test('sticky: claims on unsubscribed topics and vanished partitions are ignored', () => {
  const topics = topicsOf({ t: 2, u: 2 });
  const members = [eager('a', ['t'], ['tp0', 'tp1', 'up0', 'tp9'], 2), eager('b', ['t', 'u'], ['up1'], 2)];
  const result = stickyAssignor.assign(members, topics);
  assertValid(result, members, topics, 'filtered');
  assert.deepEqual(names(result), { a: ['tp0', 'tp1'], b: ['up0', 'up1'] });
});
