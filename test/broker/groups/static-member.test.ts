/**
 * Static membership (KIP-345) over the raw protocol against the broker process. A member
 * with a group.instance.id that restarts (a new connection, JoinGroup with no member id)
 * within its session timeout gets a new member id in the *same* generation with its old
 * assignment, the other members are not asked to rebalance, and the old member id is
 * fenced. One that stays away longer than its session timeout is removed, and the group
 * rebalances without it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAssignment, ErrorCode } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { assignment, describeGroup, name, RawMember, type MemberOptions } from '../../helpers/raw-group.js';

const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1_000 };
const TEST_TIMEOUT_MS = 30_000;

const partitionsOf = (buf: Buffer): number[] => decodeAssignment(buf).assignedPartitions.flatMap((p) => p.partitions);

/** a (static, joins first and leads) and b form generation 2: a gets partition 0, b partition 1. */
async function twoMembers(t: { after(fn: () => unknown): void }, port: number, groupId: string, a: Partial<MemberOptions>, b: Partial<MemberOptions>): Promise<[RawMember, RawMember]> {
  const ma = await RawMember.open(t, port, { groupId, clientId: 'a', ...a });
  const mb = await RawMember.open(t, port, { groupId, clientId: 'b', ...b });
  await ma.client.createTopic('t', 2);
  await ma.join();
  await ma.sync(new Map([[ma.memberId, assignment('t', [0, 1])]]));
  const jb = mb.join();
  await waitFor('a to be told of the rebalance', 5_000, async () => ((await ma.heartbeat()) === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined));
  await Promise.all([ma.join(), jb]);
  assert.equal(ma.generationId, 2);
  assert.equal(ma.lastJoin!.leader, ma.memberId);
  const [sb, sa] = await Promise.all([
    mb.sync(),
    ma.sync(
      new Map([
        [ma.memberId, assignment('t', [0])],
        [mb.memberId, assignment('t', [1])],
      ]),
    ),
  ]);
  assert.deepEqual(partitionsOf(sa.assignment), [0]);
  assert.deepEqual(partitionsOf(sb.assignment), [1]);
  return [ma, mb];
}

test('a static member that restarts within its session timeout rejoins the same generation, with no rebalance', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const port = broker.current.port;
  const groupId = 'static-restart';
  const [a, b] = await twoMembers(t, port, groupId, { groupInstanceId: 'inst-a', sessionTimeoutMs: 10_000 }, { groupInstanceId: 'inst-b', sessionTimeoutMs: 10_000 });
  const generation = a.generationId;

  // The leader restarts: its connection goes, no LeaveGroup; a new process joins with the same instance id.
  await a.client.close();
  const a2 = await RawMember.open(t, port, { groupId, clientId: 'a', groupInstanceId: 'inst-a', sessionTimeoutMs: 10_000 });
  const ra2 = await a2.joinOnce();
  assert.equal(ra2.errorCode, 0, name(ra2.errorCode));
  assert.equal(ra2.generationId, generation, 'the generation does not change');
  assert.notEqual(a2.memberId, a.memberId, 'the restarted member gets a new member id');
  assert.equal(ra2.leader, a2.memberId, 'it still leads, under its new id');
  const sa2 = await a2.sync(new Map([[a2.memberId, assignment('t', [0, 1])]]));
  assert.equal(sa2.errorCode, 0, name(sa2.errorCode));
  assert.deepEqual(partitionsOf(sa2.assignment), [0], 'it gets its old assignment back (a leader cannot reassign a stable generation)');

  // b is not asked to rejoin, and keeps its generation and assignment.
  assert.equal(await b.heartbeat(), 0, 'b is not told to rebalance');
  const sb = await b.sync();
  assert.equal(sb.errorCode, 0);
  assert.deepEqual(partitionsOf(sb.assignment), [1]);
  assert.equal(await b.commit('t', 1, 5n), 0, 'b commits at its generation');

  const described = await describeGroup(b.client, groupId);
  assert.equal(described.groupState, 'Stable');
  assert.deepEqual(
    described.members.map((m) => [m.groupInstanceId, m.memberId]).sort(),
    [
      ['inst-a', a2.memberId],
      ['inst-b', b.memberId],
    ],
  );

  // The old member id is fenced.
  const stale = a2.impersonate({ memberId: a.memberId });
  assert.equal(await stale.heartbeat(), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(await stale.commit('t', 0, 1n), ErrorCode.FENCED_INSTANCE_ID);

  // A follower restarting works the same way, with no member list.
  await b.client.close();
  const b2 = await RawMember.open(t, port, { groupId, clientId: 'b', groupInstanceId: 'inst-b', sessionTimeoutMs: 10_000 });
  const rb2 = await b2.joinOnce();
  assert.equal(rb2.errorCode, 0, name(rb2.errorCode));
  assert.equal(rb2.generationId, generation);
  assert.equal(rb2.leader, a2.memberId);
  assert.equal(rb2.members.length, 0);
  assert.deepEqual(partitionsOf((await b2.sync()).assignment), [1]);
  assert.equal(await a2.heartbeat(), 0, 'the leader is not told to rebalance either');
});

test('a static member away longer than its session timeout is removed; the group rebalances without it, and again when it returns', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const port = broker.current.port;
  const groupId = 'static-expired';
  const [a, b] = await twoMembers(t, port, groupId, { groupInstanceId: 'inst-a', sessionTimeoutMs: 1_500 }, { sessionTimeoutMs: 30_000 });
  await a.client.close();

  // b heartbeats until it is told to rebalance (a's session expired), then rejoins alone.
  const started = Date.now();
  await waitFor("a's session to expire", 5_000, async () => ((await b.heartbeat()) === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined), 200);
  assert.ok(Date.now() - started >= 1_000, 'not before the session timeout');
  const rb = await b.join();
  assert.equal(rb.generationId, 3);
  assert.equal(rb.leader, b.memberId, 'b leads once a is gone');
  assert.deepEqual(rb.members.map((m) => m.memberId), [b.memberId]);
  await b.sync(new Map([[b.memberId, assignment('t', [0, 1])]]));

  // a comes back as a new member: a rebalance, generation 4.
  const a2 = await RawMember.open(t, port, { groupId, clientId: 'a', groupInstanceId: 'inst-a', sessionTimeoutMs: 1_500 });
  const ja2 = a2.join();
  await waitFor('b to be told of the rebalance', 5_000, async () => ((await b.heartbeat()) === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined));
  const [ra2, rb2] = await Promise.all([ja2, b.join()]);
  assert.equal(ra2.generationId, 4);
  assert.equal(rb2.generationId, 4);
});
