/**
 * confluent-kafka-python 1.7 (librdkafka 2.0.2) as a ClientDriver: Producer with delivery
 * reports, Consumer with assign() (no group: the broker has no group coordinator yet, and
 * librdkafka never asks for one when FindCoordinator is not in ApiVersions), AdminClient.
 */
import { runPython } from '../../helpers/python.js';
import { CLIENT_TIMEOUT_MS, type ClientDriver, type TestRecord } from './driver.js';
import { pythonDriverMethods, pythonDriverParts } from './python-driver.js';
import { LIBRDKAFKA_SENDS_UNCOMPRESSED } from './librdkafka.js';

const PRODUCE = `
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': ARGS['bootstrap'], 'compression.codec': ARGS['codec'], 'acks': ARGS['acks'],
              'linger.ms': 20, 'message.timeout.ms': 15000})
offsets = [None] * len(ARGS['records'])
errors = []
def report(i):
    def cb(err, msg):
        if err is not None:
            errors.append('record %d: %s' % (i, err))
        else:
            offsets[i] = msg.offset()
    return cb
for i, r in enumerate(ARGS['records']):
    p.produce(ARGS['topic'], partition=ARGS['partition'], key=enc(r['key']), value=enc(r['value']),
              headers=[(k, enc(v)) for k, v in r['headers']], on_delivery=report(i))
    p.poll(0)
left = p.flush(20)
emit({'offsets': offsets, 'errors': errors, 'undelivered': left})
`;

const CONSUME = `
from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING, OFFSET_END
c = Consumer({'bootstrap.servers': ARGS['bootstrap'], 'group.id': 'samsa-interop', 'enable.auto.commit': False,
              'enable.partition.eof': True})
topic, part, start = ARGS['topic'], ARGS['partition'], ARGS['start']
if start['kind'] == 'beginning':
    offset = OFFSET_BEGINNING
elif start['kind'] == 'end':
    offset = OFFSET_END
elif start['kind'] == 'offset':
    offset = start['offset']
else:
    found = c.offsets_for_times([TopicPartition(topic, part, start['timestampMs'])], timeout=10)[0]
    if found.error is not None:
        raise Exception('offsets_for_times: %s' % found.error)
    offset = found.offset
c.assign([TopicPartition(topic, part, offset)])
out = []
ready = False
deadline = time.time() + ARGS['timeoutS']
while len(out) < ARGS['count'] and time.time() < deadline:
    m = c.poll(0.2)
    if m is None:
        continue
    if m.error():
        if m.error().code() == KafkaError._PARTITION_EOF:
            if not ready:
                ready = True
                emit({'ready': True, 'at': m.offset()})
            continue
        raise Exception(str(m.error()))
    out.append({'offset': m.offset(), 'timestamp': m.timestamp()[1], 'key': dec(m.key()), 'value': dec(m.value()),
                'headers': [[k, dec(v)] for k, v in (m.headers() or [])]})
c.close()
emit({'records': out})
`;

const ADMIN = `
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
op = ARGS['op']
if op in ('create', 'delete', 'list'):
    a = AdminClient({'bootstrap.servers': ARGS['bootstrap']})
    if op == 'create':
        fs = a.create_topics([NewTopic(ARGS['topic'], num_partitions=ARGS['partitions'], replication_factor=1)],
                             operation_timeout=10, request_timeout=15)
        fs[ARGS['topic']].result(20)
        emit({'ok': True})
    elif op == 'delete':
        fs = a.delete_topics([ARGS['topic']], operation_timeout=10, request_timeout=15)
        fs[ARGS['topic']].result(20)
        emit({'ok': True})
    else:
        md = a.list_topics(timeout=10)
        for name, t in md.topics.items():
            if t.error is not None:
                raise Exception('list_topics: %s: %s' % (name, t.error))
        emit({'topics': {name: len(t.partitions) for name, t in md.topics.items()}})
else:
    c = Consumer({'bootstrap.servers': ARGS['bootstrap'], 'group.id': 'samsa-interop', 'enable.auto.commit': False})
    tp = TopicPartition(ARGS['topic'], ARGS['partition'])
    if op == 'offsets':
        low, high = c.get_watermark_offsets(tp, timeout=10, cached=False)
        emit({'earliest': low, 'latest': high})
    else:
        tp.offset = ARGS['timestampMs']
        found = c.offsets_for_times([tp], timeout=10)[0]
        if found.error is not None:
            raise Exception('offsets_for_times: %s' % found.error)
        emit({'offset': found.offset})
    c.close()
`;

export function confluentDriver(bootstrap: string): ClientDriver {
  const parts = pythonDriverParts('confluent-kafka', ADMIN, bootstrap);
  const { admin } = parts;
  return {
    name: 'confluent-kafka',
    creates: 'admin',
    afterLastTimestamp: 'minus-one',
    sendsUncompressed: LIBRDKAFKA_SENDS_UNCOMPRESSED,
    async createTopic(topic, partitions) {
      await admin({ op: 'create', topic, partitions });
    },
    async produce(topic: string, records: readonly TestRecord[], options) {
      const r = await runPython<{ offsets: Array<number | null>; errors: string[]; undelivered: number }>(
        PRODUCE,
        { bootstrap, topic, partition: options.partition, codec: options.codec, acks: options.acks ?? -1, records },
        CLIENT_TIMEOUT_MS,
        `confluent-kafka produce to ${topic}`,
      );
      if (r.errors.length > 0 || r.undelivered > 0) throw new Error(`confluent-kafka produce to ${topic}: ${r.undelivered} undelivered; ${r.errors.join('; ')}`);
      return r.offsets.map((o) => o ?? -1);
    },
    ...pythonDriverMethods('confluent-kafka', CONSUME, 'the end-of-partition event', parts),
  };
}
