/** fast-check generators for record batch inputs, shared by the records tests. */
import fc from 'fast-check';
import { CompressionType } from '../../src/compression/index.js';
import { TimestampType, type RecordBatchInput, type RecordInput } from '../../src/records/index.js';

const bytes = (maxLength: number) => fc.option(fc.uint8Array({ maxLength }).map((b) => Buffer.from(b)), { nil: null, freq: 4 });

export const recordArb = (baseTimestamp: number): fc.Arbitrary<RecordInput> =>
  fc.record({
    key: bytes(40),
    value: bytes(300),
    headers: fc.array(fc.record({ key: fc.string({ unit: 'binary', maxLength: 12 }), value: bytes(20) }), { maxLength: 3 }),
    timestamp: fc.integer({ min: -100_000, max: 100_000 }).map((d) => baseTimestamp + d),
  });

export const batchArb = (codecs: readonly CompressionType[] = [0, 1, 2, 3, 4]): fc.Arbitrary<RecordBatchInput> =>
  fc.integer({ min: 0, max: 2 ** 45 }).chain((baseTimestamp) =>
    fc.record({
      baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
      partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
      compression: fc.constantFrom(...codecs),
      timestampType: fc.constantFrom(TimestampType.createTime, TimestampType.logAppendTime),
      isTransactional: fc.boolean(),
      isControl: fc.boolean(),
      producerId: fc.bigInt({ min: -1n, max: 2n ** 62n }),
      producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
      baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
      records: fc.array(recordArb(baseTimestamp), { minLength: 1, maxLength: 30 }),
    }),
  );
