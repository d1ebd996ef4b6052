import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '@samsa/protocol';
import { lastSeqOf, ProducerStateTable } from '../../src/replication/producer-state.js';

const P = 7n;

test('in-order batches append, a retry of any of the last five is a duplicate with its offsets', () => {
  const t = new ProducerStateTable();
  assert.deepEqual(t.check(P, 0, 0, 9), { kind: 'append' });
  for (let i = 0; i < 7; i++) t.record(P, 0, { firstSeq: i * 10, lastSeq: i * 10 + 9, firstOffset: i * 10, lastOffset: i * 10 + 9 }, 1);
  assert.deepEqual(t.check(P, 0, 70, 79), { kind: 'append' });
  const dup = t.check(P, 0, 40, 49);
  assert.equal(dup.kind, 'duplicate');
  assert.deepEqual(dup.kind === 'duplicate' && dup.batch, { firstSeq: 40, lastSeq: 49, firstOffset: 40, lastOffset: 49 });
  // Older than the last five: no longer recognised, and not the next sequence either.
  const old = t.check(P, 0, 10, 19);
  assert.equal(old.kind === 'error' && old.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('a gap is OUT_OF_ORDER_SEQUENCE_NUMBER; an old epoch is fenced; a new epoch restarts at 0', () => {
  const t = new ProducerStateTable();
  t.record(P, 3, { firstSeq: 0, lastSeq: 4, firstOffset: 0, lastOffset: 4 }, 1);
  const gap = t.check(P, 3, 6, 9);
  assert.equal(gap.kind === 'error' && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  const fenced = t.check(P, 2, 5, 9);
  assert.equal(fenced.kind === 'error' && fenced.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.deepEqual(t.check(P, 4, 0, 3), { kind: 'append' });
  const badStart = t.check(P, 4, 5, 6);
  assert.equal(badStart.kind === 'error' && badStart.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  const unknown = t.check(99n, 0, 3, 4);
  assert.equal(unknown.kind === 'error' && unknown.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('sequences wrap at Int32.MAX', () => {
  assert.equal(lastSeqOf(2147483647 - 1, 3), 1);
  const t = new ProducerStateTable();
  t.record(P, 0, { firstSeq: 0, lastSeq: 2147483647, firstOffset: 0, lastOffset: 0 }, 1);
  assert.deepEqual(t.check(P, 0, 0, 5), { kind: 'append' });
});

test('idle producers expire; truncation forgets what it removed; state survives JSON', () => {
  const t = new ProducerStateTable();
  t.record(1n, 0, { firstSeq: 0, lastSeq: 0, firstOffset: 0, lastOffset: 0 }, 1_000);
  t.record(2n, 0, { firstSeq: 0, lastSeq: 0, firstOffset: 5, lastOffset: 5 }, 9_000);
  const copy = ProducerStateTable.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
  assert.deepEqual([...copy.producers], [...t.producers]);
  t.truncateTo(3);
  assert.deepEqual([...t.producers.keys()], [1n]);
  assert.equal(copy.expire(10_000, 5_000), 1);
  assert.deepEqual([...copy.producers.keys()], [2n]);
});
