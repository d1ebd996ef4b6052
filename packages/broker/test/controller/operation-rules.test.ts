import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '@samsa/protocol';
import {
  cancelReassignment,
  completeReassignment,
  electForRequest,
  ElectionType,
  hasMovableLeadership,
  imbalancedPartitions,
  moveOffShuttingDown,
  planPartition,
  startReassignment,
} from '../../src/controller/operation-rules.js';
import type { PartitionState } from '../../src/metadata/keys.js';

const set = (...ids: number[]): Set<number> => new Set(ids);
const state = (leader: number, leaderEpoch: number, isr: number[], extra: Partial<PartitionState> = {}): PartitionState => ({ leader, leaderEpoch, isr, partitionEpoch: 3, controllerEpoch: 1, ...extra });

test('controlled shutdown: the leader hands over to the first replica in AR alive, in the ISR and not shutting down', () => {
  // AR order, not ISR order: 2 comes before 1 in AR.
  assert.deepEqual(moveOffShuttingDown([0, 2, 1], state(0, 4, [1, 0, 2]), set(0, 1, 2), set(0), 7), { leader: 2, leaderEpoch: 5, isr: [1, 2], partitionEpoch: 4, controllerEpoch: 7 });
  // 2 is shutting down too: 1 leads.
  assert.equal(moveOffShuttingDown([0, 2, 1], state(0, 4, [0, 1, 2]), set(0, 1, 2), set(0, 2), 7)!.leader, 1);
  // 2 is alive but not in the ISR: 1 leads.
  assert.equal(moveOffShuttingDown([0, 2, 1], state(0, 4, [0, 1]), set(0, 1, 2), set(0), 7)!.leader, 1);
});

test('controlled shutdown: a follower shutting down leaves the ISR; the leader keeps its epoch', () => {
  assert.deepEqual(moveOffShuttingDown([0, 1, 2], state(0, 4, [0, 1, 2]), set(0, 1, 2), set(2), 7), { leader: 0, leaderEpoch: 4, isr: [0, 1], partitionEpoch: 4, controllerEpoch: 7 });
  assert.equal(moveOffShuttingDown([0, 1, 2], state(0, 4, [0, 1]), set(0, 1, 2), set(2), 7), null);
});

test('controlled shutdown: with no other candidate (RF=1, or alone in the ISR) the leader stays and the shutdown is not held', () => {
  assert.equal(moveOffShuttingDown([0], state(0, 4, [0]), set(0, 1), set(0), 7), null);
  assert.equal(moveOffShuttingDown([0, 1], state(0, 4, [0]), set(0, 1), set(0), 7), null);
  assert.equal(hasMovableLeadership(0, [0], state(0, 4, [0]), set(0, 1), set(0)), false);
  assert.equal(hasMovableLeadership(0, [0, 1], state(0, 4, [0]), set(0, 1), set(0)), false);
  assert.equal(hasMovableLeadership(0, [0, 1], state(0, 4, [0, 1]), set(0, 1), set(0)), true);
  assert.equal(hasMovableLeadership(0, [0, 1], state(0, 4, [0, 1]), set(0, 1), set(0, 1)), false);
  assert.equal(hasMovableLeadership(0, [0, 1], state(1, 5, [1]), set(0, 1), set(0)), false);
});

test('preferred election: the first replica in AR leads when alive and in the ISR; Kafka error codes otherwise', () => {
  const elected = electForRequest(ElectionType.PREFERRED, [1, 0, 2], state(0, 4, [0, 1, 2]), set(0, 1, 2), set(), 7);
  assert.deepEqual(elected, { state: { leader: 1, leaderEpoch: 5, isr: [0, 1, 2], partitionEpoch: 4, controllerEpoch: 7 }, errorCode: 0 });
  assert.equal(electForRequest(ElectionType.PREFERRED, [1, 0], state(1, 4, [0, 1]), set(0, 1), set(), 7).errorCode, ErrorCode.ELECTION_NOT_NEEDED);
  assert.equal(electForRequest(ElectionType.PREFERRED, [1, 0], state(0, 4, [0]), set(0, 1), set(), 7).errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  assert.equal(electForRequest(ElectionType.PREFERRED, [1, 0], state(0, 4, [0, 1]), set(0), set(), 7).errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  assert.equal(electForRequest(ElectionType.PREFERRED, [1, 0], state(0, 4, [0, 1]), set(0, 1), set(1), 7).errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
});

test('unclean election: only for a partition with no live leader; the first live replica in AR, alone in the ISR', () => {
  assert.equal(electForRequest(ElectionType.UNCLEAN, [1, 0], state(0, 4, [0, 1]), set(0, 1), set(), 7).errorCode, ErrorCode.ELECTION_NOT_NEEDED);
  const clean = electForRequest(ElectionType.UNCLEAN, [2, 1, 0], state(-1, 4, [1, 2]), set(0, 1), set(), 7);
  assert.deepEqual(clean.state, { leader: 1, leaderEpoch: 5, isr: [1], partitionEpoch: 4, controllerEpoch: 7 });
  const unclean = electForRequest(ElectionType.UNCLEAN, [2, 1, 0], state(-1, 4, [2]), set(0, 1), set(), 7);
  assert.deepEqual(unclean.state, { leader: 1, leaderEpoch: 5, isr: [1], partitionEpoch: 4, controllerEpoch: 7 });
  assert.equal(electForRequest(ElectionType.UNCLEAN, [2, 1], state(-1, 4, [2]), set(0), set(), 7).errorCode, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
});

test('auto rebalance: a broker not leading more than the percentage of its preferred partitions gets them back', () => {
  const parts = new Map([
    ['a', { replicas: [0, 1], state: state(1, 2, [0, 1]) }],
    ['b', { replicas: [0, 1], state: state(0, 2, [0, 1]) }],
    ['c', { replicas: [1, 0], state: state(1, 2, [0, 1]) }],
    ['d', { replicas: [0, 1], state: state(1, 2, [1]) }], // 0 is not in the ISR: not electable
  ]);
  assert.deepEqual(imbalancedPartitions(parts, set(0, 1), set(), 10), ['a']);
  // 2 of 3 not led by broker 0 = 66%: below a 70% threshold nothing moves.
  assert.deepEqual(imbalancedPartitions(parts, set(0, 1), set(), 70), []);
  assert.deepEqual(imbalancedPartitions(parts, set(1), set(), 10), []);
  assert.deepEqual(imbalancedPartitions(parts, set(0, 1), set(0), 10), []);
});

test('reassignment [0,1] -> [1,2]: AR = target + removed, adding and removing kept; completes once 2 is in the ISR; leader 0 hands over to 1', () => {
  const started = startReassignment([0, 1], state(0, 4, [0, 1]), [1, 2], set(0, 1, 2), set(), 7);
  assert.deepEqual(started.replicas, [1, 2, 0]);
  assert.deepEqual(started.state, { leader: 0, leaderEpoch: 4, isr: [0, 1], partitionEpoch: 4, controllerEpoch: 7, addingReplicas: [2], removingReplicas: [0] });
  assert.equal(completeReassignment(started.replicas, started.state, set(0, 1, 2), set(), 7), null, '2 has not caught up');
  const caughtUp = { ...started.state, isr: [0, 1, 2] };
  const done = completeReassignment(started.replicas, caughtUp, set(0, 1, 2), set(), 8)!;
  assert.deepEqual(done.replicas, [1, 2]);
  assert.deepEqual(done.state, { leader: 1, leaderEpoch: 5, isr: [1, 2], partitionEpoch: 5, controllerEpoch: 8 });
});

test('reassignment: a leader that stays keeps its epoch; cancel goes back to the original replicas', () => {
  const started = startReassignment([1, 0], state(1, 4, [0, 1]), [1, 2], set(0, 1, 2), set(), 7);
  const done = completeReassignment(started.replicas, { ...started.state, isr: [0, 1, 2] }, set(0, 1, 2), set(), 7)!;
  assert.deepEqual([done.state.leader, done.state.leaderEpoch, done.replicas], [1, 4, [1, 2]]);
  const cancelled = cancelReassignment(started.replicas, { ...started.state, isr: [1, 0, 2] }, set(0, 1, 2), set(), 7);
  assert.deepEqual(cancelled.replicas, [1, 0]);
  assert.deepEqual(cancelled.state, { leader: 1, leaderEpoch: 4, isr: [1, 0], partitionEpoch: 5, controllerEpoch: 7 });
  // A new target replaces the one in progress, counted from the original replicas.
  const redirected = startReassignment(started.replicas, started.state, [3, 1], set(0, 1, 2, 3), set(), 7);
  assert.deepEqual([redirected.replicas, redirected.state.addingReplicas, redirected.state.removingReplicas], [[3, 1, 0], [3], [0]]);
});

test('planPartition: a reassignment completes and a shutting-down leader moves in the same pass', () => {
  const current = state(0, 4, [0, 1, 2], { addingReplicas: [2], removingReplicas: [0] });
  const plan = planPartition({ replicas: [1, 2, 0], current, live: set(0, 1, 2), restarted: set(), shuttingDown: set(1), unclean: false, controllerEpoch: 7 })!;
  assert.deepEqual(plan.replicas, [1, 2]);
  assert.equal(plan.state.leader, 2, '1 is shutting down, so the first of the target alive, in the ISR and staying is 2');
  assert.deepEqual(plan.state.isr, [2]);
  assert.equal(planPartition({ replicas: [0, 1], current: state(0, 4, [0, 1]), live: set(0, 1), restarted: set(), shuttingDown: set(), unclean: false, controllerEpoch: 7 }), null);
});
