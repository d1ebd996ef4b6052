/**
 * Regression: deleting a topic left every group's committed offsets for it in place. A topic
 * re-created under the same name then "had" the old topic's offsets: OffsetFetch returned
 * them and a consumer group resumed there, skipping the new topic's first records (or
 * resetting, when the old offset was past the new end). Kafka (handleDeletedPartitions)
 * removes the deleted partitions' offsets from every group with tombstones, and an Empty
 * group left without offsets is removed, so the group starts by its auto.offset.reset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, type DeleteTopics, type ListGroups } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { openClient, type RawClient } from '../../helpers/raw-client.js';
import { commitOffset, fetchOffset, findCoordinator, name } from '../../helpers/raw-group.js';

async function listed(c: RawClient): Promise<string[]> {
  const res = await c.request<ListGroups.ListGroupsResponse>(ApiKey.ListGroups, 4, { statesFilter: [] });
  return res.groups.map((g) => g.groupId).sort();
}

test("a deleted topic's committed offsets go with it; a re-created topic of that name starts with none", { timeout: 30_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0 } });
  let c = await openClient(t, broker.current.port, 'deleted-topic');
  await c.createTopic('doomed', 2);
  await c.createTopic('kept', 1);
  const commits: Array<[string, string, number, bigint]> = [
    ['both', 'doomed', 0, 3n],
    ['both', 'doomed', 1, 4n],
    ['both', 'kept', 0, 5n],
    ['only-doomed', 'doomed', 0, 6n],
  ];
  for (const [groupId, topic, partition, offset] of commits) {
    assert.equal((await findCoordinator(c, groupId)).errorCode, 0);
    const code = await commitOffset(c, { groupId, generationId: -1, memberId: '', topic, partition, offset });
    assert.equal(code, 0, `${groupId} ${topic}-${partition}: ${name(code)}`);
  }
  assert.deepEqual(await listed(c), ['both', 'only-doomed']);

  const deleted = await c.request<DeleteTopics.DeleteTopicsResponse>(ApiKey.DeleteTopics, 4, { topicNames: ['doomed'], timeoutMs: 5_000 });
  assert.equal(deleted.responses[0]!.errorCode, 0);
  await waitFor("the deleted topic's offsets to go", 10_000, async () => ((await fetchOffset(c, 'both', 'doomed', 0)).offset === -1n ? true : undefined));
  assert.deepEqual(await fetchOffset(c, 'both', 'doomed', 1), { errorCode: 0, offset: -1n });
  assert.deepEqual(await fetchOffset(c, 'both', 'kept', 0), { errorCode: 0, offset: 5n }, 'other topics keep theirs');
  await waitFor('the group left without offsets to go', 10_000, async () => ((await listed(c)).join() === 'both' ? true : undefined));

  await c.createTopic('doomed', 2);
  assert.deepEqual(await fetchOffset(c, 'both', 'doomed', 0), { errorCode: 0, offset: -1n }, 'the re-created topic has no committed offset');

  await broker.restart();
  c = await openClient(t, broker.current.port, 'deleted-topic');
  assert.equal((await findCoordinator(c, 'both')).errorCode, 0);
  assert.deepEqual(await fetchOffset(c, 'both', 'doomed', 0), { errorCode: 0, offset: -1n }, 'after a restart too');
  assert.deepEqual(await fetchOffset(c, 'both', 'kept', 0), { errorCode: 0, offset: 5n });
  assert.deepEqual(await listed(c), ['both']);
});
