/**
 * Regression: a JoinGroup refused for its session timeout (INVALID_SESSION_TIMEOUT), or one
 * that named a member id for a group that does not exist (UNKNOWN_MEMBER_ID), still created
 * the group, Empty: ListGroups then listed a group nobody ever joined. Kafka checks
 * group.min/max.session.timeout.ms before it looks the group up, and creates a group only
 * for a member without an id (GroupCoordinator.handleJoinGroup, getOrMaybeCreateGroup).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, type ListGroups } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { openClient } from '../../helpers/raw-client.js';
import { describeGroup, name, RawMember } from '../../helpers/raw-group.js';

test('a refused JoinGroup leaves no group behind', { timeout: 30_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0 } });
  const c = await openClient(t, broker.current.port, 'refused-join');
  await c.createTopic('t', 1);
  for (const join of [0, 4, 9]) {
    const tooShort = await RawMember.open(t, broker.current.port, { groupId: `short-v${join}`, topics: ['t'], sessionTimeoutMs: 1, versions: { join } });
    const r1 = await tooShort.joinOnce();
    assert.equal(r1.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT, `v${join}: ${name(r1.errorCode)}`);
    const ghost = await RawMember.open(t, broker.current.port, { groupId: `ghost-v${join}`, topics: ['t'], versions: { join } });
    ghost.memberId = 'ghost-member';
    const r2 = await ghost.joinOnce();
    assert.equal(r2.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, `v${join}: ${name(r2.errorCode)}`);
    for (const groupId of [`short-v${join}`, `ghost-v${join}`]) assert.equal((await describeGroup(c, groupId)).groupState, 'Dead', groupId);
  }
  const listed = await c.request<ListGroups.ListGroupsResponse>(ApiKey.ListGroups, 4, { statesFilter: [] });
  assert.deepEqual(listed.groups.map((g) => g.groupId), []);
});
