/**
 * Regression: offsets.retention.minutes did not remove groups. When every committed offset
 * of an Empty group had expired, the offsets went but the group stayed: ListGroups kept
 * listing it and DescribeGroups kept saying Empty until the broker restarted. Expiry also
 * counted from each commit instead of from when the group became Empty (KIP-211), never
 * expired a live consumer group's offsets of topics it no longer subscribes to (KIP-496),
 * and ran every 10 minutes whatever offsets.retention.check.interval.ms said.
 *
 * Kafka (GroupMetadataManager.cleanupGroupMetadata): the expired offsets get tombstones; an
 * Empty group left with no offsets becomes Dead, gets a group-metadata tombstone and leaves
 * the coordinator, so it is not listed, is described as Dead (DescribeGroups v0-5), fetches
 * -1, cannot be deleted (GROUP_ID_NOT_FOUND), and a restart does not bring it back.
 *
 * offsets.retention.minutes is at least 1 (as in Kafka), so this test waits about 80 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, type DeleteGroups, type ListGroups } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { openClient, type RawClient } from '../../helpers/raw-client.js';
import { assignment, commitOffset, describeGroup, fetchOffset, findCoordinator, name, RawMember } from '../../helpers/raw-group.js';

const RETENTION_MS = 60_000;
const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0, 'offsets.retention.minutes': 1, 'offsets.retention.check.interval.ms': 500 };
const CONSUMED = 'consumed';
const DROPPED = 'dropped';
/** Long enough that the live member needs no heartbeats for the whole test. */
const SESSION_TIMEOUT_MS = 300_000;
/** How much later than the retention an expiry may be seen (check interval, a slow machine). */
const SLACK_MS = 20_000;
const LATE_LEAVE_AFTER_MS = 20_000;

async function listed(c: RawClient): Promise<Map<string, string>> {
  const res = await c.request<ListGroups.ListGroupsResponse>(ApiKey.ListGroups, 4, { statesFilter: [] });
  return new Map(res.groups.map((g) => [g.groupId, g.groupState]));
}

async function deleteGroup(c: RawClient, groupId: string): Promise<number> {
  const res = await c.request<DeleteGroups.DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: [groupId] });
  return res.results[0]!.errorCode;
}

/** A member that joins alone, takes every partition of CONSUMED, and commits. */
async function member(t: { after(fn: () => unknown): void }, port: number, groupId: string): Promise<RawMember> {
  const m = await RawMember.open(t, port, { groupId, topics: [CONSUMED], sessionTimeoutMs: SESSION_TIMEOUT_MS });
  await m.join();
  const s = await m.sync(new Map([[m.memberId, assignment(CONSUMED, [0, 1])]]));
  assert.equal(s.errorCode, 0, `SyncGroup ${groupId}: ${name(s.errorCode)}`);
  return m;
}

async function assertGone(c: RawClient, groupId: string, when: string): Promise<void> {
  assert.equal((await listed(c)).has(groupId), false, `${groupId} listed ${when}`);
  const d = await describeGroup(c, groupId);
  assert.deepEqual({ errorCode: d.errorCode, groupState: d.groupState, members: d.members.length }, { errorCode: 0, groupState: 'Dead', members: 0 }, `${groupId} described ${when}`);
  assert.deepEqual(await fetchOffset(c, groupId, CONSUMED, 0), { errorCode: 0, offset: -1n }, `${groupId} offset ${when}`);
  assert.equal(await deleteGroup(c, groupId), ErrorCode.GROUP_ID_NOT_FOUND, `deleting ${groupId} ${when}`);
}

test('offset expiry removes an empty group for good, counts from when it emptied, and spares what a live group consumes', { timeout: 240_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  let c = await openClient(t, broker.current.port, 'expiry');
  await c.createTopic(CONSUMED, 2);
  await c.createTopic(DROPPED, 1);
  const port = broker.current.port;

  // 'left' commits and leaves at once; 'late' leaves LATE_LEAVE_AFTER_MS later; 'solo' only
  // ever commits standalone; 'live' stays Stable, subscribed to CONSUMED, with an old
  // commit on DROPPED.
  const left = await member(t, port, 'left');
  assert.equal(await left.commit(CONSUMED, 0, 5n), 0);
  assert.equal(await left.leave(), 0);
  const late = await member(t, port, 'late');
  assert.equal(await late.commit(CONSUMED, 0, 6n), 0);
  assert.equal((await findCoordinator(c, 'solo')).errorCode, 0);
  assert.equal(await commitOffset(c, { groupId: 'solo', generationId: -1, memberId: '', topic: CONSUMED, partition: 0, offset: 3n }), 0);
  const live = await member(t, port, 'live');
  assert.equal(await live.commit(CONSUMED, 0, 7n), 0);
  assert.equal(await live.commit(DROPPED, 0, 9n), 0);
  const committedAt = Date.now();
  assert.deepEqual(Object.fromEntries(await listed(c)), { left: 'Empty', late: 'Stable', solo: 'Empty', live: 'Stable' });

  await new Promise((r) => setTimeout(r, LATE_LEAVE_AFTER_MS));
  assert.equal(await late.leave(), 0);
  const lateEmptiedAt = Date.now();

  await waitFor('left and solo to expire', RETENTION_MS + SLACK_MS, async () => {
    const groups = await listed(c);
    return !groups.has('left') && !groups.has('solo') ? true : undefined;
  });
  assert.ok(Date.now() - committedAt >= RETENTION_MS - 1_000, 'nothing expired before the retention');
  await waitFor("the live group's DROPPED offset to expire", SLACK_MS, async () => ((await fetchOffset(c, 'live', DROPPED, 0)).offset === -1n ? true : undefined));
  for (const groupId of ['left', 'solo']) await assertGone(c, groupId, 'after expiry');
  // 'late' committed as early as 'left' but emptied LATE_LEAVE_AFTER_MS later: it stays.
  assert.ok(Date.now() - lateEmptiedAt < RETENTION_MS - 5_000, 'the test is too slow to tell commit time from emptied time');
  assert.equal((await listed(c)).get('late'), 'Empty', 'an Empty group expires counting from when it emptied, not from its commits');
  assert.deepEqual(await fetchOffset(c, 'late', CONSUMED, 0), { errorCode: 0, offset: 6n });
  assert.equal((await listed(c)).get('live'), 'Stable');
  assert.deepEqual(await fetchOffset(c, 'live', CONSUMED, 0), { errorCode: 0, offset: 7n }, 'a subscribed topic keeps its offset');

  await broker.restart();
  c = await openClient(t, broker.current.port, 'expiry');
  assert.equal((await findCoordinator(c, 'left')).errorCode, 0);
  for (const groupId of ['left', 'solo']) await assertGone(c, groupId, 'after a restart');
  assert.deepEqual(await fetchOffset(c, 'live', DROPPED, 0), { errorCode: 0, offset: -1n }, 'the expired offset stays expired');
  assert.deepEqual(await fetchOffset(c, 'live', CONSUMED, 0), { errorCode: 0, offset: 7n });
  // The reloaded 'late' keeps the time it emptied: it expires from then, not from the reload.
  await waitFor('late to expire after the restart', Math.max(0, lateEmptiedAt + RETENTION_MS + SLACK_MS - Date.now()), async () => (!(await listed(c)).has('late') ? true : undefined));
  await assertGone(c, 'late', 'after its retention');
  assert.deepEqual(Object.fromEntries(await listed(c)), { live: 'Stable' });
});
