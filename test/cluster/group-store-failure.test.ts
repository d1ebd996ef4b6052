/**
 * A group that forms while its __consumer_offsets partition cannot take writes (ISR below
 * min.insync.replicas=2, as just after the topic's creation on a cluster of processes).
 * Kafka's doSyncGroup answers SyncGroup only once the generation is stored, and a failed
 * write answers it with COORDINATOR_NOT_AVAILABLE and rebalances. The coordinator used to
 * hand the assignment out first and drop the write's error, so a member consumed under a
 * generation that no coordinator after a move knew of (the fault test's group then held a
 * member from an older record, assigned half the partitions, that nobody read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer } from '@samsa/client';
import { cluster } from './fixture.js';

const GROUP = 'store-failure';
const OFFSETS = '__consumer_offsets';

test('a group formed while its offsets partition is under min.insync.replicas gets its assignment once stored, and keeps exactly its one member through a coordinator move', { timeout: 90_000 }, async (t) => {
  const c = await cluster(t, { config: { 'min.insync.replicas': 2, 'offsets.topic.replication.factor': 3, 'offsets.topic.num.partitions': 1, 'default.replication.factor': 3 } });
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers, 'request.timeout.ms': 5_000 });
  t.after(() => admin.close());
  await admin.createTopics([{ topic: 'events', numPartitions: 6, replicationFactor: 3 }]);
  // The first group request creates __consumer_offsets.
  await admin.describeGroups([GROUP], { timeoutMs: 10_000 });
  const full = await c.waitFor(`${OFFSETS}-0 with its full ISR`, async () => {
    const s = await c.partitionState(OFFSETS, 0);
    return s && s.leader >= 0 && s.isr.length === 3 ? s : null;
  }, 15_000);
  const coordinator = c.broker(full.leader);

  // Its followers die: the controller shrinks the ISR to the leader, which refuses writes.
  const followers = c.brokers.filter((b) => b !== coordinator);
  for (const f of followers) await f.kill();
  await c.waitFor(`${OFFSETS}-0's ISR down to its leader`, async () => (await c.partitionState(OFFSETS, 0))?.isr.length === 1, 15_000);

  const consumer = new Consumer({
    'bootstrap.servers': c.bootstrapServers,
    'group.id': GROUP,
    'enable.auto.commit': false,
    'session.timeout.ms': 6_000,
    'heartbeat.interval.ms': 300,
    'retry.backoff.ms': 100,
    'retry.backoff.max.ms': 500,
  });
  const events: string[] = [];
  consumer.subscribe(['events'], {
    onPartitionsAssigned: (tps) => void events.push(`assigned ${tps.map((tp) => tp.partition).sort()}`),
    onPartitionsRevoked: (tps) => void events.push(`revoked ${tps.map((tp) => tp.partition).sort()}`),
    onPartitionsLost: (tps) => void events.push(`lost ${tps.map((tp) => tp.partition).sort()}`),
  });
  let polling = true;
  const loop = (async () => {
    while (polling) await consumer.poll(200).catch(() => undefined);
  })();
  t.after(async () => {
    polling = false;
    await loop;
    await consumer.close(5_000);
  });

  // While no write succeeds, no generation is handed out.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.deepEqual(events, [], 'no assignment while the group cannot be stored');
  assert.deepEqual(consumer.assignment(), []);

  for (const f of followers) await f.restart();
  await c.waitFor('the consumer to own every partition', () => consumer.assignment().length === 6, 20_000);
  const [stored] = await admin.describeGroups([GROUP], { timeoutMs: 10_000 });
  assert.equal(stored!.state, 'Stable');
  assert.equal(stored!.members.length, 1, `one member: ${stored!.members.map((m) => m.memberId).join(', ')}`);
  const memberId = stored!.members[0]!.memberId;

  // The coordinator goes; its successor loads the stored generation, which the consumer holds.
  await coordinator.kill();
  await c.waitFor(`another leader of ${OFFSETS}-0`, async () => {
    const s = await c.partitionState(OFFSETS, 0);
    return s && s.leader >= 0 && s.leader !== coordinator.nodeId ? s : null;
  }, 15_000);
  // Past a session timeout: a member loaded without heartbeats would have expired by now.
  await new Promise((r) => setTimeout(r, 7_000));
  const [moved] = await admin.describeGroups([GROUP], { timeoutMs: 10_000 });
  assert.notEqual(moved!.coordinator, coordinator.nodeId);
  assert.equal(moved!.state, 'Stable');
  assert.equal(moved!.members.length, 1, `exactly one member: ${moved!.members.map((m) => m.memberId).join(', ')}`);
  assert.equal(consumer.assignment().length, 6, 'the one member owns every partition');
  assert.equal(events[0], 'assigned 0,1,2,3,4,5', `the first assignment already has every partition: ${events.join('; ')}`);
  t.diagnostic(`member ${memberId} before the move, ${moved!.members[0]!.memberId} after; rebalances: ${events.join('; ')}`);
});
