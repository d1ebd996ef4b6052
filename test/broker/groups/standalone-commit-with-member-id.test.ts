/**
 * Regression: an OffsetCommit at generation -1 that carried a member id (or a group instance
 * id) was refused with UNKNOWN_MEMBER_ID even when the group had no members, and the refused
 * commit left an Empty group behind. Kafka 3.x (GroupCoordinator.validateOffsetCommit)
 * accepts any generation -1 commit while the group is Empty: it comes from an admin client or
 * from a consumer that is not (or no longer) in the group and still sends its old member id.
 * Once the group has members, a generation -1 commit is refused as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { openClient } from '../../helpers/raw-client.js';
import { commitOffset, describeGroup, fetchOffset, findCoordinator, name, RawMember } from '../../helpers/raw-group.js';

test('a generation -1 commit with a member id is accepted while the group is Empty', { timeout: 30_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0 } });
  const c = await openClient(t, broker.current.port, 'standalone-member-id');
  await c.createTopic('t', 1);
  const groupId = 'left-behind';
  assert.equal((await findCoordinator(c, groupId)).errorCode, 0);

  // A group that does not exist yet, then exists Empty.
  const first = await commitOffset(c, { groupId, generationId: -1, memberId: 'old-member-id', topic: 't', partition: 0, offset: 4n });
  assert.equal(first, 0, `a new group: ${name(first)}`);
  assert.equal((await describeGroup(c, groupId)).groupState, 'Empty');
  const second = await commitOffset(c, { groupId, generationId: -1, memberId: 'old-member-id', groupInstanceId: 'instance-1', topic: 't', partition: 0, offset: 5n });
  assert.equal(second, 0, `an Empty group, with an instance id: ${name(second)}`);
  assert.deepEqual(await fetchOffset(c, groupId, 't', 0), { errorCode: 0, offset: 5n });

  // With a member in the group, only the member commits.
  const m = await RawMember.open(t, broker.current.port, { groupId, topics: ['t'] });
  await m.join();
  assert.equal((await m.sync(new Map([[m.memberId, Buffer.alloc(0)]]))).errorCode, 0);
  for (const memberId of ['', 'old-member-id']) {
    const refused = await commitOffset(c, { groupId, generationId: -1, memberId, topic: 't', partition: 0, offset: 6n });
    assert.equal(refused, ErrorCode.UNKNOWN_MEMBER_ID, `member id '${memberId}' while the group is Stable: ${name(refused)}`);
  }
  const ownId = await commitOffset(c, { groupId, generationId: -1, memberId: m.memberId, topic: 't', partition: 0, offset: 6n });
  assert.equal(ownId, ErrorCode.ILLEGAL_GENERATION, `the member's own id at generation -1: ${name(ownId)}`);
  assert.deepEqual(await fetchOffset(c, groupId, 't', 0), { errorCode: 0, offset: 5n });
});
