/**
 * Group membership against a scripted coordinator: each error gets Java's reaction
 * (find the coordinator again, rejoin with the given member id, reset and rejoin, fatal).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ErrorCode } from '@samsa/protocol';
import { Consumer, KafkaProtocolError, type ConsumerConfig, type TopicPartition } from '../../src/index.js';
import { fakeGroupBroker } from '../helpers/fake-group-broker.js';

function consumer(t: { after(fn: () => unknown): void }, port: number, extra: Partial<ConsumerConfig> = {}): Consumer {
  const c = new Consumer({
    'bootstrap.servers': `127.0.0.1:${port}`,
    'group.id': 'g',
    'partition.assignment.strategy': 'range',
    'heartbeat.interval.ms': 50,
    'session.timeout.ms': 6000,
    'retry.backoff.ms': 20,
    'retry.backoff.max.ms': 40,
    'auto.offset.reset': 'earliest',
    'fetch.max.wait.ms': 50,
    ...extra,
  });
  t.after(() => c.close(1000));
  return c;
}

async function pollUntil(c: Consumer, cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await c.poll(50);
  }
}

test('MEMBER_ID_REQUIRED rejoins with the given id; NOT_COORDINATOR finds the coordinator again; SyncGroup REBALANCE_IN_PROGRESS rejoins', async (t) => {
  const f = await fakeGroupBroker(t, { partitions: 2 });
  f.script.join.push(ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.NOT_COORDINATOR);
  f.script.sync.push(ErrorCode.REBALANCE_IN_PROGRESS);
  const c = consumer(t, f.broker.port);
  const assigned: TopicPartition[][] = [];
  c.subscribe(['t'], { onPartitionsAssigned: (tps) => void assigned.push(tps) });
  await pollUntil(c, () => c.coordinator!.state === 'stable', 'stable membership');
  const joins = f.requests(ApiKey.JoinGroup);
  assert.deepEqual(joins.map((j) => j.memberId), ['', 'member-1', 'member-1', 'member-1'], 'the id MEMBER_ID_REQUIRED gave is kept');
  assert.ok(f.requests(ApiKey.FindCoordinator).length >= 2, 'NOT_COORDINATOR looked the coordinator up again');
  assert.equal(f.requests(ApiKey.SyncGroup).length, 2, 'REBALANCE_IN_PROGRESS in SyncGroup rejoined');
  assert.deepEqual(c.assignment(), [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
  assert.deepEqual(assigned, [[{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]]);
});

test('Heartbeat UNKNOWN_MEMBER_ID: partitions are lost, the member rejoins with no member id', async (t) => {
  const f = await fakeGroupBroker(t);
  const c = consumer(t, f.broker.port);
  const lost: TopicPartition[][] = [];
  const revoked: TopicPartition[][] = [];
  c.subscribe(['t'], { onPartitionsLost: (tps) => void lost.push(tps), onPartitionsRevoked: (tps) => void revoked.push(tps) });
  await pollUntil(c, () => c.coordinator!.state === 'stable', 'stable membership');
  f.script.heartbeat.push(ErrorCode.UNKNOWN_MEMBER_ID);
  await pollUntil(c, () => f.requests(ApiKey.JoinGroup).length >= 2 && c.coordinator!.state === 'stable', 'a second join');
  assert.deepEqual(lost, [[{ topic: 't', partition: 0 }]], 'onPartitionsLost, not onPartitionsRevoked');
  assert.deepEqual(revoked, []);
  assert.equal(f.requests(ApiKey.JoinGroup)[1].memberId, '', 'rejoined without the old member id');
  assert.equal(c.coordinator!.generationId, 2);
});

test('Heartbeat REBALANCE_IN_PROGRESS: the eager member revokes everything and rejoins with its member id', async (t) => {
  const f = await fakeGroupBroker(t);
  const c = consumer(t, f.broker.port);
  const revoked: TopicPartition[][] = [];
  c.subscribe(['t'], { onPartitionsRevoked: (tps) => void revoked.push(tps) });
  await pollUntil(c, () => c.coordinator!.state === 'stable', 'stable membership');
  f.script.heartbeat.push(ErrorCode.REBALANCE_IN_PROGRESS);
  await pollUntil(c, () => f.requests(ApiKey.JoinGroup).length >= 2 && c.coordinator!.state === 'stable', 'a second join');
  assert.deepEqual(revoked, [[{ topic: 't', partition: 0 }]], JSON.stringify(revoked));
  assert.equal(f.requests(ApiKey.JoinGroup)[1].memberId, 'member-1');
});

test('ILLEGAL_GENERATION on commit: commitSync fails with COMMIT_FAILED and the member rejoins', async (t) => {
  const f = await fakeGroupBroker(t);
  const c = consumer(t, f.broker.port, { 'enable.auto.commit': false });
  c.subscribe(['t']);
  await pollUntil(c, () => c.assignment().length === 1 && c.coordinator!.state === 'stable', 'an assignment');
  f.script.commit.push(ErrorCode.ILLEGAL_GENERATION);
  const err = await c.commitSync([{ topic: 't', partition: 0, offset: 5 }]).catch((e: unknown) => e);
  assert.equal((err as { code?: string }).code, 'COMMIT_FAILED');
  await pollUntil(c, () => f.requests(ApiKey.JoinGroup).length >= 2 && c.coordinator!.state === 'stable', 'a rejoin');
  await c.commitSync([{ topic: 't', partition: 0, offset: 5 }]);
  assert.equal(f.committed.get(0), 5n);
  const last = f.requests(ApiKey.OffsetCommit).at(-1);
  assert.equal(last.generationIdOrMemberEpoch, c.coordinator!.generationId, 'committed with the new generation');
});

test('FENCED_INSTANCE_ID is fatal: poll rejects with it, now and later', async (t) => {
  const f = await fakeGroupBroker(t);
  f.script.join.push(ErrorCode.FENCED_INSTANCE_ID);
  const c = consumer(t, f.broker.port, { 'group.instance.id': 'static-1' });
  c.subscribe(['t']);
  const deadline = Date.now() + 5000;
  let err: unknown = null;
  while (err === null && Date.now() < deadline) err = await c.poll(50).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof KafkaProtocolError, String(err));
  assert.equal(err.type, 'FENCED_INSTANCE_ID');
  await assert.rejects(c.poll(10), (e: unknown) => e === err);
  assert.equal(f.requests(ApiKey.JoinGroup)[0].groupInstanceId, 'static-1');
});

test('a static member does not send LeaveGroup on close; a dynamic one does', async (t) => {
  for (const instance of ['static-1', null]) {
    const f = await fakeGroupBroker(t);
    const c = consumer(t, f.broker.port, { 'group.instance.id': instance });
    c.subscribe(['t']);
    await pollUntil(c, () => c.coordinator!.state === 'stable', 'stable membership');
    await c.close();
    assert.equal(f.requests(ApiKey.LeaveGroup).length, instance === null ? 1 : 0, `group.instance.id ${instance}`);
  }
});

test('max.poll.interval.ms passed without a poll: the member leaves; the next poll rejoins', async (t) => {
  const f = await fakeGroupBroker(t);
  const c = consumer(t, f.broker.port, { 'max.poll.interval.ms': 300 });
  const lost: TopicPartition[][] = [];
  c.subscribe(['t'], { onPartitionsLost: (tps) => void lost.push(tps) });
  await pollUntil(c, () => c.coordinator!.state === 'stable', 'stable membership');
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(f.requests(ApiKey.LeaveGroup).length, 1, 'left the group');
  assert.equal(c.coordinator!.state, 'unjoined');
  await pollUntil(c, () => c.coordinator!.state === 'stable', 'a rejoin');
  assert.equal(f.requests(ApiKey.JoinGroup).length, 2);
  assert.deepEqual(lost, [[{ topic: 't', partition: 0 }]]);
});
