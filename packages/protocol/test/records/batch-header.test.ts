import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SamsaError } from '../../src/errors/samsa-error.js';
import {
  buildRecordBatch,
  lastOffsetOf,
  nextOffsetOf,
  readBatchHeader,
  readRecords,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  timestampTypeOf,
  TimestampType,
  validateBatch,
} from '../../src/records/index.js';
import { batchArb } from './arbitrary.js';

test('readBatchHeader reads every field at its position in a larger buffer', () => {
  const batch = buildRecordBatch({
    baseOffset: 42n,
    partitionLeaderEpoch: 7,
    producerId: 9_000_000_000n,
    producerEpoch: 3,
    baseSequence: 11,
    isTransactional: true,
    records: [{ value: Buffer.from('a'), timestamp: 1000 }, { value: Buffer.from('b'), timestamp: 3000 }],
  });
  const buf = Buffer.concat([Buffer.alloc(5), batch]);
  const h = readBatchHeader(buf, 5);
  assert.deepEqual(
    { ...h, crc: 0 },
    {
      position: 5,
      baseOffset: 42n,
      batchLength: batch.length - 12,
      partitionLeaderEpoch: 7,
      magic: 2,
      crc: 0,
      attributes: 0x10,
      lastOffsetDelta: 1,
      baseTimestamp: 1000n,
      maxTimestamp: 3000n,
      producerId: 9_000_000_000n,
      producerEpoch: 3,
      baseSequence: 11,
      recordsCount: 2,
    },
  );
  assert.equal(lastOffsetOf(h), 43n);
  assert.equal(nextOffsetOf(h), 44n);
  assert.throws(() => readBatchHeader(buf, buf.length - 60), (e: unknown) => e instanceof SamsaError && e.code === 'CORRUPT_RECORD');
});

test('rewriting baseOffset and partitionLeaderEpoch in place keeps the CRC valid and shifts every offset', () => {
  fc.assert(
    fc.property(batchArb(), fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (input, baseOffset, epoch) => {
      const bytes = buildRecordBatch(input);
      const crcBefore = bytes.readUInt32BE(17);
      setBaseOffset(bytes, 0, baseOffset);
      setPartitionLeaderEpoch(bytes, 0, epoch);
      const header = validateBatch(bytes);
      assert.equal(header.crc, crcBefore);
      assert.equal(header.baseOffset, baseOffset);
      assert.equal(header.partitionLeaderEpoch, epoch);
      const offsets = [...readRecords({ header, bytes })].map((r) => r.offset);
      assert.deepEqual(offsets, input.records.map((_, i) => baseOffset + BigInt(i)));
    }),
    { seed: 0x0ff5e7, numRuns: 150 },
  );
});

test('setLogAppendTime sets the type bit and maxTimestamp, recomputes the CRC, and records read that time', () => {
  const bytes = buildRecordBatch({ records: [{ value: Buffer.from('a'), timestamp: 5 }, { value: Buffer.from('b'), timestamp: 9 }] });
  setLogAppendTime(bytes, 0, 1_700_000_000_000n);
  const header = validateBatch(bytes);
  assert.equal(timestampTypeOf(header), TimestampType.logAppendTime);
  assert.deepEqual([...readRecords({ header, bytes })].map((r) => r.timestamp), [1_700_000_000_000n, 1_700_000_000_000n]);
  assert.deepEqual([...readRecords({ header, bytes })].map((r) => r.timestampDelta), [0, 4]);
});

test('in-place rewrites refuse a buffer that holds no v2 batch there', () => {
  const bytes = buildRecordBatch({ records: [] });
  assert.throws(() => setBaseOffset(bytes, 10, 1n), (e: unknown) => e instanceof SamsaError && e.code === 'CORRUPT_RECORD');
  bytes[16] = 1;
  assert.throws(() => setBaseOffset(bytes, 0, 1n), (e: unknown) => e instanceof SamsaError && e.code === 'UNSUPPORTED_MAGIC');
});
