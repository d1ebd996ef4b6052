/**
 * Regression: OffsetDelete diverged from Kafka's GroupCoordinator.handleDeleteOffsets:
 * - a live group of another protocol than "consumer" (Kafka Connect workers) lost its
 *   offsets; Kafka refuses the whole request with NON_EMPTY_GROUP;
 * - a live consumer group whose subscriptions could not be read lost them too; Kafka then
 *   counts every topic as subscribed (GROUP_SUBSCRIBED_TO_TOPIC), "to be safe";
 * - a partition of a topic that does not exist was answered NONE; Kafka answers
 *   UNKNOWN_TOPIC_OR_PARTITION;
 * - an Empty group whose last offsets were deleted stayed listed; in Kafka it becomes Dead
 *   and is removed (cleanupGroupMetadata), also across a restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, type ListGroups, type OffsetDelete } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { openClient, type RawClient } from '../../helpers/raw-client.js';
import { describeGroup, fetchOffset, findCoordinator, name, RawMember } from '../../helpers/raw-group.js';

const TOPIC = 'subscribed';
const OTHER = 'other';

async function offsetDelete(c: RawClient, groupId: string, partitions: Array<[string, number]>): Promise<{ errorCode: number; partitions: Array<[string, number, number]> }> {
  const topics = [...new Set(partitions.map(([topic]) => topic))].map((topic) => ({ name: topic, partitions: partitions.filter(([x]) => x === topic).map(([, p]) => ({ partitionIndex: p })) }));
  const res = await c.request<OffsetDelete.OffsetDeleteResponse>(ApiKey.OffsetDelete, 0, { groupId, topics });
  return { errorCode: res.errorCode, partitions: res.topics.flatMap((t) => t.partitions.map((p): [string, number, number] => [t.name, p.partitionIndex, p.errorCode])) };
}

async function listed(c: RawClient): Promise<string[]> {
  const res = await c.request<ListGroups.ListGroupsResponse>(ApiKey.ListGroups, 4, { statesFilter: [] });
  return res.groups.map((g) => g.groupId).sort();
}

/** A member alone in its group, Stable; `protocolType` / `metadata` override the consumer defaults. */
async function stable(t: { after(fn: () => unknown): void }, port: number, groupId: string, o: { protocolType?: string; metadata?: Buffer } = {}): Promise<RawMember> {
  const m = await RawMember.open(t, port, { groupId, topics: [TOPIC] });
  const overrides = {
    ...(o.protocolType ? { protocolType: o.protocolType } : {}),
    ...(o.metadata ? { protocols: [{ name: 'range', metadata: o.metadata }] } : {}),
  };
  let r = await m.joinOnce(overrides);
  if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) r = await m.joinOnce(overrides);
  assert.equal(r.errorCode, 0, `${groupId} join: ${name(r.errorCode)}`);
  const s = await m.client.request<{ errorCode: number }>(ApiKey.SyncGroup, 3, { groupId, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null, assignments: [] });
  assert.equal(s.errorCode, 0, `${groupId} sync: ${name(s.errorCode)}`);
  return m;
}

test('OffsetDelete answers as Kafka: subscribed topics, other protocols, missing topics, and the last offsets of an empty group', { timeout: 30_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0 } });
  const port = broker.current.port;
  let c = await openClient(t, port, 'offset-delete');
  await c.createTopic(TOPIC, 1);
  await c.createTopic(OTHER, 2);

  const consumer = await stable(t, port, 'consumer-group');
  assert.equal(await consumer.commit(TOPIC, 0, 1n), 0);
  assert.equal(await consumer.commit(OTHER, 0, 2n), 0);
  assert.deepEqual(await offsetDelete(c, 'consumer-group', [[TOPIC, 0], [OTHER, 0], ['missing', 0]]), {
    errorCode: 0,
    partitions: [
      [TOPIC, 0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      [OTHER, 0, 0],
      ['missing', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ],
  });
  assert.deepEqual(await fetchOffset(c, 'consumer-group', TOPIC, 0), { errorCode: 0, offset: 1n });
  assert.deepEqual(await fetchOffset(c, 'consumer-group', OTHER, 0), { errorCode: 0, offset: -1n });

  const connect = await stable(t, port, 'connect-group', { protocolType: 'connect' });
  assert.equal(await connect.commit(OTHER, 0, 3n), 0);
  assert.deepEqual(await offsetDelete(c, 'connect-group', [[OTHER, 0]]), { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] });
  assert.deepEqual(await fetchOffset(c, 'connect-group', OTHER, 0), { errorCode: 0, offset: 3n });

  const unreadable = await stable(t, port, 'unreadable-group', { metadata: Buffer.from([0xff]) });
  assert.equal(await unreadable.commit(OTHER, 0, 4n), 0);
  assert.deepEqual(await offsetDelete(c, 'unreadable-group', [[OTHER, 0]]), { errorCode: 0, partitions: [[OTHER, 0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]] });
  assert.deepEqual(await fetchOffset(c, 'unreadable-group', OTHER, 0), { errorCode: 0, offset: 4n });

  const emptied = await stable(t, port, 'emptied-group');
  assert.equal(await emptied.commit(OTHER, 0, 5n), 0);
  assert.equal(await emptied.commit(OTHER, 1, 6n), 0);
  assert.equal(await emptied.leave(), 0);
  assert.deepEqual(await offsetDelete(c, 'emptied-group', [[OTHER, 0]]), { errorCode: 0, partitions: [[OTHER, 0, 0]] });
  assert.ok((await listed(c)).includes('emptied-group'), 'one offset left: the group stays');
  assert.deepEqual(await offsetDelete(c, 'emptied-group', [[OTHER, 1]]), { errorCode: 0, partitions: [[OTHER, 1, 0]] });
  assert.ok(!(await listed(c)).includes('emptied-group'), 'no offsets and no members: the group is gone');
  assert.equal((await describeGroup(c, 'emptied-group')).groupState, 'Dead');
  assert.deepEqual(await offsetDelete(c, 'emptied-group', [[OTHER, 1]]), { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] });

  await broker.restart();
  c = await openClient(t, broker.current.port, 'offset-delete');
  assert.equal((await findCoordinator(c, 'emptied-group')).errorCode, 0);
  assert.ok(!(await listed(c)).includes('emptied-group'), 'still gone after a restart');
  assert.deepEqual(await fetchOffset(c, 'consumer-group', OTHER, 0), { errorCode: 0, offset: -1n });
  assert.deepEqual(await fetchOffset(c, 'connect-group', OTHER, 0), { errorCode: 0, offset: 3n });
});
