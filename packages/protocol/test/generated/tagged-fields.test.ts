/**
 * Tagged fields: unknown tags are skipped (never fatal), known ones are read whatever their
 * order among unknown ones, and a default value is never written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { decodeApiVersionsRequest, encodeApiVersionsRequest } from '../../src/generated/messages/18-api-versions.js';
import { decodeFetchResponse, encodeFetchResponse } from '../../src/generated/messages/01-fetch.js';

function withTags(body: Buffer, tags: Array<[number, Buffer]>): Buffer {
  // Replace the trailing empty tag section (a single 0 byte) with the given tags.
  assert.equal(body[body.length - 1], 0);
  const w = new Writer();
  w.raw(body.subarray(0, body.length - 1));
  w.unsignedVarint(tags.length);
  for (const [tag, data] of tags) {
    w.unsignedVarint(tag);
    w.unsignedVarint(data.length);
    w.raw(data);
  }
  return w.finish();
}

test('unknown tagged fields at the top level are skipped', () => {
  const w = new Writer();
  encodeApiVersionsRequest(w, 3, { clientSoftwareName: 'samsa', clientSoftwareVersion: '1.0' });
  const body = withTags(w.finish(), [[7, Buffer.from([1, 2, 3])], [1000, Buffer.alloc(300, 9)]]);
  const r = new Reader(body);
  assert.deepEqual(decodeApiVersionsRequest(r, 3), { clientSoftwareName: 'samsa', clientSoftwareVersion: '1.0' });
  assert.equal(r.remaining, 0);
});

test('a known tagged field is read among unknown ones, and defaults are not written', () => {
  const base = {
    responses: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 5n, records: Buffer.alloc(0) }] }],
  };
  const plain = new Writer();
  encodeFetchResponse(plain, 13, base);
  const withLeader = new Writer();
  encodeFetchResponse(withLeader, 13, {
    responses: [{ ...base.responses[0]!, partitions: [{ ...base.responses[0]!.partitions[0]!, currentLeader: { leaderId: 3, leaderEpoch: 7 } }] }],
  });
  // The default currentLeader (-1, -1) costs nothing; a real one adds a tagged field.
  assert.ok(withLeader.length > plain.length);
  const decoded = decodeFetchResponse(new Reader(withLeader.finish()), 13);
  assert.deepEqual(decoded.responses[0]!.partitions[0]!.currentLeader, { leaderId: 3, leaderEpoch: 7 });
  const none = decodeFetchResponse(new Reader(plain.finish()), 13);
  assert.deepEqual(none.responses[0]!.partitions[0]!.currentLeader, { leaderId: -1, leaderEpoch: -1 });
});

test('a tagged field whose size lies is contained: its reader cannot run past the tag', () => {
  const w = new Writer();
  encodeApiVersionsRequest(w, 3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
  const body = withTags(w.finish(), [[5, Buffer.from([0xff, 0xff])]]);
  // Claim a size larger than the frame: a typed error, not an overrun.
  const broken = Buffer.from(body);
  broken[broken.length - 3] = 0x7f;
  assert.throws(() => decodeApiVersionsRequest(new Reader(broken), 3), /exceeds|truncated|need/);
});
