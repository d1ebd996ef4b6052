import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePartitionDir } from '../../src/replication/stray-logs.js';

test('partition directory names: the partition follows the last dash; -delete directories and other names are not partitions', () => {
  assert.deepEqual(parsePartitionDir('orders-0'), { topic: 'orders', partition: 0 });
  assert.deepEqual(parsePartitionDir('my-topic.v2-17'), { topic: 'my-topic.v2', partition: 17 });
  assert.deepEqual(parsePartitionDir('__consumer_offsets-49'), { topic: '__consumer_offsets', partition: 49 });
  assert.equal(parsePartitionDir('orders-0.0123456789abcdef0123456789abcdef-delete'), null);
  assert.equal(parsePartitionDir('orders'), null);
  assert.equal(parsePartitionDir('orders-x'), null);
  assert.equal(parsePartitionDir('cluster-metadata.samsa'), null);
});
