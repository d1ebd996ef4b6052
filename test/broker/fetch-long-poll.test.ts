/**
 * Long polling: a parked fetch wakes when data arrives, waits out max_wait_ms when none
 * does, and answers at once when its topic is deleted.
 *
 * Regression: a fetch parked on a topic that was then deleted waited its whole max_wait_ms
 * and answered error 0; Kafka answers early with UNKNOWN_TOPIC_OR_PARTITION.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, buildRecordBatch, DeleteTopics, ErrorCode, Fetch } from '@samsa/protocol';
import { removeDir, startBroker } from '../helpers/broker-process.js';
import { openClient } from '../helpers/raw-client.js';

test('a parked fetch wakes on data, times out without it, and fails fast when its topic goes', async (t) => {
  const broker = await startBroker();
  t.after(async () => {
    await broker.kill();
    await removeDir(broker.dataDir);
  });
  const consumer = await openClient(t, broker.port);
  const producer = await openClient(t, broker.port);
  await consumer.createTopic('poll', 1);
  const fetch = (maxWaitMs: number) =>
    consumer.fetch({
      maxWaitMs,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: 'poll', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
    });

  let started = performance.now();
  let r: Fetch.FetchResponse = await fetch(300);
  assert.ok(performance.now() - started >= 250, 'with no data the fetch waits max_wait_ms');
  assert.equal(r.responses[0]!.partitions[0]!.records!.length, 0);

  started = performance.now();
  const parked = fetch(10_000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await producer.produceTo('poll', 0, buildRecordBatch({ records: [{ value: Buffer.from('x') }] }));
  r = await parked;
  assert.ok(performance.now() - started < 5_000, 'data wakes the parked fetch');
  assert.ok(r.responses[0]!.partitions[0]!.records!.length > 0);

  const orphan = consumer.fetch({
    maxWaitMs: 10_000,
    minBytes: 1,
    maxBytes: 1 << 20,
    topics: [{ topic: 'poll', partitions: [{ partition: 0, fetchOffset: 1n, partitionMaxBytes: 1 << 20 }] }],
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  started = performance.now();
  const deleted = await producer.request<DeleteTopics.DeleteTopicsResponse>(ApiKey.DeleteTopics, 4, { topicNames: ['poll'], timeoutMs: 5000 });
  assert.equal(deleted.responses[0]!.errorCode, 0);
  r = await orphan;
  assert.ok(performance.now() - started < 5_000, 'deleting the topic answers the parked fetch early');
  assert.equal(r.responses[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});
