import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ErrorCode } from '@samsa/protocol';
import { BrokerPool } from '../../src/connection/broker-pool.js';
import { MetadataManager } from '../../src/metadata/metadata-manager.js';
import { SamsaClientError } from '../../src/errors.js';
import { FakeBroker } from '../helpers/fake-broker.js';

async function setup(t: { after(fn: () => unknown): void }, topicError: (n: number) => number, maxAgeMs = 60_000) {
  let n = 0;
  const broker: FakeBroker = await FakeBroker.start((req) => {
    if (req.apiKey !== ApiKey.Metadata) return;
    const errorCode = topicError(n++);
    return {
      body: {
        brokers: [{ nodeId: 7, host: '127.0.0.1', port: broker.port }],
        controllerId: 7,
        topics: [{ errorCode, name: 't', partitions: errorCode ? [] : [{ errorCode: 0, partitionIndex: 0, leaderId: 7, replicaNodes: [7], isrNodes: [7] }] }],
      },
    };
  });
  t.after(() => broker.close());
  const pool = new BrokerPool([{ host: '127.0.0.1', port: broker.port }], {
    clientId: 'test',
    requestTimeoutMs: 5000,
    connectTimeoutMs: 5000,
    maxInFlightRequests: 5,
    reconnectBackoff: { initialMs: 50, maxMs: 1000 },
  });
  const md = new MetadataManager(pool, { metadataMaxAgeMs: maxAgeMs, retryBackoff: { initialMs: 100, maxMs: 100 }, allowAutoTopicCreation: true, random: () => 0.5 });
  t.after(async () => {
    md.close();
    await pool.close();
  });
  const requests = () => broker.seen.filter((r) => r.apiKey === ApiKey.Metadata).length;
  return { md, pool, requests };
}

test('a topic still being created is asked for again every retry.backoff.ms until it has partitions', async (t) => {
  const { md, pool, requests } = await setup(t, (n) => (n < 3 ? ErrorCode.LEADER_NOT_AVAILABLE : 0));
  const started = Date.now();
  const topic = await md.waitForTopic('t', 5000);
  assert.equal(topic.partitions[0]!.leaderId, 7);
  assert.equal(requests(), 4);
  assert.ok(Date.now() - started >= 290, 'three backoffs of 100 ms');
  assert.ok(pool.hasNode(7), 'brokers from metadata become known nodes');
});

test('waitForTopic fails with METADATA_TIMEOUT, or at once on a topic error that is not retriable', async (t) => {
  const slow = await setup(t, () => ErrorCode.LEADER_NOT_AVAILABLE);
  const e = (await slow.md.waitForTopic('t', 300).catch((x: unknown) => x)) as SamsaClientError;
  assert.equal(e.code, 'METADATA_TIMEOUT');
  const bad = await setup(t, () => ErrorCode.INVALID_TOPIC_EXCEPTION);
  const e2 = (await bad.md.waitForTopic('t', 5000).catch((x: unknown) => x)) as SamsaClientError;
  assert.equal(e2.code, 'KAFKA_ERROR');
  assert.match(e2.message, /INVALID_TOPIC_EXCEPTION/);
});

test('repeated requests for an update are spaced by retry.backoff.ms, not a loop', async (t) => {
  const { md, requests } = await setup(t, () => 0);
  await md.waitForTopic('t', 5000);
  const before = requests();
  const until = Date.now() + 500;
  while (Date.now() < until) {
    md.requestUpdate();
    await new Promise((r) => setTimeout(r, 5));
  }
  const made = requests() - before;
  assert.ok(made >= 3 && made <= 7, `about one refresh per 100 ms over 500 ms (${made})`);
});

test('metadata is refreshed every metadata.max.age.ms without being asked', async (t) => {
  const { md, requests } = await setup(t, () => 0, 150);
  await md.waitForTopic('t', 5000);
  const before = requests();
  await new Promise((r) => setTimeout(r, 700));
  const made = requests() - before;
  assert.ok(made >= 3 && made <= 6, `${made} refreshes in 700 ms at a 150 ms max age`);
});
