/**
 * The ISR on the in-process cluster (RF=3): a stalled follower leaves it and comes back, a
 * dead leader is replaced by the first live ISR replica in AR order without losing an
 * acks=all record, a partition with no live ISR member stays offline, and a follower
 * copies a compacted leader's log with its offset gaps. Each ends with the byte comparison
 * (the compacted one with the latest value of each key: replicas compact on their own).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, Producer } from '@samsa/client';
import { buildRecordBatch, ErrorCode, iterateBatches, readRecords } from '@samsa/protocol';
import { openClient, readAll } from '../client/fixture.js';
import { assertReplicasIdentical, batch, cluster, replicatedTopic, stateOf } from './fixture.js';

test('a paused follower leaves the ISR after replica.lag.time.max.ms and rejoins once it has caught up after resuming', async (t) => {
  // Sessions outlast the test's pause: the leader's own ISR check must be what removes it.
  const c = await cluster(t, { config: { 'broker.session.timeout.ms': 6_000 } });
  const { leader, followers } = await replicatedTopic(c, 'stall', 3);
  const [paused, other] = followers as [typeof followers[0], typeof followers[0]];
  const raw = await openClient(t, leader.port);
  paused.pause();
  const pausedAt = Date.now();
  for (let i = 0; i < 10; i++) assert.equal((await raw.produceTo('stall', 0, batch([`r${i}`]), -1, 10_000)).errorCode, 0);
  // The other follower may also drop out for a moment on a loaded machine (its fetches are
  // as late as the lag limit); it must be back while the paused one stays out.
  const shrunk = await c.waitFor('the paused follower out of the ISR, the other in it', async () => {
    const s = await stateOf(c, 'stall');
    return !s.isr.includes(paused.nodeId) && s.isr.includes(other.nodeId) ? s : null;
  }, 6_000);
  t.diagnostic(`out of the ISR ${Date.now() - pausedAt} ms after the pause (replica.lag.time.max.ms=1000)`);
  assert.deepEqual([...shrunk.isr].sort(), [leader.nodeId, other.nodeId].sort());
  assert.equal(shrunk.leader, leader.nodeId);
  assert.equal(shrunk.leaderEpoch, 0, 'an ISR change is no leader change');
  paused.resume();
  const back = await c.waitFor('the follower back in the ISR', async () => {
    const s = await stateOf(c, 'stall');
    return s.isr.length === 3 ? s : null;
  }, 10_000);
  assert.equal(back.leaderEpoch, 0);
  await assertReplicasIdentical(c, 'stall', [0, 1, 2]);
  assert.equal(leader.broker.services.replicaManager.partition('stall', 0)!.highWatermark, 10);
});

test('a killed leader is replaced by the first live ISR replica in AR order, and no acks=all record is lost (RF=3, min.insync.replicas=2)', async (t) => {
  const c = await cluster(t);
  const { state, leader } = await replicatedTopic(c, 'failover', 3, { 'min.insync.replicas': '2' });
  const ar = c.brokers[0]!.broker.services.metadata.partition('failover', 0)!.replicas;
  assert.equal(ar[0], state.leader, 'the first replica in AR leads a new partition');
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all', 'linger.ms': 1, 'retry.backoff.ms': 50, 'request.timeout.ms': 3_000 });
  t.after(() => producer.close(2_000));
  const acked: string[] = [];
  let stop = false;
  const sending = (async () => {
    for (let i = 0; !stop; i++) {
      const value = `m${i}`;
      await producer.send({ topic: 'failover', partition: 0, value });
      acked.push(value);
    }
  })();
  await c.waitFor('some records acknowledged', () => acked.length >= 20);
  await leader.kill();
  const next = await c.waitFor('a new leader', async () => {
    const s = await stateOf(c, 'failover');
    return s.leader >= 0 && s.leader !== leader.nodeId ? s : null;
  }, 5_000);
  assert.equal(next.leader, ar[1], 'AR order: the second replica, alive and in the ISR');
  assert.equal(next.leaderEpoch, state.leaderEpoch + 1);
  const before = acked.length;
  await c.waitFor('records acknowledged by the new leader', () => acked.length >= before + 20, 10_000);
  stop = true;
  await sending;
  const raw = await openClient(t, c.broker(next.leader).port);
  const values = (await readAll(raw, 'failover', 0)).map((r) => r.value!);
  // Every acknowledged record is there, once and in order (the idempotent producer's retries).
  assert.deepEqual(values.slice(0, acked.length), acked);
  assert.equal(new Set(values).size, values.length, 'no duplicates');
  await assertReplicasIdentical(c, 'failover', ar.filter((id) => id !== leader.nodeId));
});

test('no live ISR member: the partition stays offline (unclean.leader.election.enable=false) even when other replicas come back', async (t) => {
  // A fourth broker holds no replica: it stays up to be the controller when all three are down.
  const c = await cluster(t, { brokers: 4 });
  const { state, leader, followers } = await replicatedTopic(c, 'offline', 3);
  const raw = await openClient(t, leader.port);
  for (const f of followers) await f.kill();
  await c.waitFor('the ISR down to the leader', async () => (await stateOf(c, 'offline')).isr.length === 1, 5_000);
  assert.equal((await raw.produceTo('offline', 0, batch(['only-the-leader-has-it']), 1)).errorCode, 0);
  await raw.close();
  await leader.kill();
  const offline = await c.waitFor('offline', async () => {
    const s = await stateOf(c, 'offline');
    return s.leader === -1 ? s : null;
  }, 5_000);
  assert.deepEqual(offline.isr, [state.leader], 'the last ISR member stays in the ISR');
  for (const f of followers) await f.restart();
  const bystander = c.brokers.find((b) => !state.isr.includes(b.nodeId) && b !== leader && !followers.includes(b))!;
  await c.waitFor('the followers registered', () => followers.every((f) => bystander.broker.services.metadata.brokers.has(f.nodeId)));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await stateOf(c, 'offline')).leader, -1, 'out-of-sync replicas do not take over');
  const client = await openClient(t, followers[0]!.port);
  assert.equal((await client.produceTo('offline', 0, batch(['x']), 1)).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  // The last in-sync replica returns and leads again with everything it had.
  await leader.restart();
  const led = await c.waitFor('the old leader leading again', async () => {
    const s = await stateOf(c, 'offline');
    return s.leader === leader.nodeId ? s : null;
  }, 5_000);
  assert.ok(led.leaderEpoch > offline.leaderEpoch);
  const again = await openClient(t, leader.port);
  await c.waitFor('followers back in the ISR', async () => (await stateOf(c, 'offline')).isr.length === 3, 10_000);
  assert.deepEqual((await readAll(again, 'offline', 0)).map((r) => r.value), ['only-the-leader-has-it']);
  await assertReplicasIdentical(c, 'offline', [leader.nodeId, ...followers.map((f) => f.nodeId)]);
});

test('a compacted topic replicates: a follower copies the offset gaps of the cleaned leader log', async (t) => {
  const c = await cluster(t, { config: { 'log.cleaner.backoff.ms': 50 } });
  const { leader, followers } = await replicatedTopic(c, 'compacted', 3, { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' });
  const late = followers[0]!;
  await late.stop();
  const raw = await openClient(t, leader.port);
  for (let i = 0; i < 60; i++) {
    const records = [{ key: Buffer.from(`k${i % 3}`), value: Buffer.from(`v${i}`) }];
    assert.equal((await raw.produceTo('compacted', 0, buildRecordBatch({ records }), 1)).errorCode, 0);
  }
  const p = leader.broker.services.replicaManager.partition('compacted', 0)!;
  await c.waitFor('the HW at the log end', () => p.highWatermark === 60);
  const firstOffsets = async (): Promise<number[]> => (await readAll(raw, 'compacted', 0)).map((r) => r.offset);
  await c.waitFor('the leader log compacted (gaps)', async () => (await firstOffsets()).length < 30, 10_000);
  const leaderOffsets = await firstOffsets();
  assert.ok(leaderOffsets.length < 60 && leaderOffsets[leaderOffsets.length - 1] === 59, `gappy offsets ${leaderOffsets}`);
  await late.restart();
  await c.waitFor('the returning follower in the ISR', async () => (await stateOf(c, 'compacted')).isr.length === 3, 10_000);
  const lp = late.broker.services.replicaManager.partition('compacted', 0)!;
  await c.waitFor('the follower at the leader log end', () => lp.logEndOffset === p.logEndOffset);
  // Each replica compacts on its own (as in Kafka), so compacted replicas agree on the latest
  // value of each key, not on bytes: the follower got there through the leader's gaps.
  const latest = async (part: typeof p): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (let offset = part.logStartOffset; offset < part.logEndOffset; ) {
      const read = await part.log.read(offset, 1 << 20, { maxOffset: part.logEndOffset, minOneBatch: true });
      for (const b of iterateBatches(read.records)) for (const r of readRecords(b)) out.set(r.key!.toString(), r.value!.toString());
      if (read.nextOffset <= offset) break;
      offset = read.nextOffset;
    }
    return out;
  };
  assert.deepEqual(await latest(lp), await latest(p));
  assert.deepEqual([...(await latest(p))].sort(), [['k0', 'v57'], ['k1', 'v58'], ['k2', 'v59']]);
});

/**
 * Regression: our consumer (and producer) kept retrying a dead leader until
 * metadata.max.age.ms (5 minutes), because a connection that could not open never asked
 * for metadata; Kafka's clients refresh on a disconnect. Now a failing leader connection
 * triggers a refresh and the consumer goes on from the new leader.
 */
test('a consumer reading from a killed leader goes on from the new leader (RF=3)', async (t) => {
  const c = await cluster(t);
  const { leader } = await replicatedTopic(c, 'follow-me', 3, { 'min.insync.replicas': '2' });
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all', 'linger.ms': 1 });
  t.after(() => producer.close(2_000));
  for (let i = 0; i < 10; i++) await producer.send({ topic: 'follow-me', partition: 0, value: `a${i}` });
  const consumer = new Consumer({ 'bootstrap.servers': c.bootstrapServers, 'group.id': null, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 100, 'retry.backoff.ms': 50 });
  t.after(() => consumer.close(500));
  consumer.assign([{ topic: 'follow-me', partition: 0 }]);
  const got: string[] = [];
  const pollFor = async (n: number): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`polled ${got.length} of ${n} records: ${c.dump()}`);
      for (const r of await consumer.poll(200)) got.push(String(r.value));
    }
  };
  await pollFor(10);
  await leader.kill();
  for (let i = 10; i < 20; i++) await producer.send({ topic: 'follow-me', partition: 0, value: `a${i}` });
  await pollFor(20);
  assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => `a${i}`));
});
