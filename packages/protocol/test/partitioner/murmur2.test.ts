import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { murmur2, partitionForKey, toPositive } from '../../src/partitioner/murmur2.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

// Apache Kafka's UtilsTest.testMurmur2 vectors (Java's signed int results), plus the empty key.
const JAVA_VECTORS: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
  ['', 275646681],
];

test('murmur2 reproduces the Java client test vectors', () => {
  for (const [key, expected] of JAVA_VECTORS) assert.equal(murmur2(Buffer.from(key)), expected, key);
});

test('murmur2 agrees with kafkajs (Java-compatible partitioner) on random keys', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 10_000 }), (key, partitions) => {
      const expected = kafkajsMurmur2(Buffer.from(key));
      assert.equal(murmur2(key), expected);
      assert.equal(partitionForKey(key, partitions), toPositive(expected) % partitions);
    }),
    { seed: 0x6d75, numRuns: 5000 },
  );
});

test('partitionForKey never returns a negative partition (toPositive, not abs)', () => {
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(-1), 0x7fffffff);
  assert.throws(() => partitionForKey(Buffer.from('k'), 0), RangeError);
});

// librdkafka (the library under kcat and confluent-kafka) exports its murmur2 partitioner;
// Debian's python3 calls it through ctypes, with no broker and no topic handle involved.
const LIBRDKAFKA_SCRIPT = `
import ctypes, sys
lib = ctypes.CDLL('librdkafka.so.1')
f = lib.rd_kafka_msg_partitioner_murmur2
f.restype = ctypes.c_int32
f.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p]
for line in sys.stdin.read().split():
    key = bytes.fromhex(line[1:])
    print(f(None, key, len(key), 2147483647, None, None))
`;

function librdkafkaAvailable(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  return spawnSync('/usr/bin/python3', ['-c', "import ctypes; ctypes.CDLL('librdkafka.so.1')"], { stdio: 'ignore' }).status === 0;
}

test('partitionForKey agrees with librdkafka rd_kafka_msg_partitioner_murmur2', () => {
  assert.ok(librdkafkaAvailable(), 'librdkafka.so.1 is not installed (it comes with kcat): run node scripts/check-system-tools.mjs');
  const keys = fc.sample(fc.uint8Array({ maxLength: 64 }), { seed: 0x7264, numRuns: 2000 }).map((k) => Buffer.from(k));
  keys.push(...JAVA_VECTORS.map(([k]) => Buffer.from(k)));
  // 'x' prefix: an empty key must still be a token.
  const input = keys.map((k) => 'x' + k.toString('hex')).join('\n');
  const run = spawnSync('/usr/bin/python3', ['-c', LIBRDKAFKA_SCRIPT], { input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const partitions = run.stdout.trim().split('\n').map(Number);
  assert.equal(partitions.length, keys.length);
  keys.forEach((k, i) => assert.equal(partitionForKey(k, 2147483647), partitions[i], k.toString('hex')));
});
