/**
 * Regression: a group that has only standalone commits (generation -1, no member id: what
 * consumers using assign() and admin tools such as kafkajs's setOffsets send) is an Empty
 * group, as in Kafka: DescribeGroups says Empty, ListGroups lists it, before and after a
 * restart; and a deleted group stays deleted after a restart.
 *
 * The bug: the coordinator stored such commits without creating the group, and loading
 * __consumer_offsets made groups only from group-metadata records. So the group was
 * described as Dead and missing from ListGroups while OffsetFetch returned its offsets
 * (`kafka-consumer-groups --describe` calls such a group nonexistent). And the loader kept
 * an empty offsets entry for every deleted group, so after a restart a deleted group still
 * "existed": DeleteGroups / OffsetDelete answered NONE instead of GROUP_ID_NOT_FOUND.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, type DeleteGroups, type ListGroups } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { openClient, type RawClient } from '../../helpers/raw-client.js';
import { commitOffset, describeGroup, fetchOffset, findCoordinator, name } from '../../helpers/raw-group.js';

const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0 };

async function listed(c: RawClient): Promise<Array<[string, string]>> {
  const res = await c.request<ListGroups.ListGroupsResponse>(ApiKey.ListGroups, 4, { statesFilter: [] });
  return res.groups.map((g): [string, string] => [g.groupId, g.groupState]).sort();
}

async function deleteGroup(c: RawClient, groupId: string): Promise<number> {
  const res = await c.request<DeleteGroups.DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: [groupId] });
  return res.results[0]!.errorCode;
}

test('a group with only standalone commits is Empty and listed, also after a restart; a deleted group stays deleted', { timeout: 30_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  let c = await openClient(t, broker.current.port, 'standalone');
  await c.createTopic('t', 2);
  for (const groupId of ['solo', 'doomed']) {
    assert.equal((await findCoordinator(c, groupId)).errorCode, 0);
    const code = await commitOffset(c, { groupId, generationId: -1, memberId: '', topic: 't', partition: 0, offset: 3n });
    assert.equal(code, 0, `standalone commit for ${groupId}: ${name(code)}`);
  }
  assert.equal((await describeGroup(c, 'solo')).groupState, 'Empty');
  assert.deepEqual(await listed(c), [
    ['doomed', 'Empty'],
    ['solo', 'Empty'],
  ]);
  assert.equal(await deleteGroup(c, 'doomed'), 0);
  assert.deepEqual(await listed(c), [['solo', 'Empty']]);

  await broker.restart();
  c = await openClient(t, broker.current.port, 'standalone');
  assert.equal((await findCoordinator(c, 'solo')).errorCode, 0);
  assert.deepEqual(await fetchOffset(c, 'solo', 't', 0), { errorCode: 0, offset: 3n });
  assert.equal((await describeGroup(c, 'solo')).groupState, 'Empty', 'still Empty after a restart');
  assert.deepEqual(await listed(c), [['solo', 'Empty']], 'the deleted group does not come back');
  assert.equal((await describeGroup(c, 'doomed')).groupState, 'Dead');
  assert.equal(await deleteGroup(c, 'doomed'), ErrorCode.GROUP_ID_NOT_FOUND, 'deleting it again: it does not exist');
});
