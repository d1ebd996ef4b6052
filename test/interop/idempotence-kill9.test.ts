/**
 * The idempotent producer across a crash: librdkafka (confluent-kafka, enable.idempotence)
 * keeps sending while the broker is killed with -9 and restarted on the same data dir. Its
 * retries of batches the broker had already written must be recognised from the producer
 * state rebuilt out of the log: every record ends up in the log exactly once, in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removeDir, startBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { killChildren, sleep } from '../helpers/child-process.js';
import { lastJsonLine, startPython } from '../helpers/python.js';
import { confluentDriver } from './clients/confluent-kafka.js';

const IDEMPOTENT_PRODUCER = `
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': ARGS['bootstrap'], 'enable.idempotence': True, 'linger.ms': 5,
              'batch.size': 20000, 'message.timeout.ms': 60000, 'reconnect.backoff.ms': 50,
              'reconnect.backoff.max.ms': 200})
failed = []
acked = [0]
def cb(err, msg):
    if err is not None:
        failed.append(str(err))
    else:
        acked[0] += 1
for i in range(ARGS['count']):
    while True:
        try:
            p.produce(ARGS['topic'], partition=0, key=b'k', value=str(i).encode(), on_delivery=cb)
            break
        except BufferError:
            p.poll(0.05)
    if i % 200 == 199:
        p.poll(0.005)
        emit({'acked': acked[0]})
left = p.flush(60)
emit({'acked': acked[0], 'failed': failed, 'undelivered': left})
`;

test('librdkafka idempotent producer through kill -9 and restart: every record once, in order', { timeout: 150_000 }, async (t) => {
  const brokers: BrokerProcess[] = [];
  const first = await startBroker();
  brokers.push(first);
  t.after(async () => {
    killChildren();
    for (const b of brokers) await b.kill();
    await removeDir(first.dataDir);
  });
  const topic = 'idempotent';
  const count = 20_000;
  await confluentDriver(first.bootstrap).createTopic(topic, 1);
  const run = startPython(IDEMPOTENT_PRODUCER, { bootstrap: first.bootstrap, topic, count }, 120_000, 'idempotent confluent-kafka producer');
  await run.waitFor('stdout', /"acked": ([3-9]\d{3}|\d{5})/, 40_000, '3000 acknowledged records');
  await first.kill();
  await sleep(500);
  const second = await startBroker({ dataDir: first.dataDir, port: first.port });
  brokers.push(second);
  const result = lastJsonLine<{ acked: number; failed: string[]; undelivered: number }>(await run.output(), 'idempotent producer');
  assert.deepEqual(result.failed, [], 'no record failed');
  assert.equal(result.undelivered, 0);
  assert.equal(result.acked, count);

  const d = confluentDriver(second.bootstrap);
  const { latest } = await d.listOffsets(topic, 0);
  const records = await d.consume(topic, 0, { kind: 'beginning' }, latest);
  const values = records.map((r) => Number(r.value));
  assert.equal(values.length, count, `the log holds ${values.length} records for ${count} sent: duplicates or losses`);
  assert.deepEqual(values, Array.from({ length: count }, (_, i) => i), 'every record exactly once, in the order sent');
});
