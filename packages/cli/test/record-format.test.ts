/** consume --format: kcat's placeholders, escapes, and a usage error for an unknown one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsumerRecord } from '@samsa/client';
import { compileFormat, recordJson } from '../src/record-format.js';
import { UsageError } from '../src/errors.js';

const record: ConsumerRecord = {
  topic: 'events',
  partition: 2,
  offset: 41,
  timestamp: 1700000000000,
  timestampType: 'CreateTime',
  key: Buffer.from('k1'),
  value: Buffer.from('héllo'),
  headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }],
  leaderEpoch: 0,
};

test('placeholders and escapes', () => {
  assert.equal(compileFormat('%t/%p/%o %T %k=%v|%s %K %S [%h] 100%%\\t!')(record), 'events/2/41 1700000000000 k1=héllo|héllo 2 6 [a=1,b=] 100%\t!');
  assert.equal(compileFormat('%k')({ ...record, key: null }), '');
  assert.equal(compileFormat('%K')({ ...record, key: null }), '-1');
});

test('an unknown placeholder or a trailing % is a usage error', () => {
  assert.throws(() => compileFormat('%x'), (e: unknown) => e instanceof UsageError && /unknown placeholder %x/.test(e.message));
  assert.throws(() => compileFormat('50%'), UsageError);
});

test('--json: one object with text key, value and headers', () => {
  assert.deepEqual(JSON.parse(recordJson(record)), {
    topic: 'events',
    partition: 2,
    offset: 41,
    timestamp: 1700000000000,
    timestampType: 'CreateTime',
    key: 'k1',
    value: 'héllo',
    headers: [{ key: 'a', value: '1' }, { key: 'b', value: null }],
  });
});
