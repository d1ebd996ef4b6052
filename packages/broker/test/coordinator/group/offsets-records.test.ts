import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupKey,
  encodeGroupValue,
  encodeOffsetKey,
  encodeOffsetValue,
} from '../../../src/coordinator/group/offsets-records.js';
import { javaStringHashCode, partitionFor } from '../../../src/coordinator/group/partition-for.js';

test('offset and group records round-trip in Kafka\'s layout', () => {
  const key = encodeOffsetKey({ group: 'g', topic: 't', partition: 3 });
  // int16 version 1, "g", "t", int32 3
  assert.equal(key.toString('hex'), '0001' + '0001' + '67' + '0001' + '74' + '00000003');
  assert.deepEqual(decodeKey(key), { kind: 'offset', group: 'g', topic: 't', partition: 3 });
  assert.deepEqual(decodeKey(encodeGroupKey('g')), { kind: 'group', group: 'g' });
  const offset = { offset: 2n ** 60n, leaderEpoch: 4, metadata: 'm', commitTimestamp: 1_700_000_000_000n };
  assert.deepEqual(decodeOffsetValue(encodeOffsetValue(offset)), offset);
  const group = {
    protocolType: 'consumer',
    generationId: 7,
    protocolName: 'range',
    leader: 'a',
    currentStateTimestamp: 5n,
    members: [
      { memberId: 'a', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 1, sessionTimeoutMs: 2, subscription: Buffer.from([1]), assignment: Buffer.from([2]) },
      { memberId: 'b', groupInstanceId: 'i', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 3, sessionTimeoutMs: 4, subscription: Buffer.alloc(0), assignment: Buffer.alloc(0) },
    ],
  };
  assert.deepEqual(decodeGroupValue(encodeGroupValue(group)), group);
});

test('groups map to partitions exactly as Kafka maps them', () => {
  // Java: "hello".hashCode() == 99162322; "polygenelubricants".hashCode() == Integer.MIN_VALUE.
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(partitionFor('polygenelubricants', 50), 0);
  assert.equal(partitionFor('hello', 50), 99162322 % 50);
  assert.equal(partitionFor('', 50), 0);
});
