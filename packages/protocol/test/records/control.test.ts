import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildEndTxnMarkerBatch,
  ControlRecordType,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  isControlBatch,
  isTransactional,
  readRecords,
  validateBatch,
} from '../../src/records/index.js';
import { SamsaError } from '../../src/errors/samsa-error.js';

test('an end transaction marker batch is transactional + control with one commit/abort record', () => {
  for (const type of [ControlRecordType.commit, ControlRecordType.abort]) {
    const bytes = buildEndTxnMarkerBatch({ type, producerId: 77n, producerEpoch: 2, coordinatorEpoch: 9, baseOffset: 500n, timestamp: 1234 });
    const header = validateBatch(bytes);
    assert.ok(isControlBatch(header) && isTransactional(header));
    assert.equal(header.producerId, 77n);
    assert.equal(header.baseSequence, -1);
    const [record, ...rest] = [...readRecords({ header, bytes })];
    assert.equal(rest.length, 0);
    assert.deepEqual(record!.key, Buffer.from([0, 0, 0, type]));
    assert.deepEqual(decodeControlRecordKey(record!.key), { version: 0, type });
    assert.deepEqual(decodeEndTxnMarkerValue(record!.value), { version: 0, coordinatorEpoch: 9 });
    assert.equal(record!.offset, 500n);
    assert.equal(record!.timestamp, 1234n);
  }
});

test('short or null control keys and marker values are CORRUPT_RECORD', () => {
  const corrupt = (e: unknown) => e instanceof SamsaError && e.code === 'CORRUPT_RECORD';
  assert.throws(() => decodeControlRecordKey(null), corrupt);
  assert.throws(() => decodeControlRecordKey(Buffer.from([0, 0, 1])), corrupt);
  assert.throws(() => decodeEndTxnMarkerValue(Buffer.from([0, 0, 0, 0, 1])), corrupt);
  // A later version with extra fields still yields version 0's fields.
  assert.deepEqual(decodeEndTxnMarkerValue(Buffer.from([0, 1, 0, 0, 0, 5, 99, 99])), { version: 1, coordinatorEpoch: 5 });
});
