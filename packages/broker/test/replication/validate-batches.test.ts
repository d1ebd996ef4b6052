import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchField, buildRecordBatch, CompressionType, ErrorCode } from '@samsa/protocol';
import { defaultLogConfig } from '../../src/config/topic-config.js';
import { AppendError, assignOffsets, validateBatches } from '../../src/replication/validate-batches.js';

const NOW = 1_700_000_000_000;
const records = (n: number) => Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: NOW }));

function rejects(blob: Buffer, errorCode: number, pattern: RegExp, config = defaultLogConfig()): void {
  assert.throws(
    () => validateBatches(blob, config, NOW),
    (e: unknown) => e instanceof AppendError && e.errorCode === errorCode && pattern.test(e.message),
  );
}

test('well-formed batches of every codec pass and get dense offsets in place', () => {
  for (const compression of [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
    const blob = Buffer.concat([buildRecordBatch({ records: records(3), compression }), buildRecordBatch({ records: records(2), compression })]);
    const v = validateBatches(blob, defaultLogConfig(), NOW);
    assert.equal(v.recordCount, 5);
    const r = assignOffsets(blob, v, 40, 7, null);
    assert.equal(r.lastOffset, 44);
    assert.equal(blob.readBigInt64BE(v.batches[1]!.position), 43n);
    assert.equal(blob.readInt32BE(v.batches[1]!.position + BatchField.partitionLeaderEpoch), 7);
    // Offsets and epoch sit outside the CRC range: the batches still validate.
    validateBatches(blob, defaultLogConfig(), NOW);
  }
});

test('a flipped byte fails the CRC with CORRUPT_MESSAGE', () => {
  const blob = buildRecordBatch({ records: records(3) });
  blob[blob.length - 2]! ^= 0x01;
  rejects(blob, ErrorCode.CORRUPT_MESSAGE, /CRC-32C/);
});

test('message formats v0/v1 are refused, not misread', () => {
  const blob = buildRecordBatch({ records: records(1) });
  blob.writeInt8(1, BatchField.magic);
  rejects(blob, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, /magic 1/);
});

test('a batch over max.message.bytes is MESSAGE_TOO_LARGE', () => {
  const blob = buildRecordBatch({ records: [{ value: Buffer.alloc(5000) }] });
  rejects(blob, ErrorCode.MESSAGE_TOO_LARGE, /max.message.bytes=1000/, defaultLogConfig({ maxMessageBytes: 1000 }));
});

test('records whose offset deltas skip are INVALID_RECORD even with a valid CRC', () => {
  const blob = buildRecordBatch({ records: [{ value: Buffer.from('a'), offsetDelta: 0 }, { value: Buffer.from('b'), offsetDelta: 2 }], lastOffsetDelta: 1 });
  rejects(blob, ErrorCode.INVALID_RECORD, /offset delta 2/);
});

test('a compacted topic refuses records without a key', () => {
  const blob = buildRecordBatch({ records: [{ key: null, value: Buffer.from('x') }] });
  rejects(blob, ErrorCode.INVALID_RECORD, /without a key/, defaultLogConfig({ cleanupPolicy: ['compact'] }));
});

test('a truncated batch is CORRUPT_MESSAGE', () => {
  const blob = buildRecordBatch({ records: records(3) });
  rejects(blob.subarray(0, blob.length - 1), ErrorCode.CORRUPT_MESSAGE, /claims/);
  rejects(blob.subarray(0, 10), ErrorCode.CORRUPT_MESSAGE, /truncated/);
});

test('LogAppendTime stamps the append time and keeps the CRC valid', () => {
  const blob = buildRecordBatch({ records: records(2) });
  const v = validateBatches(blob, defaultLogConfig(), NOW);
  const r = assignOffsets(blob, v, 0, 0, NOW + 5);
  assert.equal(r.maxTimestamp, NOW + 5);
  assert.equal(Number(blob.readBigInt64BE(BatchField.maxTimestamp)), NOW + 5);
  validateBatches(blob, defaultLogConfig(), NOW);
});
