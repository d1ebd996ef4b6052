import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONSUMER_DEFAULTS, SamsaClientError } from '../../src/index.js';
import { parseConsumerConfig } from '../../src/consumer/consumer-config.js';

const base = { 'bootstrap.servers': '127.0.0.1:9092' };

test("Kafka 4.0's defaults", () => {
  const s = parseConsumerConfig({ ...base, 'group.id': 'g' });
  assert.equal(s.sessionTimeoutMs, 45000);
  assert.equal(s.heartbeatIntervalMs, 3000);
  assert.equal(s.maxPollIntervalMs, 300000);
  assert.equal(s.maxPollRecords, 500);
  assert.equal(s.enableAutoCommit, true);
  assert.equal(s.autoCommitIntervalMs, 5000);
  assert.equal(s.autoOffsetReset, 'latest');
  assert.equal(s.fetchMinBytes, 1);
  assert.equal(s.fetchMaxBytes, 52428800);
  assert.equal(s.fetchMaxWaitMs, 500);
  assert.equal(s.maxPartitionFetchBytes, 1048576);
  assert.equal(s.isolationLevel, 0);
  assert.deepEqual(s.assignors.map((a) => a.name), ['range', 'cooperative-sticky']);
  assert.equal(CONSUMER_DEFAULTS['partition.assignment.strategy'], 'range,cooperative-sticky');
});

test('an unknown or invalid setting is CONFIG_INVALID', () => {
  const bad: Array<Record<string, unknown>> = [
    { 'fetch.max.wait': 5 },
    { 'max.poll.records': 0 },
    { 'auto.offset.reset': 'smallest' },
    { 'isolation.level': 'serializable' },
    { 'heartbeat.interval.ms': 50000 },
    { 'group.instance.id': 'i' },
    { 'enable.auto.commit': true },
    { 'partition.assignment.strategy': 'fair' },
    { 'request.timeout.ms': 400 },
  ];
  for (const extra of bad) {
    assert.throws(() => parseConsumerConfig({ ...base, ...extra } as never), (e: unknown) => e instanceof SamsaClientError && e.code === 'CONFIG_INVALID', JSON.stringify(extra));
  }
});

test('without a group auto commit is off; read_committed and assignor objects are taken', () => {
  assert.equal(parseConsumerConfig(base).enableAutoCommit, false);
  const s = parseConsumerConfig({ ...base, 'group.id': 'g', 'isolation.level': 'read_committed', 'partition.assignment.strategy': ['org.apache.kafka.clients.consumer.RoundRobinAssignor', 'sticky'] });
  assert.equal(s.isolationLevel, 1);
  assert.deepEqual(s.assignors.map((a) => a.name), ['roundrobin', 'sticky']);
});
