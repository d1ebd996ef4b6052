/**
 * The group coordinator's choices, seen over the raw protocol against the broker process:
 * the first member to join leads, a leader that leaves is replaced by a remaining member,
 * and the protocol is the one all members support that most of them prefer. Each scenario
 * runs with the newest versions and with the old ones kafka-python sends (JoinGroup v2,
 * SyncGroup v1, Heartbeat v1, LeaveGroup v1: no KIP-394 member-id round trip).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAssignment, ErrorCode } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { assignment, describeGroup, name, type GroupVersions, RawMember, type MemberOptions } from '../../helpers/raw-group.js';

const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0 };
const TEST_TIMEOUT_MS = 30_000;

const VERSIONS: Array<{ label: string; versions: Partial<GroupVersions> }> = [
  { label: 'newest versions', versions: {} },
  { label: "kafka-python's versions", versions: { join: 2, sync: 1, heartbeat: 1, leave: 1, offsetCommit: 2, describeGroups: 1 } },
];

/** Waits until a stable member's heartbeat says a rebalance started (it must rejoin). */
async function untilRebalance(m: RawMember): Promise<void> {
  await waitFor(`a rebalance announced to ${m.memberId}`, 5_000, async () => ((await m.heartbeat()) === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined));
}

/** Everyone syncs at the current generation, the leader with one partition each; returns each member's assignment. */
async function syncAll(leader: RawMember, others: RawMember[]): Promise<Map<string, number[]>> {
  const all = [leader, ...others];
  const plan = new Map(all.map((m, i) => [m.memberId, assignment('t', [i])]));
  const results = await Promise.all([...others.map((m) => m.sync()), leader.sync(plan)]);
  const out = new Map<string, number[]>();
  for (const [i, r] of results.entries()) {
    assert.equal(r.errorCode, 0, `SyncGroup: ${name(r.errorCode)}`);
    const m = i < others.length ? others[i]! : leader;
    out.set(m.memberId, decodeAssignment(r.assignment).assignedPartitions.flatMap((p) => p.partitions));
  }
  return out;
}

for (const { label, versions } of VERSIONS) {
  test(`the first joiner leads, and when the leader leaves another member leads (${label})`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const broker = await startBrokerFor(t, { overrides: OVERRIDES });
    const o: MemberOptions = { groupId: `leaders-${versions.join ?? 'new'}`, versions };
    const a = await RawMember.open(t, broker.current.port, { ...o, clientId: 'a' });
    const b = await RawMember.open(t, broker.current.port, { ...o, clientId: 'b' });
    const c = await RawMember.open(t, broker.current.port, { ...o, clientId: 'c' });

    const ra = await a.join();
    assert.equal(ra.generationId, 1);
    assert.equal(ra.leader, a.memberId, 'the first member to join leads');
    assert.deepEqual(ra.members.map((m) => m.memberId), [a.memberId]);
    await syncAll(a, []);

    // b and c arrive; a learns of the rebalance by heartbeat and rejoins.
    const joins = [b.join(), c.join()];
    await untilRebalance(a);
    const [ra2, rb, rc] = await Promise.all([a.join(), ...joins]);
    for (const r of [ra2!, rb!, rc!]) {
      assert.equal(r.generationId, 2);
      assert.equal(r.leader, a.memberId, 'the first joiner still leads after others join');
    }
    assert.deepEqual(new Set(ra2!.members.map((m) => m.memberId)), new Set([a.memberId, b.memberId, c.memberId]), 'the leader is told every member');
    assert.equal(rb!.members.length, 0, 'a follower is told no members');
    assert.equal(rc!.members.length, 0);
    const given = await syncAll(a, [b, c]);
    assert.deepEqual([...given.values()].sort(), [[0], [1], [2]], 'each member gets what the leader assigned it');

    // The leader leaves; the others rejoin and one of them leads generation 3.
    assert.equal(await a.leave(), 0);
    await untilRebalance(b);
    const [rb3, rc3] = await Promise.all([b.join(), c.join()]);
    assert.equal(rb3!.generationId, 3);
    assert.equal(rc3!.generationId, 3);
    assert.equal(rb3!.leader, rc3!.leader, 'both members are told the same leader');
    const leader = rb3!.leader === b.memberId ? b : c;
    const follower = leader === b ? c : b;
    assert.ok(rb3!.leader === b.memberId || rb3!.leader === c.memberId, `the new leader ${rb3!.leader} is a remaining member`);
    assert.equal(leader.lastJoin!.members.length, 2, 'the new leader is told both members');
    assert.equal(follower.lastJoin!.members.length, 0);
    await syncAll(leader, [follower]);
    const described = await describeGroup(a.client, o.groupId, a.v.describeGroups);
    assert.equal(described.groupState, 'Stable');
    assert.deepEqual(new Set(described.members.map((m) => m.memberId)), new Set([b.memberId, c.memberId]));
  });

  test(`members with [range, roundrobin] and [roundrobin] end up on roundrobin (${label})`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const broker = await startBrokerFor(t, { overrides: OVERRIDES });
    const groupId = `protocols-${versions.join ?? 'new'}`;
    const port = broker.current.port;
    const a = await RawMember.open(t, port, { groupId, versions, protocols: ['range', 'roundrobin'] });
    const b = await RawMember.open(t, port, { groupId, versions, protocols: ['roundrobin'] });

    const ra = await a.join();
    assert.equal(ra.protocolName, 'range', 'alone, a gets its first choice');
    await syncAll(a, []);
    const jb = b.join();
    await untilRebalance(a);
    const [ra2, rb] = await Promise.all([a.join(), jb]);
    assert.equal(ra2.protocolName, 'roundrobin', 'range is not supported by every member');
    assert.equal(rb.protocolName, 'roundrobin');
    await syncAll(a, [b]);
    const described = await describeGroup(a.client, groupId, a.v.describeGroups);
    assert.equal(described.protocolData, 'roundrobin');

    // A third member that only speaks range cannot join a group that has settled on
    // protocols it does not share with b.
    const c = await RawMember.open(t, port, { groupId, versions, protocols: ['range'] });
    const rc = await c.joinOnce();
    assert.equal(rc.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, name(rc.errorCode));
  });
}

test('with several common protocols, the one most members prefer wins', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { ...OVERRIDES, 'group.initial.rebalance.delay.ms': 500 } });
  const groupId = 'votes';
  const port = broker.current.port;
  // The first member prefers range, the two others roundrobin: roundrobin wins 2 to 1.
  const members = await Promise.all([
    RawMember.open(t, port, { groupId, protocols: ['range', 'roundrobin'] }),
    RawMember.open(t, port, { groupId, protocols: ['roundrobin', 'range'] }),
    RawMember.open(t, port, { groupId, protocols: ['roundrobin', 'range'] }),
  ]);
  // The initial rebalance delay lets all three form the first generation together; the
  // first to join leads it.
  const first = await members[0]!.joinOnce();
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const results = await Promise.all([members[0]!.join(), members[1]!.join(), members[2]!.join()]);
  for (const r of results) {
    assert.equal(r.generationId, 1);
    assert.equal(r.protocolName, 'roundrobin');
    assert.equal(r.leader, members[0]!.memberId, 'the first member to join leads the first generation');
  }
});
