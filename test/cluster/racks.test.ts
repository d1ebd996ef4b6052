/**
 * broker.rack on the in-process cluster: a real client creates a topic, and every
 * partition's replicas land on as many racks as the replication factor allows, with leaders
 * spread over the brokers. kafka-python reads the racks back from Metadata.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { runPython } from '../helpers/python.js';
import { cluster } from './fixture.js';

const RACKS = ['rack-a', 'rack-b', 'rack-c'];
const rackOf = (id: number): string => RACKS[id % RACKS.length]!;

test('with broker.rack set, each partition spreads its replicas over distinct racks and leaders over brokers', async (t) => {
  const c = await cluster(t, { brokers: 6, brokerConfig: (id) => ({ 'broker.rack': rackOf(id) }) });
  const kafka = new Kafka({ clientId: 'racks-test', brokers: c.bootstrapServers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  assert.equal(await admin.createTopics({ topics: [{ topic: 'racked', numPartitions: 12, replicationFactor: 3 }], waitForLeaders: true, timeout: 10_000 }), true);

  const seen = await runPython<{ brokers: { node_id: number; rack: string | null }[]; partitions: { partition: number; leader: number; replicas: number[] }[] }>(
    `
    from kafka import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=ARGS['bootstrap'], request_timeout_ms=10000)
    cluster = admin.describe_cluster()
    topic = admin.describe_topics(['racked'])[0]
    emit({'brokers': [{'node_id': b['node_id'], 'rack': b['rack']} for b in cluster['brokers']],
          'partitions': [{'partition': p['partition'], 'leader': p['leader'], 'replicas': p['replicas']} for p in topic['partitions']]})
    admin.close()
    `,
    { bootstrap: c.bootstrapServers.split(',') },
    30_000,
    'kafka-python describe_cluster/describe_topics',
  );

  assert.deepEqual(
    seen.brokers.map((b) => [b.node_id, b.rack]).sort((x, y) => Number(x[0]) - Number(y[0])),
    [0, 1, 2, 3, 4, 5].map((id) => [id, rackOf(id)]),
    'Metadata carries each broker.rack',
  );
  assert.equal(seen.partitions.length, 12);
  const leaders = new Map<number, number>();
  for (const p of seen.partitions) {
    assert.equal(p.replicas.length, 3);
    assert.deepEqual(new Set(p.replicas.map(rackOf)).size, 3, `partition ${p.partition} replicas ${p.replicas} double a rack`);
    leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
  }
  assert.deepEqual([...leaders.values()].sort(), [2, 2, 2, 2, 2, 2], `12 leaders spread 2 per broker: ${JSON.stringify([...leaders])}`);
});
