import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBrokerConfig, parseListener, parseProperties } from '../../src/config/broker-config.js';

test('defaults are Kafka\'s, with the broker on 127.0.0.1:9092 and data in ./data', () => {
  const c = buildBrokerConfig(new Map());
  assert.equal(c.nodeId, 0);
  assert.deepEqual(c.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
  assert.equal(c.logDir, './data');
  assert.equal(c.messageMaxBytes, 1048588);
  assert.equal(c.socketRequestMaxBytes, 104857600);
  assert.equal(c.autoCreateTopicsEnable, true);
  assert.equal(c.values.get('log.retention.ms'), String(168 * 3_600_000));
});

test('broker synonyms become topic defaults, and the coarse retention forms convert to ms', () => {
  const c = buildBrokerConfig(new Map([['log.segment.bytes', '2000000'], ['log.retention.minutes', '5']]));
  assert.equal(c.topicDefaults.get('segment.bytes'), '2000000');
  assert.equal(c.topicDefaults.get('retention.ms'), '300000');
});

test('bad settings are refused with a message naming the setting', () => {
  assert.throws(() => buildBrokerConfig(new Map([['no.such.setting', '1']])), /unknown broker setting no.such.setting/);
  assert.throws(() => buildBrokerConfig(new Map([['num.partitions', 'three']])), /num.partitions: not an integer/);
  assert.throws(() => buildBrokerConfig(new Map([['num.partitions', '0']])), /must be at least 1/);
  assert.throws(() => buildBrokerConfig(new Map([['listeners', 'localhost:9092']])), /NAME:\/\/host:port/);
});

test('limits that contradict each other are refused at startup', () => {
  assert.throws(() => buildBrokerConfig(new Map([['log.segment.bytes', '1000'], ['message.max.bytes', '2000']])), /log.segment.bytes \(1000\) must be larger than message.max.bytes/);
  assert.throws(() => buildBrokerConfig(new Map([['socket.request.max.bytes', '1000']])), /socket.request.max.bytes \(1000\) must be at least message.max.bytes/);
});

test('server.properties parsing skips comments and keeps values with = in them', () => {
  const p = parseProperties('# comment\n! also\n\nnode.id=3\nlisteners = PLAINTEXT://127.0.0.1:0\nx.y=a=b\n');
  assert.deepEqual([...p], [['node.id', '3'], ['listeners', 'PLAINTEXT://127.0.0.1:0'], ['x.y', 'a=b']]);
  assert.deepEqual(parseListener('PLAINTEXT://[::1]:9093'), { name: 'PLAINTEXT', host: '::1', port: 9093 });
});

test("the log cleaner's settings have Kafka's names and defaults, and its topic-level synonyms reach LogConfig", async () => {
  const { toLogConfig } = await import('../../src/config/topic-config.js');
  const d = buildBrokerConfig(new Map());
  assert.equal(d.logCleanerEnable, true);
  assert.equal(d.logCleanerBackoffMs, 15_000);
  assert.equal(d.logCleanerDedupeBufferSize, 134_217_728);
  assert.equal(d.values.get('offsets.topic.segment.bytes'), '104857600');
  const defaults = toLogConfig(d.topicDefaults);
  assert.equal(defaults.minCleanableDirtyRatio, 0.5);
  assert.equal(defaults.deleteRetentionMs, 86_400_000);
  assert.equal(defaults.minCompactionLagMs, 0);
  assert.equal(defaults.maxCompactionLagMs, Number.MAX_SAFE_INTEGER);
  const c = buildBrokerConfig(
    new Map([
      ['log.cleaner.enable', 'false'],
      ['log.cleaner.backoff.ms', '200'],
      ['log.cleaner.min.cleanable.ratio', '0.1'],
      ['log.cleaner.delete.retention.ms', '1000'],
      ['log.cleaner.io.max.bytes.per.second', '1048576'],
    ]),
  );
  assert.equal(c.logCleanerEnable, false);
  assert.equal(c.logCleanerBackoffMs, 200);
  assert.equal(c.logCleanerIoMaxBytesPerSecond, 1_048_576);
  const topic = toLogConfig(new Map([...c.topicDefaults, ['min.cleanable.dirty.ratio', '0.25']]));
  assert.equal(topic.minCleanableDirtyRatio, 0.25, 'the topic setting overrides the broker synonym');
  assert.equal(topic.deleteRetentionMs, 1000);
  assert.throws(() => buildBrokerConfig(new Map([['log.cleaner.backoff.ms', '-1']])), /log.cleaner.backoff.ms/);
});

test('a compacted topic rolls its active segment by max.compaction.lag.ms when that is sooner than segment.ms (KIP-354)', async () => {
  const { toLogConfig } = await import('../../src/config/topic-config.js');
  const lag = new Map([
    ['segment.ms', '600000'],
    ['max.compaction.lag.ms', '60000'],
  ]);
  assert.equal(toLogConfig(new Map([...lag, ['cleanup.policy', 'compact']])).segmentMs, 60_000);
  assert.equal(toLogConfig(new Map([...lag, ['cleanup.policy', 'compact,delete']])).segmentMs, 60_000);
  assert.equal(toLogConfig(new Map([...lag, ['cleanup.policy', 'delete']])).segmentMs, 600_000);
  assert.equal(toLogConfig(new Map([['cleanup.policy', 'compact']])).segmentMs, 604_800_000);
});
