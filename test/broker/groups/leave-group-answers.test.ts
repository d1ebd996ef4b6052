/**
 * Regression: LeaveGroup v3+ for a group the coordinator does not know answered a top-level
 * UNKNOWN_MEMBER_ID with no members, and a static member removed by its instance id alone
 * was answered with its resolved member id. Kafka's GroupCoordinator.handleLeaveGroup
 * answers an unknown group with top-level NONE and UNKNOWN_MEMBER_ID for each member, each
 * echoing the identity as it was asked; LeaveGroupResponse folds that into the one error
 * code of v0-2 (top-level first, else the first member's error). Only coordinator errors
 * (NOT_COORDINATOR, INVALID_GROUP_ID, ...) are top-level with no members.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, type LeaveGroup } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { openClient, type RawClient } from '../../helpers/raw-client.js';
import { describeGroup, findCoordinator, RawMember } from '../../helpers/raw-group.js';

type Identity = { memberId: string; groupInstanceId: string | null };

async function leave(c: RawClient, version: number, groupId: string, members: Identity[]): Promise<{ errorCode: number; members: Array<Identity & { errorCode: number }> }> {
  const res = await c.request<LeaveGroup.LeaveGroupResponse>(ApiKey.LeaveGroup, version, version >= 3 ? { groupId, members } : { groupId, memberId: members[0]!.memberId });
  return { errorCode: res.errorCode, members: res.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })) };
}

test('LeaveGroup for an unknown group or unknown members: the answer Kafka gives at v0, v3 and v5', { timeout: 30_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0 } });
  const c = await openClient(t, broker.current.port, 'leave-answers');
  await c.createTopic('t', 1);
  assert.equal((await findCoordinator(c, 'nowhere')).errorCode, 0);

  // A group that does not exist.
  assert.deepEqual(await leave(c, 0, 'nowhere', [{ memberId: 'm-1', groupInstanceId: null }]), { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] }, 'v0');
  for (const v of [3, 5]) {
    const asked = [
      { memberId: 'm-1', groupInstanceId: null },
      { memberId: '', groupInstanceId: 'instance-1' },
    ];
    assert.deepEqual(await leave(c, v, 'nowhere', asked), { errorCode: 0, members: asked.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) }, `v${v}`);
  }
  assert.equal((await describeGroup(c, 'nowhere')).groupState, 'Dead', 'asking did not create the group');

  // A group that exists, with a dynamic and a static member.
  const groupId = 'known';
  const a = await RawMember.open(t, broker.current.port, { groupId, topics: ['t'] });
  await a.join();
  assert.equal((await a.sync(new Map([[a.memberId, Buffer.alloc(0)]]))).errorCode, 0);
  assert.deepEqual(await leave(c, 0, groupId, [{ memberId: 'stranger', groupInstanceId: null }]), { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] }, 'v0, unknown member');
  for (const v of [3, 5]) {
    const r = await leave(c, v, groupId, [
      { memberId: 'stranger', groupInstanceId: null },
      { memberId: '', groupInstanceId: 'no-such-instance' },
    ]);
    assert.deepEqual(
      r,
      {
        errorCode: 0,
        members: [
          { memberId: 'stranger', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
          { memberId: '', groupInstanceId: 'no-such-instance', errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
        ],
      },
      `v${v}, unknown members`,
    );
  }
  assert.equal((await describeGroup(c, groupId)).members.length, 1, 'the real member is still there');

  // An admin removes the static member by instance id alone, and the dynamic one by id, in one
  // batch with a stranger: the answer echoes each identity as asked.
  const s = await RawMember.open(t, broker.current.port, { groupId, topics: ['t'], groupInstanceId: 'static-1' });
  const joined = Promise.all([s.join(), a.join()]);
  await joined;
  const r = await leave(c, 5, groupId, [
    { memberId: '', groupInstanceId: 'static-1' },
    { memberId: a.memberId, groupInstanceId: null },
    { memberId: 'stranger', groupInstanceId: null },
  ]);
  assert.deepEqual(r, {
    errorCode: 0,
    members: [
      { memberId: '', groupInstanceId: 'static-1', errorCode: 0 },
      { memberId: a.memberId, groupInstanceId: null, errorCode: 0 },
      { memberId: 'stranger', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
    ],
  });
  assert.equal((await describeGroup(c, groupId)).groupState, 'Empty');

  // Coordinator errors stay top-level with no members.
  assert.deepEqual(await leave(c, 5, '', [{ memberId: 'm', groupInstanceId: null }]), { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] });
});
