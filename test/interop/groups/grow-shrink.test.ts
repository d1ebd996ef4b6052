/**
 * A consumer group of a real client grows from 1 to 3 members and shrinks back to 1 while a
 * producer keeps writing keyed, numbered records to a 6-partition topic; each step waits
 * until the group has rebalanced (the members' assignments split the partitions between
 * them and DescribeGroups shows them all, Stable). Then:
 *  - no record is lost: every acknowledged record was consumed by some member (a record
 *    consumed twice around a rebalance is allowed: the group is at-least-once);
 *  - the last member's final commit covers the whole log;
 *  - after a broker restart the commits are still there, and a new member of the group
 *    gets only records produced after the restart, none already committed.
 * Once with kafkajs consumers and once with confluent-kafka (librdkafka) consumers; the
 * producer is kafkajs in both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { killChildren } from '../../helpers/child-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { committedVsEnd, ConfluentMember, kafkaClient, missing, SequenceProducer, seqValue, type KafkaClient } from './group-helpers.js';

const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0 };
const PARTITIONS = 6;
const ALL = Array.from({ length: PARTITIONS }, (_, i) => i);
const REBALANCE_WAIT_MS = 15_000;
const TEST_TIMEOUT_MS = 75_000;

interface Member {
  readonly label: string;
  values(): string[];
  /** The partitions of its latest generation. */
  assignment(): number[];
  /** Commits and leaves the group. */
  leave(): Promise<void>;
  /** Ends it whatever state it is in (test cleanup). */
  close(): Promise<void>;
  /** Its assignments and revocations, for failure messages. */
  history?(): string;
}

interface GroupClient {
  name: string;
  start(label: string): Promise<Member>;
}

/**
 * Every member and producer a test started is closed when it ends, passed or not, within a
 * bound. Register this before the broker: `after` hooks run in the order they are added,
 * and the clients must go while the broker still answers.
 */
function cleanupFirst(t: { after(fn: () => unknown): void }): { members: Member[]; producers: SequenceProducer[] } {
  const started = { members: [] as Member[], producers: [] as SequenceProducer[] };
  t.after(async () => {
    const all = Promise.all([...started.members.map((m) => m.close()), ...started.producers.map((p) => p.disconnect())].map((p) => p.catch(() => undefined)));
    await Promise.race([all, new Promise((r) => setTimeout(r, 10_000).unref())]);
    killChildren();
  });
  return started;
}

function tracked(client: GroupClient, members: Member[]): GroupClient {
  return {
    name: client.name,
    async start(label) {
      const m = await client.start(label);
      members.push(m);
      return m;
    },
  };
}

function kafkajsClient(kafka: KafkaClient, groupId: string, topic: string): GroupClient {
  return {
    name: 'kafkajs',
    async start(label) {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 250 });
      const values: string[] = [];
      let assignment: number[] = [];
      const history: number[][] = [];
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
        history.push(assignment);
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
        },
      });
      return { label, values: () => values, assignment: () => assignment, leave: () => consumer.disconnect(), close: () => consumer.disconnect(), history: () => JSON.stringify(history) };
    },
  };
}

function confluentClient(bootstrap: string, groupId: string, topic: string): GroupClient {
  return {
    name: 'confluent-kafka',
    async start(label) {
      const m = new ConfluentMember(label, {
        bootstrap,
        group: groupId,
        topic,
        config: { 'enable.auto.commit': true, 'auto.commit.interval.ms': 500, 'fetch.wait.max.ms': 100 },
        commitOnClose: true,
        timeoutMs: TEST_TIMEOUT_MS,
      });
      return {
        label,
        values: () => m.values(),
        assignment: () => m.assignment(),
        leave: async () => {
          await m.stop();
          assert.deepEqual(m.errors(), [], `${label} reported errors`);
        },
        close: () => m.crash(),
        history: () => JSON.stringify(m.rebalanceEvents()),
      };
    },
  };
}

/** Waits until exactly these members split all partitions, each has some, and the broker describes the same group, Stable. */
async function waitBalanced(kafka: KafkaClient, groupId: string, members: Member[], what: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(`${what}: ${members.map((m) => m.label).join(', ')} to share the partitions`, REBALANCE_WAIT_MS, async () => {
      const parts = members.map((m) => m.assignment());
      if (parts.some((p) => p.length === 0)) return undefined;
      const union = parts.flat().sort((a, b) => a - b);
      if (JSON.stringify(union) !== JSON.stringify(ALL)) return undefined;
      const { groups } = await admin.describeGroups([groupId]);
      const g = groups[0]!;
      return g.state === 'Stable' && g.members.length === members.length ? true : undefined;
    });
  } finally {
    await admin.disconnect();
  }
}

/** Waits until every member has consumed at least `n` more records than it had. */
async function waitConsuming(members: Member[], n: number): Promise<void> {
  const before = members.map((m) => m.values().length);
  await waitFor('every member to consume', REBALANCE_WAIT_MS, () => (members.every((m, i) => m.values().length >= before[i]! + n) ? true : undefined));
}

async function growAndShrink(t: { after(fn: () => unknown): void }, makeClient: (bootstrap: string, kafka: KafkaClient) => GroupClient, name: string): Promise<void> {
  const groupId = `grow-${name}`;
  const topic = `grow-${name}`;
  const started = cleanupFirst(t);
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const kafka = kafkaClient(broker.current.bootstrap, groupId);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
  await admin.disconnect();
  const client = tracked(makeClient(broker.current.bootstrap, kafka), started.members);

  const producer = new SequenceProducer(kafka, topic, { batch: 6, intervalMs: 20, keys: 48 });
  started.producers.push(producer);
  const m1 = await client.start('m1');
  await waitBalanced(kafka, groupId, [m1], 'one member');
  await producer.start();
  await waitConsuming([m1], 1);

  const m2 = await client.start('m2');
  await waitBalanced(kafka, groupId, [m1, m2], 'growing to two');
  await waitConsuming([m1, m2], 1);
  const m3 = await client.start('m3');
  await waitBalanced(kafka, groupId, [m1, m2, m3], 'growing to three');
  await waitConsuming([m1, m2, m3], 1);

  await m3.leave();
  await waitBalanced(kafka, groupId, [m1, m2], 'shrinking to two');
  await waitConsuming([m1, m2], 1);
  await m2.leave();
  await waitBalanced(kafka, groupId, [m1], 'shrinking to one');
  await waitConsuming([m1], 1);
  await producer.stop();

  const members = [m1, m2, m3];
  const consumed = (): string[] => members.flatMap((m) => m.values());
  await waitFor('every acknowledged record to be consumed', REBALANCE_WAIT_MS, () => (missing(producer.acked, consumed()).length === 0 ? true : undefined)).catch((e: Error) => {
    const lost = missing(producer.acked, consumed());
    const histories = members.map((m) => `${m.label}: ${m.history?.() ?? ''}`).join('\n');
    throw new Error(`${e.message}: ${lost.length} of ${producer.acked.length} records never consumed, e.g. ${lost.slice(0, 10).join(', ')}\n${histories}`);
  });
  await m1.leave();
  const produced = producer.acked.length;
  assert.ok(produced > 100, `the producer wrote ${produced} records during the test`);
  for (const m of members) assert.ok(m.values().length > 0, `${m.label} consumed records`);

  const final = await committedVsEnd(kafka, groupId, topic);
  assert.deepEqual(
    final.map((p) => p.committed),
    final.map((p) => p.end),
    `the final commit covers the log: ${JSON.stringify(final)}`,
  );

  // Restart: the commits survive, and a new member resumes after them.
  await broker.restart();
  assert.deepEqual(await committedVsEnd(kafka, groupId, topic), final, 'commits survive a restart');
  const after = new SequenceProducer(kafka, topic, { batch: 4 * PARTITIONS, intervalMs: 0, keys: 48, prefix: 'after', firstSeq: 1_000_000 });
  started.producers.push(after);
  const fresh = await client.start('m4');
  await after.sendBatch();
  await after.disconnect();
  // Every partition got new records, so an already-committed record of any partition would
  // be delivered before that partition's new ones: waiting for the new ones is enough.
  const grown = await committedVsEnd(kafka, groupId, topic);
  assert.ok(
    grown.every((p, i) => p.end > final[i]!.end),
    `every partition has records after the last commit: ${JSON.stringify(final)} -> ${JSON.stringify(grown)}`,
  );
  const wanted = after.acked.map(seqValue).sort();
  await waitFor(`${fresh.label} to consume the ${wanted.length} records produced after the restart`, REBALANCE_WAIT_MS, () => (fresh.values().length >= wanted.length ? true : undefined));
  await new Promise((r) => setTimeout(r, 300)); // room for anything extra to arrive
  const again = fresh.values().filter((v) => !wanted.includes(v));
  assert.deepEqual(again.slice(0, 20), [], `${again.length} already-committed records were delivered again after the restart`);
  assert.deepEqual([...fresh.values()].sort(), wanted, 'exactly the records produced after the restart are delivered');
  await fresh.leave();
}

test('kafkajs: a group grows from 1 to 3 members and back while a producer writes; nothing lost, nothing committed delivered again after a restart', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await growAndShrink(t, (_bootstrap, kafka) => kafkajsClient(kafka, 'grow-kafkajs', 'grow-kafkajs'), 'kafkajs');
});

test('confluent-kafka: a group grows from 1 to 3 members and back while a producer writes; nothing lost, nothing committed delivered again after a restart', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await growAndShrink(t, (bootstrap) => confluentClient(bootstrap, 'grow-confluent', 'grow-confluent'), 'confluent');
});
