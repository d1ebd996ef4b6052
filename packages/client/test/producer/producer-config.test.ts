import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProducerConfig } from '../../src/producer/producer-config.js';
import { SamsaClientError } from '../../src/errors.js';

const base = { 'bootstrap.servers': '127.0.0.1:9092' } as const;

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof SamsaClientError && e.code === 'CONFIG_INVALID' && pattern.test(e.message));
}

test('Kafka 4.0 defaults: acks=all, idempotence on, linger.ms 5, batch.size 16384', () => {
  const s = parseProducerConfig(base);
  assert.equal(s.acks, -1);
  assert.equal(s.idempotence, true);
  assert.equal(s.lingerMs, 5);
  assert.equal(s.batchSize, 16384);
  assert.equal(s.bufferMemory, 33554432);
  assert.equal(s.maxRequestSize, 1048576);
  assert.equal(s.maxInFlightRequestsPerConnection, 5);
  assert.equal(s.deliveryTimeoutMs, 120000);
  assert.equal(s.retries, 2147483647);
  assert.deepEqual(s.bootstrap, [{ host: '127.0.0.1', port: 9092 }]);
});

test('idempotence left at its default turns off with a conflicting setting, asked for it is an error', () => {
  assert.equal(parseProducerConfig({ ...base, acks: 1 }).idempotence, false);
  assert.equal(parseProducerConfig({ ...base, 'max.in.flight.requests.per.connection': 6 }).idempotence, false);
  refused(() => parseProducerConfig({ ...base, acks: 1, 'enable.idempotence': true }), /acks to all/);
  refused(() => parseProducerConfig({ ...base, retries: 0, 'enable.idempotence': true }), /retries/);
  assert.equal(parseProducerConfig({ ...base, 'enable.idempotence': false }).idempotence, false);
});

test('delivery.timeout.ms must cover linger.ms + request.timeout.ms (raised when defaulted)', () => {
  assert.equal(parseProducerConfig({ ...base, 'request.timeout.ms': 200000 }).deliveryTimeoutMs, 200005);
  refused(() => parseProducerConfig({ ...base, 'delivery.timeout.ms': 1000, 'request.timeout.ms': 2000 }), /delivery.timeout.ms/);
});

test('unknown names, bad values and bad addresses are refused', () => {
  refused(() => parseProducerConfig({ ...base, 'linger.msec': 5 } as never), /unknown producer setting "linger.msec"/);
  refused(() => parseProducerConfig({ ...base, 'batch.size': -1 }), /batch.size/);
  refused(() => parseProducerConfig({ ...base, acks: 2 as never }), /acks/);
  refused(() => parseProducerConfig({ ...base, 'compression.type': 'brotli' as never }), /compression.type/);
  refused(() => parseProducerConfig({ 'bootstrap.servers': 'localhost' }), /host:port/);
  assert.deepEqual(parseProducerConfig({ 'bootstrap.servers': ['a:1', '[::1]:2'] }).bootstrap, [{ host: 'a', port: 1 }, { host: '::1', port: 2 }]);
  assert.equal(parseProducerConfig({ ...base, acks: '1' }).acks, 1);
  assert.equal(parseProducerConfig({ ...base, acks: 0, 'compression.type': 'zstd' }).compression, 4);
});
