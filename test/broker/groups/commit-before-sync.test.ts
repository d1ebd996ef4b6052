/**
 * Regression: an OffsetCommit from a member of the generation that just formed, sent after
 * its JoinGroup answer but before SyncGroup (the group CompletingRebalance), was stored.
 * Kafka's GroupCoordinator.doCommitOffsets answers REBALANCE_IN_PROGRESS there: the member
 * has no assignment yet, so it cannot own what it commits. A commit from the generation
 * before (while the group is PreparingRebalance) is still accepted, as in Kafka, and once
 * SyncGroup completes the new generation commits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { openClient } from '../../helpers/raw-client.js';
import { assignment, describeGroup, fetchOffset, name, RawMember } from '../../helpers/raw-group.js';

const TOPIC = 'commit-before-sync';

test('OffsetCommit between JoinGroup and SyncGroup gets REBALANCE_IN_PROGRESS; after SyncGroup it commits', { timeout: 30_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0 } });
  const c = await openClient(t, broker.current.port, 'commit-before-sync');
  await c.createTopic(TOPIC, 1);
  for (const offsetCommit of [2, 5, 8]) {
    const groupId = `early-v${offsetCommit}`;
    const m = await RawMember.open(t, broker.current.port, { groupId, topics: [TOPIC], versions: { offsetCommit } });
    await m.join();
    assert.equal((await describeGroup(c, groupId)).groupState, 'CompletingRebalance');
    const early = await m.commit(TOPIC, 0, 4n);
    assert.equal(early, ErrorCode.REBALANCE_IN_PROGRESS, `OffsetCommit v${offsetCommit} before SyncGroup: ${name(early)}`);
    assert.deepEqual(await fetchOffset(c, groupId, TOPIC, 0), { errorCode: 0, offset: -1n }, 'the refused commit was not stored');
    const s = await m.sync(new Map([[m.memberId, assignment(TOPIC, [0])]]));
    assert.equal(s.errorCode, 0, name(s.errorCode));
    assert.equal(await m.commit(TOPIC, 0, 5n), 0, `OffsetCommit v${offsetCommit} once Stable`);
    assert.deepEqual(await fetchOffset(c, groupId, TOPIC, 0), { errorCode: 0, offset: 5n });
  }
});
