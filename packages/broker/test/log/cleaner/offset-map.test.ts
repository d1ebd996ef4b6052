import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetMap } from '../../../src/log/cleaner/offset-map.js';

test('the offset map keeps the latest offset per exact key, within log.cleaner.dedupe.buffer.size', () => {
  const map = new OffsetMap(24 * 10); // 90% of 10 slots
  assert.equal(map.slots, 9);
  map.put(Buffer.from('a'), 1);
  map.put(Buffer.from([0xff, 0x00]), 2);
  map.put(Buffer.from('a'), 5);
  assert.equal(map.get(Buffer.from('a')), 5);
  assert.equal(map.get(Buffer.from([0xff, 0x00])), 2);
  assert.equal(map.get(Buffer.from([0xff])), -1, 'a prefix is another key');
  assert.equal(map.latestOffset, 5);
  assert.ok(map.hasRoomFor(7));
  assert.ok(!map.hasRoomFor(8));
  assert.throws(() => map.put(Buffer.from('b'), 4), /after 5/);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.latestOffset, -1);
});
