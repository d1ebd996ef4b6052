import { test } from 'node:test';
import assert from 'node:assert/strict';
import { electLeader, initialPartitionState, nextPartitionState, nextPartitionStateAfterRestarts } from '../../src/controller/elections.js';
import type { PartitionState } from '../../src/metadata/keys.js';

const live = (...ids: number[]): Set<number> => new Set(ids);
const state = (leader: number, leaderEpoch: number, isr: number[]): PartitionState => ({ leader, leaderEpoch, isr, partitionEpoch: 3, controllerEpoch: 1 });

test('the leader is the first replica in AR order that is alive and in the ISR, not the first in ISR order', () => {
  assert.equal(electLeader([3, 1, 2], [2, 1, 3], live(1, 2, 3), false), 3);
  assert.equal(electLeader([3, 1, 2], [2, 1], live(1, 2, 3), false), 1); // 3 is alive but not in the ISR
  assert.equal(electLeader([3, 1, 2], [2, 1, 3], live(2), false), 2); // 3 and 1 are dead
  assert.equal(electLeader([3, 1, 2], [3], live(1, 2), false), -1); // no live ISR member: offline
  assert.equal(electLeader([3, 1, 2], [3], live(1, 2), true), 1); // unclean: first live replica in AR
  assert.equal(electLeader([3, 1, 2], [3], live(), true), -1);
});

test('a new partition is led by its first live replica in AR, alone in the ISR until followers catch up', () => {
  assert.deepEqual(initialPartitionState([2, 0, 1], live(0, 1, 2), 4), { leader: 2, leaderEpoch: 0, isr: [2], partitionEpoch: 0, controllerEpoch: 4 });
  assert.deepEqual(initialPartitionState([2, 0, 1], live(0, 1), 4).leader, 0);
  // Nothing is written yet, so with no live replica every one of them may lead first.
  assert.deepEqual(initialPartitionState([2, 0], live(1), 4), { leader: -1, leaderEpoch: 0, isr: [2, 0], partitionEpoch: 0, controllerEpoch: 4 });
});

test('a live leader keeps its epoch; dead followers leave the ISR', () => {
  assert.equal(nextPartitionState([1, 2, 3], state(1, 5, [1, 2, 3]), live(1, 2, 3), false, 2), null);
  assert.deepEqual(nextPartitionState([1, 2, 3], state(1, 5, [1, 2, 3]), live(1, 3), false, 2), { leader: 1, leaderEpoch: 5, isr: [1, 3], partitionEpoch: 4, controllerEpoch: 2 });
});

test('a dead leader is replaced by the first live ISR member in AR order, with the leader epoch bumped', () => {
  assert.deepEqual(nextPartitionState([1, 2, 3], state(1, 5, [3, 2, 1]), live(2, 3), false, 2), { leader: 2, leaderEpoch: 6, isr: [3, 2], partitionEpoch: 4, controllerEpoch: 2 });
});

test('with no live ISR member the partition goes offline and keeps its ISR, and the ISR member that returns leads again', () => {
  const offline = nextPartitionState([1, 2], state(1, 5, [1]), live(2), false, 2)!;
  assert.deepEqual(offline, { leader: -1, leaderEpoch: 6, isr: [1], partitionEpoch: 4, controllerEpoch: 2 });
  assert.equal(nextPartitionState([1, 2], offline, live(2), false, 2), null); // stays offline: 2 is not in the ISR
  assert.deepEqual(nextPartitionState([1, 2], offline, live(1, 2), false, 3), { leader: 1, leaderEpoch: 7, isr: [1], partitionEpoch: 5, controllerEpoch: 3 });
});

test('unclean.leader.election.enable takes the first live replica in AR, which becomes the whole ISR', () => {
  assert.deepEqual(nextPartitionState([1, 3, 2], state(1, 5, [1]), live(2, 3), true, 2), { leader: 3, leaderEpoch: 6, isr: [3], partitionEpoch: 4, controllerEpoch: 2 });
});

test('a broker restarted within its session: the partitions it led get a new leader and epoch, and it leaves every ISR', () => {
  const restarted = live(1);
  // It led with others in sync: the next ISR member in AR order takes over.
  const moved = nextPartitionStateAfterRestarts([1, 2, 3], state(1, 4, [1, 2, 3]), live(1, 2, 3), restarted, false, 2)!;
  assert.equal(moved.leader, 2);
  assert.equal(moved.leaderEpoch, 5);
  assert.deepEqual(moved.isr, [2, 3]);
  // It was the last in-sync replica: it leads again, under a new epoch (two bumps: offline, then back).
  const again = nextPartitionStateAfterRestarts([1, 2, 3], state(1, 4, [1]), live(1, 2, 3), restarted, false, 2)!;
  assert.equal(again.leader, 1);
  assert.ok(again.leaderEpoch > 4);
  // A follower in the ISR: out of it, the leader and its epoch unchanged.
  const follower = nextPartitionStateAfterRestarts([2, 1, 3], state(2, 4, [2, 1, 3]), live(1, 2, 3), restarted, false, 2)!;
  assert.equal(follower.leader, 2);
  assert.equal(follower.leaderEpoch, 4);
  assert.deepEqual(follower.isr, [2, 3]);
  // Partitions it has nothing to do with are left alone.
  assert.equal(nextPartitionStateAfterRestarts([2, 3], state(2, 4, [2, 3]), live(1, 2, 3), restarted, false, 2), null);
});
