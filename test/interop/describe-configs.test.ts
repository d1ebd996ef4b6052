/**
 * Regression: DescribeConfigs closed the connection of every client that used it.
 *
 * The bug: the handler filled in `isDefault` for every version, but that field exists only
 * in DescribeConfigs v0 (v1 replaced it with configSource), and the generated encoder
 * refuses a set field the version lacks. Any topic has default-valued configs, so v1+ (kafkajs
 * v2, kafka-python v2, librdkafka v1) always failed with "DescribeConfigsResourceResult.
 * isDefault cannot be sent at version 2" and the broker closed the connection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajsModule from 'kafkajs';
import { ApiKey, DescribeConfigs } from '@samsa/protocol';
import { runPython } from '../helpers/python.js';
import { RawConnection } from '../helpers/raw-connection.js';
import { useBroker } from './fixture.js';

const { Kafka, logLevel } = kafkajsModule;
const TOPIC = 'described';
const RESOURCE_TOPIC = 2;
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;

/** name -> [value, configSource] for retention.ms (set on the topic) and max.message.bytes (default). */
type Described = Record<string, [string | null, number]>;
const EXPECTED: Described = { 'retention.ms': ['3600000', SOURCE_TOPIC], 'max.message.bytes': ['1048588', SOURCE_DEFAULT] };

const KAFKA_PYTHON = `
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers=ARGS['bootstrap'], request_timeout_ms=15000)
r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, ARGS['topic'])])[0]
res = r.resources[0]
if res[0] != 0:
    raise Exception('describe_configs: error %d %s' % (res[0], res[1]))
emit({e[0]: [e[1], e[3]] for e in res[4] if e[0] in ARGS['names']})
a.close()
`;

const CONFLUENT = `
from confluent_kafka.admin import AdminClient, ConfigResource
a = AdminClient({'bootstrap.servers': ARGS['bootstrap']})
res = a.describe_configs([ConfigResource('topic', ARGS['topic'])], request_timeout=15)
entries = list(res.values())[0].result(20)
emit({n: [entries[n].value, entries[n].source] for n in ARGS['names']})
`;

describe('DescribeConfigs against the broker process', () => {
  const broker = useBroker();
  const names = Object.keys(EXPECTED);

  it('answers kafkajs, kafka-python and confluent-kafka with each config and its source', { timeout: 60_000 }, async (t) => {
    const kafka = new Kafka({ clientId: 'samsa-interop', brokers: [broker().bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true });

    const fromKafkajs = await admin.describeConfigs({ resources: [{ type: RESOURCE_TOPIC, name: TOPIC, configNames: names }], includeSynonyms: false });
    const entries = fromKafkajs.resources[0]!.configEntries as Array<{ configName: string; configValue: string; configSource?: number }>;
    assert.deepEqual(Object.fromEntries(entries.map((e) => [e.configName, [e.configValue, e.configSource]])), EXPECTED, 'kafkajs (DescribeConfigs v2)');

    const args = { bootstrap: broker().bootstrap, topic: TOPIC, names };
    assert.deepEqual(await runPython<Described>(KAFKA_PYTHON, args, 30_000, 'kafka-python describe_configs'), EXPECTED, 'kafka-python');
    assert.deepEqual(await runPython<Described>(CONFLUENT, args, 30_000, 'confluent-kafka describe_configs'), EXPECTED, 'confluent-kafka');
  });

  it('answers every version from 0 to 4 (isDefault in v0, configSource from v1)', { timeout: 30_000 }, async (t) => {
    const conn = await RawConnection.connect(broker().port);
    t.after(() => conn.destroy());
    for (let v = 0; v <= 4; v++) {
      const body = await conn.request({
        apiKey: ApiKey.DescribeConfigs,
        apiVersion: v,
        correlationId: 100 + v,
        body: (w) => DescribeConfigs.encodeDescribeConfigsRequest(w, v, { resources: [{ resourceType: RESOURCE_TOPIC, resourceName: TOPIC, configurationKeys: names }] }),
      });
      const response = DescribeConfigs.decodeDescribeConfigsResponse(body, v);
      assert.equal(body.remaining, 0, `v${v}: decoded to the last byte`);
      const result = response.results[0]!;
      assert.equal(result.errorCode, 0, `v${v}`);
      const got = Object.fromEntries(result.configs.map((c) => [c.name, v === 0 ? [c.value, c.isDefault] : [c.value, c.configSource]]));
      const want = v === 0 ? { 'retention.ms': ['3600000', false], 'max.message.bytes': ['1048588', true] } : EXPECTED;
      assert.deepEqual(got, want, `v${v}`);
    }
  });
});
