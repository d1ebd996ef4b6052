import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSubscription, ErrorCode } from '@samsa/protocol';
import { ClassicGroup, type JoinRequest } from '../../../src/coordinator/group/classic-group.js';
import { ManualClock } from '../../../src/platform/clock.js';
import { ManualTimers } from '../../../src/platform/timers.js';

const LIMITS = { minSessionTimeoutMs: 100, maxSessionTimeoutMs: 60_000, initialRebalanceDelayMs: 0, maxSize: 10 };

function setup(limits = LIMITS) {
  const timers = new ManualTimers();
  const clock = new ManualClock();
  const group = new ClassicGroup('g', limits, timers, clock);
  return { timers, clock, group };
}

function req(memberId: string, protocols = ['range'], extra: Partial<JoinRequest> = {}): JoinRequest {
  return {
    memberId,
    groupInstanceId: null,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: protocols.map((name) => ({ name, metadata: Buffer.from(name) })),
    requireKnownMemberId: false,
    ...extra,
  };
}

/** Joins a new dynamic member through the KIP-394 handshake; returns its id and parked join. */
async function newMember(group: ClassicGroup, protocols = ['range']) {
  const first = await group.join(req('', protocols, { requireKnownMemberId: true }));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.notEqual(first.memberId, '');
  return { id: first.memberId, join: group.join(req(first.memberId, protocols, { requireKnownMemberId: true })) };
}

test('the first member to join leads, and the generation completes when all have joined', async () => {
  const { group } = setup();
  const a = await newMember(group);
  const ra = await a.join;
  assert.equal(ra.errorCode, 0);
  assert.equal(ra.leader, a.id);
  assert.equal(ra.generationId, 1);
  assert.equal(ra.members.length, 1);
  assert.equal(group.state, 'CompletingRebalance');
  const sa = await group.sync(a.id, null, 1, 'consumer', 'range', new Map([[a.id, Buffer.from('A')]]));
  assert.equal(sa.assignment.toString(), 'A');
  assert.equal(group.state, 'Stable');

  // A second member triggers a rebalance; the leader stays the leader.
  const b = await newMember(group);
  assert.equal(group.state, 'PreparingRebalance');
  assert.equal(group.heartbeat(a.id, null, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  const raJoin = group.join(req(a.id));
  const [r1, r2] = await Promise.all([raJoin, b.join]);
  assert.equal(r1.generationId, 2);
  assert.equal(r1.leader, a.id);
  assert.equal(r1.members.length, 2, 'the leader gets every member');
  assert.equal(r2.members.length, 0, 'followers get none');
  // The follower's SyncGroup parks until the leader's arrives.
  const follower = group.sync(b.id, null, 2, null, null, new Map());
  const leader = group.sync(a.id, null, 2, null, null, new Map([[a.id, Buffer.from('A2')], [b.id, Buffer.from('B2')]]));
  assert.equal((await follower).assignment.toString(), 'B2');
  assert.equal((await leader).assignment.toString(), 'A2');
  // A follower's SyncGroup after the leader's is answered at once.
  assert.equal((await group.sync(b.id, null, 2, null, null, new Map())).assignment.toString(), 'B2');
});

test('members voting [range, roundrobin] and [roundrobin] end up on roundrobin', async () => {
  const { group } = setup();
  const a = await newMember(group, ['range', 'roundrobin']);
  await a.join;
  await group.sync(a.id, null, 1, null, null, new Map());
  const b = await newMember(group, ['roundrobin']);
  const [ra] = await Promise.all([group.join(req(a.id, ['range', 'roundrobin'])), b.join]);
  assert.equal(ra.protocolName, 'roundrobin');
});

test('a member with no protocol in common is refused', async () => {
  const { group } = setup();
  const a = await newMember(group, ['range']);
  await a.join;
  const r = await group.join(req('', ['sticky'], { requireKnownMemberId: true }));
  assert.equal(r.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('when the leader leaves, another member leads the next generation', async () => {
  const { group } = setup();
  const a = await newMember(group);
  await a.join;
  await group.sync(a.id, null, 1, null, null, new Map());
  const b = await newMember(group);
  await Promise.all([group.join(req(a.id)), b.join]);
  assert.deepEqual(group.leave([{ memberId: a.id, groupInstanceId: null }]), [{ memberId: a.id, groupInstanceId: null, errorCode: 0 }]);
  const rb = await group.join(req(b.id));
  assert.equal(rb.leader, b.id);
  assert.equal(rb.generationId, 3);
});

test('a member that stops heartbeating is removed after its session timeout', async () => {
  const { group, timers } = setup();
  const a = await newMember(group);
  await a.join;
  await group.sync(a.id, null, 1, null, null, new Map());
  const b = await newMember(group);
  await Promise.all([group.join(req(a.id)), b.join]);
  await Promise.all([group.sync(a.id, null, 2, null, null, new Map()), group.sync(b.id, null, 2, null, null, new Map())]);
  // a keeps heartbeating; b goes silent.
  for (let t = 0; t < 12; t++) {
    timers.advance(1000);
    if (group.state === 'Stable') assert.equal(group.heartbeat(a.id, null, 2), 0);
  }
  assert.equal(group.members.has(b.id), false);
  assert.equal(group.heartbeat(b.id, null, 2), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('members that do not rejoin within the rebalance timeout are dropped', async () => {
  const { group, timers } = setup();
  const a = await newMember(group);
  await a.join;
  await group.sync(a.id, null, 1, null, null, new Map());
  const b = await newMember(group);
  // a keeps heartbeating but never rejoins: after 30 s (the rebalance timeout) the
  // generation forms without it.
  for (let t = 0; t < 6; t++) {
    assert.equal(group.heartbeat(a.id, null, 1), ErrorCode.REBALANCE_IN_PROGRESS);
    timers.advance(5_000);
  }
  const rb = await b.join;
  assert.equal(rb.errorCode, 0);
  assert.equal(rb.leader, b.id);
  assert.deepEqual([...group.members.keys()], [b.id]);
});

test('a static member restarting within its session timeout rejoins without a rebalance', async () => {
  const { group } = setup();
  const s = { groupInstanceId: 'instance-1' };
  const r1 = await group.join(req('', ['range'], s));
  await group.sync(r1.memberId, 'instance-1', 1, null, null, new Map([[r1.memberId, Buffer.from('S')]]));
  assert.equal(group.state, 'Stable');
  const r2 = await group.join(req('', ['range'], s));
  assert.equal(r2.errorCode, 0);
  assert.notEqual(r2.memberId, r1.memberId);
  assert.equal(r2.generationId, 1, 'same generation: no rebalance');
  assert.equal(group.state, 'Stable');
  assert.equal((await group.sync(r2.memberId, 'instance-1', 1, null, null, new Map())).assignment.toString(), 'S');
  // The old incarnation is fenced.
  assert.equal(group.heartbeat(r1.memberId, 'instance-1', 1), ErrorCode.FENCED_INSTANCE_ID);
});

test('commits: unknown members, stale generations and standalone commits', async () => {
  const { group } = setup();
  assert.equal(group.validateCommit('', null, -1), 0, 'an empty group takes admin commits');
  const a = await newMember(group);
  await a.join;
  assert.equal(group.validateCommit('nobody', null, 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(group.validateCommit(a.id, null, 0), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(group.state, 'CompletingRebalance');
  assert.equal(group.validateCommit(a.id, null, 1), ErrorCode.REBALANCE_IN_PROGRESS, 'no commit before SyncGroup hands out the assignment');
  await group.sync(a.id, null, 1, null, null, new Map());
  assert.equal(group.validateCommit(a.id, null, 1), 0, 'Stable');
  await newMember(group);
  assert.equal(group.state, 'PreparingRebalance');
  assert.equal(group.validateCommit(a.id, null, 1), 0, 'a current-generation member may commit during a rebalance');
  assert.equal((await group.sync(a.id, null, 1, null, null, new Map())).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
});

test('group.max.size bounds a flood of joins', async () => {
  const { group } = setup({ ...LIMITS, maxSize: 3 });
  const results = [];
  for (let i = 0; i < 5; i++) results.push(await group.join(req('', ['range'], { requireKnownMemberId: true })));
  assert.deepEqual(
    results.map((r) => r.errorCode),
    [ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.GROUP_MAX_SIZE_REACHED, ErrorCode.GROUP_MAX_SIZE_REACHED],
  );
});

test('session timeouts outside the broker limits are refused', async () => {
  const { group } = setup();
  assert.equal((await group.join(req('', ['range'], { sessionTimeoutMs: 10 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
});

/**
 * Regression: the group did not record when it entered a state, so offset expiry could not
 * count an Empty group's retention from the moment it emptied (Kafka's currentStateTimestamp);
 * and it kept no subscribed topics for KIP-496's rule on live groups.
 */
test('the group records when it became Empty, and the topics its generation subscribes to', async () => {
  const { group, clock } = setup();
  const sub = encodeSubscription({ topics: ['x', 'y'], userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0);
  const first = await group.join({ ...req('', ['range']), protocols: [{ name: 'range', metadata: sub }] });
  assert.equal(first.errorCode, 0);
  assert.equal(group.state, 'CompletingRebalance');
  assert.deepEqual([...group.subscribedTopics!].sort(), ['x', 'y']);
  clock.advance(5_000);
  const emptiedAt = clock.now();
  assert.deepEqual(group.leave([{ memberId: first.memberId, groupInstanceId: null }]), [{ memberId: first.memberId, groupInstanceId: null, errorCode: 0 }]);
  assert.equal(group.state, 'Empty');
  assert.equal(group.currentStateTimestamp, emptiedAt);
  assert.equal(group.subscribedTopics, null, 'nobody subscribes to anything');
});

test('metadata that is not a consumer subscription leaves the subscribed topics unknown', async () => {
  const { group } = setup();
  assert.equal((await group.join(req(''))).errorCode, 0);
  assert.equal(group.subscribedTopics, null);
});

/**
 * Regression: an Empty group kept the protocol type of its last members, so a group id reused
 * by another kind of client (a "connect" worker after consumers) took its first member and
 * refused the second with INCONSISTENT_GROUP_PROTOCOL. Kafka's GroupMetadata.add takes the
 * protocol type from the first member of an empty group.
 */
test('the first member of an empty group sets its protocol type', async () => {
  const { group } = setup();
  const a = await group.join(req(''));
  group.leave([{ memberId: a.memberId, groupInstanceId: null }]);
  assert.equal(group.state, 'Empty');
  assert.equal(group.protocolType, 'consumer');
  const b = await group.join(req('', ['default'], { protocolType: 'connect' }));
  assert.equal(b.errorCode, 0);
  assert.equal(group.protocolType, 'connect');
  // A second worker joins; the first rejoins for the new generation.
  const c = group.join(req('', ['default'], { protocolType: 'connect' }));
  const b2 = group.join(req(b.memberId, ['default'], { protocolType: 'connect' }));
  assert.deepEqual([(await c).errorCode, (await b2).errorCode], [0, 0]);
});

/** A two-member group at generation 2, each member's JoinGroup answered; writes wait for the test. */
async function twoMembers() {
  const { group } = setup();
  const writes: Array<(errorCode: number) => void> = [];
  group.onStable = () => new Promise((resolve) => writes.push(resolve));
  const a = await newMember(group);
  await a.join;
  const first = group.sync(a.id, null, 1, null, null, new Map());
  await new Promise((r) => setImmediate(r));
  writes.shift()!(0);
  assert.equal((await first).errorCode, 0);
  const b = await newMember(group);
  const [ja] = await Promise.all([group.join(req(a.id)), b.join]);
  assert.equal(ja.generationId, 2);
  return { group, writes, leaderId: a.id, followerId: b.id };
}

test("the leader's SyncGroup waits for the group's write; a failed write answers every waiting member with its error and the group rebalances (Kafka's doSyncGroup)", async () => {
  const { group, writes, leaderId, followerId } = await twoMembers();
  const follower = group.sync(followerId, null, 2, null, null, new Map());
  const leader = group.sync(leaderId, null, 2, null, null, new Map([[leaderId, Buffer.from('L')], [followerId, Buffer.from('F')]]));
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 1, 'the leader stored the generation');
  assert.equal(group.state, 'CompletingRebalance', 'not Stable before the write is acknowledged');
  writes.shift()!(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal((await leader).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal((await follower).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(group.state, 'PreparingRebalance');
  assert.equal(group.heartbeat(followerId, null, 2), ErrorCode.REBALANCE_IN_PROGRESS, 'members keep their ids and generation: they rejoin with them');

  // Both rejoin with their ids; the next generation is stored and only then handed out.
  const [j3] = await Promise.all([group.join(req(leaderId)), group.join(req(followerId))]);
  assert.equal(j3.generationId, 3);
  const follower3 = group.sync(followerId, null, 3, null, null, new Map());
  const leader3 = group.sync(leaderId, null, 3, null, null, new Map([[leaderId, Buffer.from('L3')], [followerId, Buffer.from('F3')]]));
  await new Promise((r) => setImmediate(r));
  writes.shift()!(0);
  assert.equal((await leader3).assignment.toString(), 'L3');
  assert.equal((await follower3).assignment.toString(), 'F3');
  assert.equal(group.state, 'Stable');
});

test('a write that completes after the group moved on (a member left meanwhile) changes nothing', async () => {
  const { group, writes, leaderId, followerId } = await twoMembers();
  const leader = group.sync(leaderId, null, 2, null, null, new Map());
  await new Promise((r) => setImmediate(r));
  group.leave([{ memberId: followerId, groupInstanceId: null }]);
  assert.equal((await leader).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(group.state, 'PreparingRebalance');
  writes.shift()!(0);
  await new Promise((r) => setImmediate(r));
  assert.equal(group.state, 'PreparingRebalance', 'the late write does not make the old generation Stable');
});
