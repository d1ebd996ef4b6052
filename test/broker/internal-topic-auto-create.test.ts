/**
 * A client naming __consumer_offsets in Metadata (kcat -L -t __consumer_offsets) on a fresh
 * broker gets the internal topic as the group coordinator creates it: offsets.topic.num.partitions
 * partitions, compacted, marked internal; even with auto.create.topics.enable=false, as Kafka.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, Metadata } from '@samsa/protocol';
import { startBrokerFor } from '../helpers/broker-process.js';
import { kcatMetadata } from '../helpers/kcat.js';
import { openClient } from '../helpers/raw-client.js';

test('__consumer_offsets named in Metadata is created with its own partitions, as internal', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'offsets.topic.num.partitions': 7, 'auto.create.topics.enable': false } });
  const bootstrap = broker.current.bootstrap;
  const md = await kcatMetadata(bootstrap, '__consumer_offsets');
  const topic = md.topics.find((x) => x.topic === '__consumer_offsets');
  assert.ok(topic, 'kcat sees __consumer_offsets');
  assert.equal(topic.partitions.length, 7);
  const client = await openClient(t, broker.current.port);
  {
    const res = await client.request<Metadata.MetadataResponse>(ApiKey.Metadata, 9, { topics: [{ name: '__consumer_offsets', topicId: null }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const t0 = res.topics[0]!;
    assert.equal(t0.isInternal, true);
    assert.equal(t0.partitions.length, 7);
    assert.ok(t0.partitions.every((p) => p.leaderId === 0));
  }
  // An ordinary topic is still not auto-created here.
  const other = await kcatMetadata(bootstrap, 'not-auto-created');
  assert.notEqual(other.topics.find((x) => x.topic === 'not-auto-created')?.error, undefined);
});
