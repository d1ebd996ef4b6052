/**
 * Durability across a crash: records acknowledged by the broker (acks=1 and acks=all, sent
 * by confluent-kafka / librdkafka) are all there, exactly once and at the offsets they were
 * acknowledged at, after the broker process is killed with SIGKILL and restarted on the same
 * data directory; and the recovered log accepts new appends at the next offset.
 * Producers run with retries=0, so a record is never sent twice: an unacknowledged record
 * may be in the log once or not at all, an acknowledged one exactly once.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { removeDir, startBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { killChildren, sleep } from '../helpers/child-process.js';
import { lastJsonLine, startPython } from '../helpers/python.js';
import { confluentDriver } from './clients/confluent-kafka.js';
import type { ClientDriver } from './clients/driver.js';
import { expectOffsets, expectRecords, plainRecords } from './records.js';

/**
 * Small segments, so the logs roll many times and recovery after the kill has several
 * segments and their indexes to deal with (segment.bytes must exceed message.max.bytes).
 */
const OVERRIDES = { 'log.segment.bytes': 60_000, 'message.max.bytes': 50_000 };

/** Starts a broker whose data dir (and any restarted broker on it) is cleaned up after the test. */
async function brokerFor(t: TestContext): Promise<{ first: BrokerProcess; restart: () => Promise<BrokerProcess> }> {
  const brokers: BrokerProcess[] = [];
  const first = await startBroker({ overrides: OVERRIDES });
  brokers.push(first);
  t.after(async () => {
    killChildren();
    for (const b of brokers) await b.kill();
    await removeDir(first.dataDir);
  });
  return {
    first,
    restart: async () => {
      const b = await startBroker({ dataDir: first.dataDir, port: first.port, overrides: OVERRIDES });
      brokers.push(b);
      return b;
    },
  };
}

/** Reads the whole partition and checks the log has no gaps and ends at `latest`. */
async function readAll(d: ClientDriver, topic: string): Promise<Map<string, number[]>> {
  const { earliest, latest } = await d.listOffsets(topic, 0);
  assert.equal(earliest, 0, `${topic}: log start after the restart`);
  const records = await d.consume(topic, 0, { kind: 'beginning' }, latest);
  assert.deepEqual(records.map((r) => r.offset), Array.from({ length: latest }, (_, i) => i), `${topic}: offsets 0..${latest - 1}, no gaps`);
  const byKey = new Map<string, number[]>();
  for (const r of records) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r.offset]);
  return byKey;
}

/** The log still takes appends after recovery: at the next offset, readable at once. */
async function expectAppendable(d: ClientDriver, topic: string): Promise<void> {
  const { latest } = await d.listOffsets(topic, 0);
  const more = plainRecords(`${topic}-after-restart`, 10);
  const startedMs = Date.now();
  expectOffsets(await d.produce(topic, more, { partition: 0, codec: 'gzip', acks: -1 }), latest, more.length, `${topic}: produce after the restart`);
  expectRecords(await d.consume(topic, 0, { kind: 'offset', offset: latest }, more.length), more, {
    firstOffset: latest,
    notBeforeMs: startedMs,
    what: `${topic}: read back after the restart`,
  });
}

test('records acknowledged with acks=1 and acks=all survive kill -9 exactly once, and the log takes new appends', { timeout: 120_000 }, async (t) => {
  const { first, restart } = await brokerFor(t);
  const count = 2000;
  const topics = { 'dur-acks-1': 1, 'dur-acks-all': -1 } as const;
  let d = confluentDriver(first.bootstrap);
  const startedMs = Date.now();
  for (const [topic, acks] of Object.entries(topics)) {
    await d.createTopic(topic, 1);
    // Several produce calls, so the log holds many batches of different codecs.
    for (const [i, codec] of (['none', 'lz4', 'zstd', 'snappy'] as const).entries()) {
      const part = plainRecords(topic, count / 4, (i * count) / 4);
      expectOffsets(await d.produce(topic, part, { partition: 0, codec, acks }), (i * count) / 4, part.length, `${topic} ${codec}`);
    }
  }
  await first.kill();
  const second = await restart();
  d = confluentDriver(second.bootstrap);
  for (const topic of Object.keys(topics)) {
    const expected = plainRecords(topic, count);
    const { latest } = await d.listOffsets(topic, 0);
    assert.equal(latest, count, `${topic}: latest offset after the restart`);
    expectRecords(await d.consume(topic, 0, { kind: 'beginning' }, count), expected, { firstOffset: 0, notBeforeMs: startedMs, what: `${topic} after kill -9` });
    await expectAppendable(d, topic);
  }
});

/** Produces `count` records at a steady pace, printing progress; retries=0; reports each record's offset or failure. */
const PACED_PRODUCER = `
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': ARGS['bootstrap'], 'acks': ARGS['acks'], 'retries': 0, 'linger.ms': 5, 'batch.size': 30000,
              'message.timeout.ms': 20000, 'reconnect.backoff.ms': 50, 'reconnect.backoff.max.ms': 200})
offsets = [None] * ARGS['count']
failed = []
reasons = {}
acked = [0]
def report(i):
    def cb(err, msg):
        if err is not None:
            failed.append(i)
            reasons[str(err)] = reasons.get(str(err), 0) + 1
        else:
            offsets[i] = msg.offset()
            acked[0] += 1
    return cb
for i in range(ARGS['count']):
    p.produce(ARGS['topic'], partition=0, key=('%s-%d' % (ARGS['topic'], i)).encode(), value=b'x' * 100, on_delivery=report(i))
    if i % 100 == 99:
        p.poll(0.01)
        emit({'acked': acked[0]})
left = p.flush(30)
emit({'offsets': offsets, 'failed': failed, 'reasons': reasons, 'undelivered': left})
`;

test('kill -9 while a producer sends with acks=all: every acknowledged record is there exactly once', { timeout: 120_000 }, async (t) => {
  const { first, restart } = await brokerFor(t);
  const topic = 'dur-mid-stream';
  const count = 20_000;
  await confluentDriver(first.bootstrap).createTopic(topic, 1);
  const run = startPython(PACED_PRODUCER, { bootstrap: first.bootstrap, topic, count, acks: -1 }, 90_000, 'paced confluent-kafka producer');
  await run.waitFor('stdout', /"acked": ([3-9]\d{3}|\d{5})/, 30_000, '3000 acknowledged records');
  await first.kill();
  await sleep(300);
  const second = await restart();
  const result = lastJsonLine<{ offsets: Array<number | null>; failed: number[]; reasons: Record<string, number>; undelivered: number }>(await run.output(), 'paced producer');
  const acked = result.offsets.flatMap((o, i) => (o === null ? [] : [[`${topic}-${i}`, o] as const]));
  t.diagnostic(`${acked.length} acknowledged, ${result.failed.length} failed, ${result.undelivered} undelivered of ${count}; failures: ${JSON.stringify(result.reasons)}`);
  assert.ok(acked.length >= 3000, 'the records acknowledged before the kill are counted');

  const d = confluentDriver(second.bootstrap);
  const byKey = await readAll(d, topic);
  for (const [key, offset] of acked) {
    assert.deepEqual(byKey.get(key), [offset], `${key}: acknowledged at offset ${offset}, found at ${JSON.stringify(byKey.get(key) ?? [])}`);
  }
  for (const [key, offsets] of byKey) assert.equal(offsets.length, 1, `${key} is in the log ${offsets.length} times`);
  await expectAppendable(d, topic);
});
