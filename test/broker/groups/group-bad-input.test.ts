/**
 * Bad group input over the raw protocol against the broker process: commits from members
 * the group does not know or from an old generation, SyncGroup and Heartbeat while the
 * group is rebalancing, bad group ids, session timeouts outside the broker's bounds, and a
 * flood of joins against group.max.size. Each answer must be Kafka's error code, and the
 * group must keep working for its real members afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, type FindCoordinator, type JoinGroup } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { openClient, type RawClient } from '../../helpers/raw-client.js';
import { commitOffset, describeGroup, fetchOffset, findCoordinator, GV, name, RawMember } from '../../helpers/raw-group.js';

const MAX_SIZE = 10;
const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0, 'group.max.size': MAX_SIZE };
const TEST_TIMEOUT_MS = 30_000;
const TOPIC = 'bad-input';

async function setup(t: { after(fn: () => unknown): void }): Promise<{ port: number; c: RawClient }> {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const c = await openClient(t, broker.current.port, 'bad-input');
  await c.createTopic(TOPIC, 2);
  return { port: broker.current.port, c };
}

/** A group with one stable member (generation 1). */
async function stableGroup(t: { after(fn: () => unknown): void }, port: number, groupId: string, extra: Partial<Parameters<typeof RawMember.open>[2]> = {}): Promise<RawMember> {
  const a = await RawMember.open(t, port, { groupId, topics: [TOPIC], ...extra });
  await a.join();
  const s = await a.sync(new Map([[a.memberId, Buffer.alloc(0)]]));
  assert.equal(s.errorCode, 0, name(s.errorCode));
  return a;
}

test('OffsetCommit from an unknown member or an old generation is refused; the current generation commits', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { port, c } = await setup(t);
  const groupId = 'commits';
  const a = await stableGroup(t, port, groupId);
  assert.equal(a.generationId, 1);

  for (const v of [2, 5, GV.offsetCommit]) {
    const unknown = await commitOffset(c, { groupId, generationId: a.generationId, memberId: 'nobody-0000', topic: TOPIC, partition: 0, offset: 5n }, v);
    assert.equal(unknown, ErrorCode.UNKNOWN_MEMBER_ID, `unknown member, v${v}: ${name(unknown)}`);
    const stale = await commitOffset(c, { groupId, generationId: a.generationId - 1, memberId: a.memberId, topic: TOPIC, partition: 0, offset: 5n }, v);
    assert.equal(stale, ErrorCode.ILLEGAL_GENERATION, `stale generation, v${v}: ${name(stale)}`);
    const future = await commitOffset(c, { groupId, generationId: a.generationId + 1, memberId: a.memberId, topic: TOPIC, partition: 0, offset: 5n }, v);
    assert.equal(future, ErrorCode.ILLEGAL_GENERATION, `future generation, v${v}: ${name(future)}`);
  }
  // A standalone commit (generation -1, no member) is for empty groups only.
  const standalone = await commitOffset(c, { groupId, generationId: -1, memberId: '', topic: TOPIC, partition: 0, offset: 5n });
  assert.equal(standalone, ErrorCode.UNKNOWN_MEMBER_ID, name(standalone));
  assert.deepEqual(await fetchOffset(c, groupId, TOPIC, 0), { errorCode: 0, offset: -1n }, 'no refused commit was stored');

  assert.equal(await a.commit(TOPIC, 0, 7n), 0);
  assert.deepEqual(await fetchOffset(c, groupId, TOPIC, 0), { errorCode: 0, offset: 7n });

  // After the next generation forms, a commit at the old one is stale.
  const b = await RawMember.open(t, port, { groupId, topics: [TOPIC] });
  const jb = b.join();
  await waitFor('a rebalance announced to a', 5_000, async () => ((await a.heartbeat()) === ErrorCode.REBALANCE_IN_PROGRESS ? true : undefined));
  // While the group prepares the rebalance, a member of the current generation may still
  // commit (librdkafka commits in its revoke callback).
  assert.equal(await a.commit(TOPIC, 0, 8n), 0, 'a commit during PreparingRebalance from the current generation');
  const oldGeneration = a.generationId;
  await Promise.all([a.join(), jb]);
  assert.equal(a.generationId, oldGeneration + 1);
  assert.equal(await a.commit(TOPIC, 0, 9n, oldGeneration), ErrorCode.ILLEGAL_GENERATION);
  assert.deepEqual(await fetchOffset(c, groupId, TOPIC, 0), { errorCode: 0, offset: 8n });
});

test('SyncGroup and Heartbeat during a rebalance get REBALANCE_IN_PROGRESS', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { port } = await setup(t);
  const groupId = 'rebalancing';
  const a = await stableGroup(t, port, groupId);
  const b = await RawMember.open(t, port, { groupId, topics: [TOPIC] });
  const jb = b.join(); // parks: the group is PreparingRebalance until a rejoins
  await waitFor('the group to prepare a rebalance', 5_000, async () => ((await describeGroup(a.client, groupId)).groupState === 'PreparingRebalance' ? true : undefined));

  const hb = await a.heartbeat();
  assert.equal(hb, ErrorCode.REBALANCE_IN_PROGRESS, `Heartbeat: ${name(hb)}`);
  for (const v of [0, 3, GV.sync]) {
    const s = await a.impersonate({ versions: { sync: v } }).sync();
    assert.equal(s.errorCode, ErrorCode.REBALANCE_IN_PROGRESS, `SyncGroup v${v} during PreparingRebalance: ${name(s.errorCode)}`);
  }
  // The rebalance still completes, and the heartbeat is clean again in the new generation.
  const [ra2] = await Promise.all([a.join(), jb]);
  assert.equal(ra2.generationId, 2);
  await Promise.all([b.sync(), a.sync(new Map())]);
  assert.equal(await a.heartbeat(), 0);
  assert.equal(await b.heartbeat(), 0);
  assert.equal(await a.heartbeat(1), ErrorCode.ILLEGAL_GENERATION, 'a heartbeat at the old generation');
  assert.equal(await b.impersonate({ memberId: 'nobody-1' }).heartbeat(), ErrorCode.UNKNOWN_MEMBER_ID, 'a heartbeat from an unknown member');
});

test('an empty or 250-character group id is refused with INVALID_GROUP_ID', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { c } = await setup(t);
  await findCoordinator(c, 'any'); // creates __consumer_offsets
  const join = (groupId: string, v: number): Promise<JoinGroup.JoinGroupResponse> =>
    c.request(ApiKey.JoinGroup, v, {
      groupId,
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
  for (const groupId of ['', 'g'.repeat(250)]) {
    const label = groupId === '' ? 'empty' : '250 chars';
    for (const v of [0, 2, 5, GV.join]) {
      const r = await join(groupId, v);
      assert.equal(r.errorCode, ErrorCode.INVALID_GROUP_ID, `JoinGroup v${v}, ${label}: ${name(r.errorCode)}`);
    }
    const commit = await commitOffset(c, { groupId, generationId: -1, memberId: '', topic: TOPIC, partition: 0, offset: 1n });
    assert.equal(commit, ErrorCode.INVALID_GROUP_ID, `OffsetCommit, ${label}: ${name(commit)}`);
    const fetched = await fetchOffset(c, groupId, TOPIC, 0);
    assert.equal(fetched.errorCode, ErrorCode.INVALID_GROUP_ID, `OffsetFetch, ${label}: ${name(fetched.errorCode)}`);
  }
  const found = await c.request<FindCoordinator.FindCoordinatorResponse>(ApiKey.FindCoordinator, 3, { key: '', keyType: 0 });
  assert.equal(found.errorCode, ErrorCode.INVALID_GROUP_ID, `FindCoordinator, empty key: ${name(found.errorCode)}`);
  // 249 characters is the longest id accepted.
  const ok = await join('g'.repeat(249), 3);
  assert.equal(ok.errorCode, 0, `JoinGroup v3 with a 249-character id: ${name(ok.errorCode)}`);
});

test('a session timeout outside group.min/max.session.timeout.ms is refused', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { port } = await setup(t);
  const groupId = 'session-bounds';
  for (const sessionTimeoutMs of [5_999, 1_800_001, 0, -1]) {
    const m = await RawMember.open(t, port, { groupId, topics: [TOPIC], sessionTimeoutMs });
    const r = await m.joinOnce();
    assert.equal(r.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT, `session.timeout.ms=${sessionTimeoutMs}: ${name(r.errorCode)}`);
  }
  // The bounds themselves are accepted.
  for (const sessionTimeoutMs of [6_000, 1_800_000]) {
    const m = await RawMember.open(t, port, { groupId: `${groupId}-${sessionTimeoutMs}`, topics: [TOPIC], sessionTimeoutMs });
    const r = await m.join();
    assert.equal(r.errorCode, 0);
  }
});

test(`a flood of 100 joins is bounded by group.max.size=${MAX_SIZE}`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { port, c } = await setup(t);
  const groupId = 'flood';
  const FLOOD = 100;
  // KIP-394 (JoinGroup v4+): every new member first gets MEMBER_ID_REQUIRED and a pending
  // id; pending members count against the limit, so at most MAX_SIZE ids are handed out.
  const members = await Promise.all(Array.from({ length: FLOOD }, () => RawMember.open(t, port, { groupId, topics: [TOPIC] })));
  const first = await Promise.all(members.map((m) => m.joinOnce()));
  const admitted = members.filter((_, i) => first[i]!.errorCode === ErrorCode.MEMBER_ID_REQUIRED);
  const refused = first.filter((r) => r.errorCode === ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal(admitted.length, MAX_SIZE, `member ids handed out: ${admitted.length}`);
  assert.equal(refused.length, FLOOD - MAX_SIZE, `codes: ${[...new Set(first.map((r) => name(r.errorCode)))].join(', ')}`);

  // The admitted ones complete the join (the group forms with exactly MAX_SIZE members)...
  const joined = await Promise.all(admitted.map((m) => m.joinOnce()));
  for (const r of joined) assert.equal(r.errorCode, 0, name(r.errorCode));
  assert.equal(new Set(joined.map((r) => r.generationId)).size, 1, 'one generation');
  const leader = admitted.find((m) => m.memberId === joined[0]!.leader)!;
  assert.equal(leader.lastJoin!.members.length, MAX_SIZE);
  // ...and a newcomer is still refused, with either flavour of JoinGroup.
  const late = await RawMember.open(t, port, { groupId, topics: [TOPIC] });
  assert.equal((await late.joinOnce()).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  const lateOld = await RawMember.open(t, port, { groupId, topics: [TOPIC], versions: { join: 3 } });
  assert.equal((await lateOld.joinOnce()).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  const described = await describeGroup(c, groupId);
  assert.equal(described.members.length, MAX_SIZE);
});

test(`a flood of old-style joins (JoinGroup v3, no member-id round trip) is bounded too`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { port, c } = await setup(t);
  const groupId = 'flood-v3';
  const FLOOD = 40;
  const members = await Promise.all(Array.from({ length: FLOOD }, () => RawMember.open(t, port, { groupId, topics: [TOPIC], versions: { join: 3 }, rebalanceTimeoutMs: 2_000 })));
  // Each JoinGroup parks until the join phase ends (the rebalance timeout here: the first
  // generation's member does not rejoin); the ones over the limit are answered at once.
  const results = await Promise.all(members.map((m) => m.joinOnce()));
  const ok = results.filter((r) => r.errorCode === 0);
  const refused = results.filter((r) => r.errorCode === ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal(refused.length + ok.length, FLOOD, `codes: ${[...new Set(results.map((r) => name(r.errorCode)))].join(', ')}`);
  assert.ok(refused.length >= FLOOD - MAX_SIZE, `refused ${refused.length}`);
  const described = await describeGroup(c, groupId);
  assert.ok(described.members.length <= MAX_SIZE, `the group has ${described.members.length} members`);
});
