import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionType, iterateBatches, readRecords, validateBatch } from '@samsa/protocol';
import { ProducerBatch, type AppendInput } from '../../src/producer/producer-batch.js';
import { byteLength, headerPairs, headersSize, type Bytes, type HeadersInput } from '../../src/producer/record-encoding.js';

function input(timestamp: number, key: Bytes | null, value: Bytes | null, headers?: HeadersInput): AppendInput {
  const pairs = headerPairs(headers);
  return { timestamp, key, keyLength: byteLength(key), value, valueLength: byteLength(value), headers: pairs, headersBytes: headersSize(pairs), callback: null };
}

function decode(bytes: Buffer) {
  const [batch, ...rest] = [...iterateBatches(bytes)];
  assert.equal(rest.length, 0);
  validateBatch(batch!.bytes); // CRC-32C and structure, as a broker checks them
  return { header: batch!.header, records: [...readRecords(batch!)] };
}

for (const [name, codec] of Object.entries(CompressionType)) {
  test(`records written one by one decode as Kafka's reader sees them (${name})`, () => {
    const b = new ProducerBatch('t', 0, Buffer.alloc(4096), 4096, 1000);
    assert.ok(b.tryAppend(input(1_700_000_000_000, 'k1', Buffer.from('v1'), { h1: 'x', h2: null })));
    assert.ok(b.tryAppend(input(1_700_000_000_005, null, null)));
    assert.ok(b.tryAppend(input(1_699_999_999_990, Buffer.from([0xff, 0]), 'é', [['dup', 'a'], ['dup', Buffer.from('b')]])));
    b.seal(codec);
    const { header, records } = decode(b.bytes!);
    assert.equal(header.attributes & 7, codec);
    assert.equal(header.recordsCount, 3);
    assert.equal(header.lastOffsetDelta, 2);
    assert.equal(header.baseTimestamp, 1_700_000_000_000n);
    assert.equal(header.maxTimestamp, 1_700_000_000_005n);
    assert.equal(header.producerId, -1n);
    assert.equal(header.baseSequence, -1);
    assert.deepEqual(records.map((r) => r.key?.toString('hex') ?? null), [Buffer.from('k1').toString('hex'), null, 'ff00']);
    assert.deepEqual(records.map((r) => r.value?.toString() ?? null), ['v1', null, 'é']);
    assert.deepEqual(records.map((r) => r.timestamp), [1_700_000_000_000n, 1_700_000_000_005n, 1_699_999_999_990n]);
    assert.deepEqual(records[0]!.headers.map((h) => [h.key, h.value?.toString() ?? null]), [['h1', 'x'], ['h2', null]]);
    assert.deepEqual(records[2]!.headers.map((h) => [h.key, h.value?.toString()]), [['dup', 'a'], ['dup', 'b']]);
    assert.deepEqual(records.map((r) => r.offsetDelta), [0, 1, 2]);
  });
}

test('stamping producer fields keeps the batch valid (the CRC is recomputed)', () => {
  const b = new ProducerBatch('t', 0, Buffer.alloc(1024), 1024, 0);
  b.tryAppend(input(5, null, 'a'));
  b.tryAppend(input(6, null, 'b'));
  b.seal(CompressionType.none);
  b.stamp(42n, 3, 17);
  const { header } = decode(b.bytes!);
  assert.equal(header.producerId, 42n);
  assert.equal(header.producerEpoch, 3);
  assert.equal(header.baseSequence, 17);
  assert.equal(b.lastSequence, 18);
  b.stamp(42n, 4, 0);
  assert.equal(decode(b.bytes!).header.producerEpoch, 4);
});

test('a batch takes records up to batch.size, and always its first record', () => {
  const b = new ProducerBatch('t', 0, Buffer.alloc(2000), 200, 0);
  const v = Buffer.alloc(50);
  let n = 0;
  while (b.tryAppend(input(0, null, v))) n++;
  assert.ok(n >= 2 && b.sizeInBytes <= 200, `${n} records in ${b.sizeInBytes} bytes`);
  assert.ok(b.isFull(58));
  assert.ok(b.isFull(), 'full for a record like the last one: the sender need not wait out linger.ms');
  const roomy = new ProducerBatch('t', 0, Buffer.alloc(2000), 200, 0);
  roomy.tryAppend(input(0, null, v));
  assert.equal(roomy.isFull(), false);
  const big = new ProducerBatch('t', 0, Buffer.alloc(2000), 200, 0);
  assert.ok(big.tryAppend(input(0, null, Buffer.alloc(500))), 'a record larger than batch.size gets a batch of its own');
  assert.equal(big.tryAppend(input(0, null, 'x')), false);
});

test('the last sequence wraps at Int32.MAX like Kafka sequences', () => {
  const b = new ProducerBatch('t', 0, Buffer.alloc(1024), 1024, 0);
  for (let i = 0; i < 3; i++) b.tryAppend(input(0, null, 'x'));
  b.seal(CompressionType.none);
  b.stamp(1n, 0, 2147483646);
  assert.equal(b.lastSequence, 0);
});
