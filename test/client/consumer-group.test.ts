/**
 * Consumer groups of our consumers against a real broker: a group of three splits six
 * partitions and rebalances as members leave and join while a producer keeps writing;
 * cooperative-sticky revokes only what moves; a static member restarts without a rebalance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, Producer, type ConsumerConfig, type ConsumerRecord, type TopicPartition } from '@samsa/client';
import { consumerFor, FAST_GROUP, groupBroker, produceNumbered, waitFor } from './consumer-fixture.js';

/** A member that polls in the background, keeping what it reads and its rebalance events. */
class Member {
  readonly records: ConsumerRecord[] = [];
  readonly revoked: TopicPartition[][] = [];
  readonly assigned: TopicPartition[][] = [];
  private stopped = false;
  private loop: Promise<void>;
  constructor(readonly consumer: Consumer, topic: string) {
    consumer.subscribe([topic], {
      onPartitionsRevoked: (tps) => void this.revoked.push(tps),
      onPartitionsAssigned: (tps) => void this.assigned.push(tps),
    });
    this.loop = (async () => {
      while (!this.stopped) this.records.push(...(await consumer.poll(100)));
    })();
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.consumer.close();
  }
}

const key = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

test('three consumers split six partitions; one leaves, one joins, while a producer writes: every record read, per-partition order kept', { timeout: 120_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 6 });
  const bootstrap = broker.current.bootstrap;
  const config: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'group.id': 'three', 'auto.offset.reset': 'earliest', 'partition.assignment.strategy': 'range', ...FAST_GROUP };
  await produceNumbered(bootstrap, 'six', 60, { partitions: 6 });
  const members = [0, 1, 2].map(() => new Member(consumerFor(t, config), 'six'));
  await waitFor(() => members.every((m) => m.consumer.assignment().length === 2), 20_000, 'two partitions each');
  const owned = members.flatMap((m) => m.consumer.assignment().map(key)).sort();
  assert.deepEqual(owned, ['six-0', 'six-1', 'six-2', 'six-3', 'six-4', 'six-5'], 'no overlap, nothing missing');

  const producer = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 2 });
  let produced = 60;
  let producing = true;
  const writer = (async () => {
    while (producing) {
      await Promise.all(Array.from({ length: 12 }, () => { const n = produced++; return producer.send({ topic: 'six', partition: n % 6, value: `v-${n}` }); }));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  await members[0]!.stop(); // leaves: the other two take its partitions
  await waitFor(() => members.slice(1).reduce((n, m) => n + m.consumer.assignment().length, 0) === 6, 20_000, 'the two left to own all six');
  await new Promise((r) => setTimeout(r, 500));
  const late = new Member(consumerFor(t, config), 'six');
  members.push(late);
  await waitFor(() => members.slice(1).every((m) => m.consumer.assignment().length === 2), 20_000, 'three members again');
  await new Promise((r) => setTimeout(r, 500));
  producing = false;
  await writer;
  await producer.close();
  await waitFor(() => new Set(members.flatMap((m) => m.records.map((r) => r.value!.toString()))).size >= produced, 30_000, `all ${produced} records read`);
  for (const m of members.slice(1)) await m.stop();

  const all = members.flatMap((m) => m.records);
  const distinct = new Set(all.map((r) => r.value!.toString()));
  assert.equal(distinct.size, produced, 'every record read');
  // At-least-once: a record may come twice across a rebalance, but each member reads each partition in order.
  for (const m of members) {
    const last = new Map<number, number>();
    for (const r of m.records) {
      const prev = last.get(r.partition);
      assert.ok(prev === undefined || r.offset > prev || m.revoked.length + m.assigned.length > 1, `member reads partition ${r.partition} in order`);
      last.set(r.partition, r.offset);
    }
  }
  const duplicates = all.length - distinct.size;
  assert.ok(duplicates <= produced / 4, `few duplicates across rebalances (${duplicates})`);
});

test('cooperative-sticky: a joining member takes partitions from the first; only moved partitions are revoked, the rest are never', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 4 });
  const bootstrap = broker.current.bootstrap;
  const config: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'group.id': 'coop', 'auto.offset.reset': 'earliest', 'partition.assignment.strategy': 'cooperative-sticky', ...FAST_GROUP };
  await produceNumbered(bootstrap, 'four', 40, { partitions: 4 });
  const a = new Member(consumerFor(t, config), 'four');
  await waitFor(() => a.consumer.assignment().length === 4, 20_000, 'the first member to own all four');
  const b = new Member(consumerFor(t, config), 'four');
  await waitFor(() => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2, 20_000, 'two partitions each');
  const kept = a.consumer.assignment().map(key).sort();
  const revoked = a.revoked.flat().map(key).sort();
  assert.equal(revoked.length, 2, `only the two moved partitions were revoked (${revoked})`);
  assert.deepEqual([...revoked, ...kept].sort(), ['four-0', 'four-1', 'four-2', 'four-3']);
  assert.deepEqual(b.consumer.assignment().map(key).sort(), revoked, 'the new member got exactly what the first gave up');
  assert.deepEqual(b.revoked, []);
  await a.stop();
  await b.stop();
});

test('static membership: a member restarted within session.timeout.ms gets its partitions back with no rebalance', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 2 });
  const bootstrap = broker.current.bootstrap;
  const config = (instance: string): ConsumerConfig => ({ 'bootstrap.servers': bootstrap, 'group.id': 'static', 'group.instance.id': instance, 'auto.offset.reset': 'earliest', 'partition.assignment.strategy': 'range', ...FAST_GROUP, 'session.timeout.ms': 10_000 });
  const a = new Member(consumerFor(t, config('a')), 'two');
  const b = new Member(consumerFor(t, config('b')), 'two');
  await waitFor(() => a.consumer.assignment().length === 1 && b.consumer.assignment().length === 1, 20_000, 'one partition each');
  const bOwned = b.consumer.assignment().map(key);
  const generation = a.consumer.coordinator!.generationId;
  await b.stop(); // a static member sends no LeaveGroup
  const b2 = new Member(consumerFor(t, config('b')), 'two');
  await waitFor(() => b2.consumer.assignment().length === 1, 20_000, 'the restarted member to get a partition');
  assert.deepEqual(b2.consumer.assignment().map(key), bOwned, 'the same partition back');
  await new Promise((r) => setTimeout(r, 1000)); // a rebalance would reach a through its heartbeat by now
  assert.equal(a.revoked.length, 0, 'the other member was never revoked');
  assert.equal(a.consumer.coordinator!.generationId, generation, 'no new generation');
  await produceNumbered(bootstrap, 'two', 10, { partitions: 2 });
  await waitFor(() => a.records.length + b2.records.length >= 10, 20_000, 'both to read');
  await a.stop();
  await b2.stop();
});

test('max.poll.interval.ms: a consumer that stops polling leaves the group (the other takes over) and rejoins on its next poll', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 2 });
  const bootstrap = broker.current.bootstrap;
  const config: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'group.id': 'slow', 'auto.offset.reset': 'earliest', 'partition.assignment.strategy': 'range', ...FAST_GROUP };
  const slow = consumerFor(t, { ...config, 'max.poll.interval.ms': 1500 });
  const lost: TopicPartition[][] = [];
  slow.subscribe(['pi'], { onPartitionsLost: (tps) => void lost.push(tps) });
  const other = new Member(consumerFor(t, config), 'pi');
  const deadline = Date.now() + 20_000;
  while (slow.assignment().length !== 1 && Date.now() < deadline) await slow.poll(100);
  assert.equal(slow.assignment().length, 1);
  await waitFor(() => other.consumer.assignment().length === 2, 20_000, 'the other member to take both partitions after the slow one left');
  assert.equal(slow.coordinator!.state, 'unjoined');
  const until = Date.now() + 20_000;
  const stableWithOne = (): boolean => (slow.coordinator!.state as string) === 'stable' && slow.assignment().length === 1;
  while (!stableWithOne() && Date.now() < until) await slow.poll(100);
  assert.equal(slow.assignment().length, 1, 'rejoined on poll');
  assert.equal(lost.length, 1, 'its old partition was reported lost');
  await waitFor(() => other.consumer.assignment().length === 1, 20_000, 'the other member to give one partition back');
  await slow.close();
  await other.stop();
});
