/**
 * kafka-python 2.0.2 as a ClientDriver: KafkaProducer, KafkaConsumer with assign() and
 * group_id=None (no group coordinator), KafkaAdminClient. kafka-python picks fixed API
 * versions from the broker release it infers from ApiVersions (Produce v7, Fetch v4,
 * ListOffsets v1, Metadata v1/v5 here), so it exercises the old versions.
 */
import { runPython } from '../../helpers/python.js';
import { CLIENT_TIMEOUT_MS, type ClientDriver, type TestRecord } from './driver.js';
import { pythonDriverMethods, pythonDriverParts } from './python-driver.js';

const PRODUCE = `
from kafka import KafkaProducer
codec = ARGS['codec']
p = KafkaProducer(bootstrap_servers=ARGS['bootstrap'], compression_type=None if codec == 'none' else codec,
                  acks='all' if ARGS['acks'] == -1 else ARGS['acks'], linger_ms=20, request_timeout_ms=15000)
futures = [p.send(ARGS['topic'], partition=ARGS['partition'], key=enc(r['key']), value=enc(r['value']),
                  headers=[(k, enc(v)) for k, v in r['headers']]) for r in ARGS['records']]
p.flush(20)
offsets = [f.get(timeout=20).offset for f in futures]
p.close(5)
emit({'offsets': offsets})
`;

const CONSUME = `
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=ARGS['bootstrap'], group_id=None, enable_auto_commit=False)
tp = TopicPartition(ARGS['topic'], ARGS['partition'])
c.assign([tp])
start = ARGS['start']
if start['kind'] == 'beginning':
    c.seek_to_beginning(tp)
elif start['kind'] == 'end':
    c.seek_to_end(tp)
    emit({'ready': True, 'at': c.position(tp)})
elif start['kind'] == 'offset':
    c.seek(tp, start['offset'])
else:
    found = c.offsets_for_times({tp: start['timestampMs']})[tp]
    if found is None:
        raise Exception('offsets_for_times found no offset at or after %d' % start['timestampMs'])
    c.seek(tp, found.offset)
out = []
deadline = time.time() + ARGS['timeoutS']
while len(out) < ARGS['count'] and time.time() < deadline:
    for batch in c.poll(timeout_ms=200, max_records=ARGS['count'] - len(out)).values():
        for m in batch:
            out.append({'offset': m.offset, 'timestamp': m.timestamp, 'key': dec(m.key), 'value': dec(m.value),
                        'headers': [[k, dec(v)] for k, v in m.headers]})
c.close()
emit({'records': out})
`;

const ADMIN = `
op = ARGS['op']
if op in ('create', 'delete', 'list'):
    from kafka.admin import KafkaAdminClient, NewTopic
    a = KafkaAdminClient(bootstrap_servers=ARGS['bootstrap'], request_timeout_ms=15000)
    if op == 'create':
        r = a.create_topics([NewTopic(ARGS['topic'], num_partitions=ARGS['partitions'], replication_factor=1)], timeout_ms=10000)
        errors = [e for e in r.topic_errors if e[1] != 0]
        if errors:
            raise Exception('create_topics: %s' % errors)
        emit({'ok': True})
    elif op == 'delete':
        r = a.delete_topics([ARGS['topic']], timeout_ms=10000)
        errors = [e for e in r.topic_error_codes if e[1] != 0]
        if errors:
            raise Exception('delete_topics: %s' % errors)
        emit({'ok': True})
    else:
        topics = a.describe_topics()
        errors = [t for t in topics if t['error_code'] != 0]
        if errors:
            raise Exception('describe_topics: %s' % errors)
        emit({'topics': {t['topic']: len(t['partitions']) for t in topics}})
    a.close()
else:
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=ARGS['bootstrap'], group_id=None, enable_auto_commit=False)
    tp = TopicPartition(ARGS['topic'], ARGS['partition'])
    if op == 'offsets':
        emit({'earliest': c.beginning_offsets([tp])[tp], 'latest': c.end_offsets([tp])[tp]})
    else:
        found = c.offsets_for_times({tp: ARGS['timestampMs']})[tp]
        emit({'offset': -1 if found is None else found.offset})
    c.close()
`;

export function kafkaPythonDriver(bootstrap: string): ClientDriver {
  const parts = pythonDriverParts('kafka-python', ADMIN, bootstrap);
  const { admin } = parts;
  return {
    name: 'kafka-python',
    creates: 'admin',
    afterLastTimestamp: 'minus-one',
    sendsUncompressed: {},
    async createTopic(topic, partitions) {
      await admin({ op: 'create', topic, partitions });
    },
    async produce(topic: string, records: readonly TestRecord[], options) {
      const r = await runPython<{ offsets: number[] }>(
        PRODUCE,
        { bootstrap, topic, partition: options.partition, codec: options.codec, acks: options.acks ?? -1, records },
        CLIENT_TIMEOUT_MS,
        `kafka-python produce to ${topic}`,
      );
      return r.offsets;
    },
    ...pythonDriverMethods('kafka-python', CONSUME, 'the position at the end', parts),
  };
}
