import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetMap } from '../../../src/log/cleaner/offset-map.js';

const keys = (...ks: string[]): Buffer[] => ks.map((k) => Buffer.from(k));

test('the offset map keeps the latest offset per exact key, within log.cleaner.dedupe.buffer.size', () => {
  const map = new OffsetMap(24 * 10); // 90%: 216 bytes, nine keys of up to 16 bytes
  assert.equal(map.capacityBytes, 216);
  map.put(Buffer.from('a'), 1);
  map.put(Buffer.from([0xff, 0x00]), 2);
  map.put(Buffer.from('a'), 5);
  assert.equal(map.size, 2);
  assert.equal(map.get(Buffer.from('a')), 5);
  assert.equal(map.get(Buffer.from([0xff, 0x00])), 2);
  assert.equal(map.get(Buffer.from([0xff])), -1, 'a prefix is another key');
  assert.equal(map.latestOffset, 5);
  assert.ok(map.hasRoomFor(keys('b', 'c', 'd', 'e', 'f', 'g', 'h')));
  assert.ok(!map.hasRoomFor(keys('b', 'c', 'd', 'e', 'f', 'g', 'h', 'i')));
  assert.throws(() => map.put(Buffer.from('b'), 4), /after 5/);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.latestOffset, -1);
});

test('a long key costs its length, so big keys cannot take more memory than the setting', () => {
  const map = new OffsetMap(1000); // 900 bytes
  const big = Buffer.alloc(400, 1);
  assert.ok(map.hasRoomFor([big, Buffer.alloc(400, 2)]), '2 x 408 bytes fit');
  assert.ok(!map.hasRoomFor([big, Buffer.alloc(400, 2), Buffer.alloc(100, 3)]));
  map.put(big, 0);
  map.put(big, 1); // the same key again costs nothing more
  assert.ok(map.hasRoomFor([Buffer.alloc(400, 2)]));
});
