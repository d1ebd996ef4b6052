/**
 * The sender's error handling against a scripted broker: which errors refresh metadata and
 * retry, when retries stop, and the idempotent producer's epoch bump after the broker
 * refuses a batch's sequence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ErrorCode, Produce, readBatchHeader, type RecordBatchHeader } from '@samsa/protocol';
import { Producer, type ProducerConfig } from '../../src/index.js';
import { KafkaProtocolError, SamsaClientError } from '../../src/errors.js';
import { FakeBroker, type Answer, type SeenRequest } from '../helpers/fake-broker.js';

interface Scripted {
  broker: FakeBroker;
  produced: Array<{ header: RecordBatchHeader; atMs: number }>;
  count(apiKey: number): number;
}

/** A one-broker cluster with topic t (one partition); `onProduce` answers each Produce (its index, its batch). */
async function scripted(t: { after(fn: () => unknown): void }, onProduce: (n: number, header: RecordBatchHeader) => number): Promise<Scripted> {
  const produced: Scripted['produced'] = [];
  let nextOffset = 0;
  let producerId = 1000n;
  const broker: FakeBroker = await FakeBroker.start((req: SeenRequest): Answer | void => {
    if (req.apiKey === ApiKey.Metadata) {
      return {
        body: {
          brokers: [{ nodeId: 0, host: '127.0.0.1', port: broker.port }],
          controllerId: 0,
          topics: [{ errorCode: 0, name: 't', partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0] }] }],
        },
      };
    }
    if (req.apiKey === ApiKey.InitProducerId) return { body: { throttleTimeMs: 0, errorCode: 0, producerId: producerId++, producerEpoch: 0 } };
    if (req.apiKey !== ApiKey.Produce) return;
    const body = Produce.decodeProduceRequest(req.body, req.apiVersion);
    const header = readBatchHeader(body.topicData[0]!.partitionData[0]!.records!);
    produced.push({ header, atMs: Date.now() });
    const errorCode = onProduce(produced.length - 1, header);
    const baseOffset = errorCode === 0 ? nextOffset : -1;
    if (errorCode === 0) nextOffset += header.recordsCount;
    return { body: { throttleTimeMs: 0, responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode, baseOffset: BigInt(baseOffset) }] }] } };
  });
  t.after(() => broker.close());
  return { broker, produced, count: (k) => broker.seen.filter((r) => r.apiKey === k).length };
}

function producer(t: { after(fn: () => unknown): void }, port: number, extra: Partial<ProducerConfig> = {}): Producer {
  const p = new Producer({ 'bootstrap.servers': `127.0.0.1:${port}`, 'linger.ms': 0, 'retry.backoff.ms': 20, 'retry.backoff.max.ms': 40, ...extra });
  t.after(() => p.close(500));
  return p;
}

test('NOT_LEADER_OR_FOLLOWER refreshes metadata and retries after retry.backoff.ms', async (t) => {
  const s = await scripted(t, (n) => (n === 0 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : 0));
  const p = producer(t, s.broker.port, { 'retry.backoff.ms': 100, 'retry.backoff.max.ms': 100 });
  const md = await p.send({ topic: 't', value: 'v' });
  assert.equal(md.offset, 0);
  assert.equal(s.produced.length, 2);
  assert.ok(s.count(ApiKey.Metadata) >= 2, 'metadata was refreshed before the retry');
  const gap = s.produced[1]!.atMs - s.produced[0]!.atMs;
  assert.ok(gap >= 95, `retried after the backoff (${gap} ms)`);
  assert.equal(s.produced[1]!.header.baseSequence, s.produced[0]!.header.baseSequence, 'a retry keeps its sequence');
});

test('a retriable error stops being retried after `retries` retries, failing with the broker error', async (t) => {
  const s = await scripted(t, () => ErrorCode.NOT_ENOUGH_REPLICAS);
  const p = producer(t, s.broker.port, { retries: 2 });
  const e = (await p.send({ topic: 't', value: 'v' }).catch((x: unknown) => x)) as KafkaProtocolError;
  assert.ok(e instanceof KafkaProtocolError);
  assert.equal(e.type, 'NOT_ENOUGH_REPLICAS');
  assert.equal(e.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.equal(e.retriable, true);
  assert.equal(s.produced.length, 3, 'the first attempt and two retries');
});

test('a non-retriable error fails the batch at once', async (t) => {
  const s = await scripted(t, () => ErrorCode.INVALID_RECORD);
  const p = producer(t, s.broker.port);
  const e = (await p.send({ topic: 't', value: 'v' }).catch((x: unknown) => x)) as KafkaProtocolError;
  assert.equal(e.type, 'INVALID_RECORD');
  assert.equal(e.retriable, false);
  assert.equal(s.produced.length, 1);
});

test('retries stop at delivery.timeout.ms', async (t) => {
  const s = await scripted(t, () => ErrorCode.NOT_ENOUGH_REPLICAS);
  const p = producer(t, s.broker.port, { 'delivery.timeout.ms': 400, 'request.timeout.ms': 300 });
  const started = Date.now();
  const e = (await p.send({ topic: 't', value: 'v' }).catch((x: unknown) => x)) as SamsaClientError;
  const ms = Date.now() - started;
  assert.ok(e instanceof SamsaClientError);
  assert.ok(e.code === 'KAFKA_ERROR' || e.code === 'DELIVERY_TIMEOUT', e.message);
  assert.ok(ms >= 350 && ms < 2000, `gave up at about delivery.timeout.ms (${ms} ms)`);
  assert.ok(s.produced.length >= 3);
});

for (const refusal of [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.UNKNOWN_PRODUCER_ID]) {
  test(`${refusal === ErrorCode.UNKNOWN_PRODUCER_ID ? 'UNKNOWN_PRODUCER_ID' : 'OUT_OF_ORDER_SEQUENCE_NUMBER'} on the next expected batch fails it and starts a new epoch from sequence 0`, async (t) => {
    const s = await scripted(t, (n) => (n === 1 ? refusal : 0));
    const p = producer(t, s.broker.port);
    const first = await p.send({ topic: 't', value: 'a' });
    assert.equal(first.offset, 0);
    const e = (await p.send({ topic: 't', value: 'b' }).catch((x: unknown) => x)) as KafkaProtocolError;
    assert.ok(e instanceof KafkaProtocolError);
    assert.equal(e.errorCode, refusal);
    const third = await p.send({ topic: 't', value: 'c' });
    assert.equal(third.offset, 1);
    const [h0, h1, h2] = s.produced.map((x) => x.header);
    assert.equal(h0!.baseSequence, 0);
    assert.equal(h1!.baseSequence, 1);
    assert.equal(s.count(ApiKey.InitProducerId), 2, 'a second InitProducerId for the new epoch');
    assert.notEqual(h2!.producerId, h0!.producerId, 'this broker hands out a new producer id');
    assert.equal(h2!.baseSequence, 0, 'sequences start again at 0');
  });
}

test('OUT_OF_ORDER_SEQUENCE_NUMBER behind a batch that failed retriably is retried, keeping order', async (t) => {
  // Two batches in flight together: the first fails retriably, so the broker refuses the
  // second's sequence; both are sent again, in order, under the same epoch.
  const s = await scripted(t, (n) => (n === 1 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : n === 2 ? ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER : 0));
  const p = producer(t, s.broker.port, { 'batch.size': 100 });
  await p.send({ topic: 't', value: 'warm' });
  const results = await Promise.all(['x'.repeat(60), 'y'.repeat(60)].map((value) => p.send({ topic: 't', value })));
  assert.deepEqual(results.map((r) => r.offset), [1, 2]);
  assert.deepEqual(s.produced.map((x) => x.header.baseSequence), [0, 1, 2, 1, 2], 'the refused batches went again with their sequences');
  assert.equal(s.count(ApiKey.InitProducerId), 1, 'no new epoch: nothing was lost');
});

test('a leader move: the old leader answers NOT_LEADER_OR_FOLLOWER, metadata names the new one, the retry goes there', async (t) => {
  let leader = 0;
  const producedAt: number[] = [];
  const brokers: FakeBroker[] = [];
  const handler = (self: number) => (req: SeenRequest): Answer | void => {
    if (req.apiKey === ApiKey.Metadata) {
      return {
        body: {
          brokers: brokers.map((b, nodeId) => ({ nodeId, host: '127.0.0.1', port: b.port })),
          controllerId: 0,
          topics: [{ errorCode: 0, name: 't', partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: leader, leaderEpoch: leader, replicaNodes: [0, 1], isrNodes: [0, 1] }] }],
        },
      };
    }
    if (req.apiKey === ApiKey.InitProducerId) return { body: { throttleTimeMs: 0, errorCode: 0, producerId: 5n, producerEpoch: 0 } };
    if (req.apiKey !== ApiKey.Produce) return;
    producedAt.push(self);
    // The first write reaches broker 0 just as leadership moves to broker 1.
    if (self === 0) leader = 1;
    const errorCode = self === leader ? 0 : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return { body: { throttleTimeMs: 0, responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode, baseOffset: errorCode ? -1n : 0n }] }] } };
  };
  brokers.push(await FakeBroker.start(handler(0)), await FakeBroker.start(handler(1)));
  t.after(() => Promise.all(brokers.map((b) => b.close())));
  const p = producer(t, brokers[0]!.port);
  const md = await p.send({ topic: 't', value: 'v' });
  assert.equal(md.offset, 0);
  assert.deepEqual(producedAt, [0, 1], 'first to the old leader, then to the new one');
});
