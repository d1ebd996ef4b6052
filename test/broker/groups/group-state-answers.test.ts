/**
 * Kafka's classic GroupCoordinator answers, state by state, for the requests a client may
 * send at any time (checked against GroupCoordinator.scala: handleHeartbeat,
 * doCommitOffsets/validateOffsetCommit, handleDeleteGroups, handleDescribeGroup):
 *
 *   state                 Heartbeat              OffsetCommit (current gen)  DeleteGroups
 *   Stable                NONE                   NONE                        NON_EMPTY_GROUP
 *   PreparingRebalance    REBALANCE_IN_PROGRESS  NONE                        NON_EMPTY_GROUP
 *   CompletingRebalance   NONE                   REBALANCE_IN_PROGRESS       NON_EMPTY_GROUP
 *   Empty                 UNKNOWN_MEMBER_ID      (no member)                 NONE
 *   gone (Dead)           UNKNOWN_MEMBER_ID      ILLEGAL_GENERATION          GROUP_ID_NOT_FOUND, described Dead
 *
 * Also: a rebalance timeout longer than the session timeout is accepted (Kafka sets no
 * relation between them). Samsa used to accept the CompletingRebalance commit (see
 * commit-before-sync.test.ts); the rest of the table was already Kafka's, and this guards it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, type DeleteGroups } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { openClient, type RawClient } from '../../helpers/raw-client.js';
import { describeGroup, name, RawMember } from '../../helpers/raw-group.js';

const TOPIC = 'states';

async function deleteGroup(c: RawClient, groupId: string): Promise<number> {
  const res = await c.request<DeleteGroups.DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: [groupId] });
  return res.results[0]!.errorCode;
}

test('Heartbeat, OffsetCommit and DeleteGroups answer as Kafka in every group state', { timeout: 30_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0 } });
  const port = broker.current.port;
  const c = await openClient(t, port, 'states');
  await c.createTopic(TOPIC, 1);
  const groupId = 'stateful';
  const a = await RawMember.open(t, port, { groupId, topics: [TOPIC], sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 60_000 });
  await a.join();
  const expect = async (state: string, heartbeat: number, commit: number): Promise<void> => {
    assert.equal((await describeGroup(c, groupId)).groupState, state);
    const hb = await a.heartbeat();
    assert.equal(hb, heartbeat, `Heartbeat in ${state}: ${name(hb)}`);
    const oc = await a.commit(TOPIC, 0, 1n);
    assert.equal(oc, commit, `OffsetCommit in ${state}: ${name(oc)}`);
    const dg = await deleteGroup(c, groupId);
    assert.equal(dg, ErrorCode.NON_EMPTY_GROUP, `DeleteGroups in ${state}: ${name(dg)}`);
  };
  await expect('CompletingRebalance', 0, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal((await a.sync(new Map([[a.memberId, Buffer.alloc(0)]]))).errorCode, 0);
  await expect('Stable', 0, 0);

  const b = await RawMember.open(t, port, { groupId, topics: [TOPIC] });
  const joinB = b.join(); // parks until a rejoins
  await waitFor('PreparingRebalance', 5_000, async () => ((await describeGroup(c, groupId)).groupState === 'PreparingRebalance' ? true : undefined));
  await expect('PreparingRebalance', ErrorCode.REBALANCE_IN_PROGRESS, 0);

  await Promise.all([a.join(), joinB]);
  assert.equal(await b.leave(), 0);
  assert.equal(await a.leave(), 0);
  assert.equal((await describeGroup(c, groupId)).groupState, 'Empty');
  assert.equal(await a.heartbeat(), ErrorCode.UNKNOWN_MEMBER_ID, 'Heartbeat in Empty');
  assert.equal(await deleteGroup(c, groupId), 0, 'DeleteGroups in Empty');

  const gone = await describeGroup(c, groupId);
  assert.deepEqual({ errorCode: gone.errorCode, groupState: gone.groupState }, { errorCode: 0, groupState: 'Dead' });
  assert.equal(await a.heartbeat(), ErrorCode.UNKNOWN_MEMBER_ID, 'Heartbeat for a deleted group');
  assert.equal(await a.commit(TOPIC, 0, 2n), ErrorCode.ILLEGAL_GENERATION, 'OffsetCommit at a generation of a deleted group');
  assert.equal(await deleteGroup(c, groupId), ErrorCode.GROUP_ID_NOT_FOUND, 'DeleteGroups again');
});
