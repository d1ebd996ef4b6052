/**
 * Regression: offsets.retention.minutes expired an Empty group's offsets counting from each
 * commit, never from when the group became Empty, and never touched a live group's offsets
 * of topics it no longer subscribes to. Kafka (GroupMetadata.removeExpiredOffsets, KIP-211
 * and KIP-496) counts an Empty group's retention from its state change, a standalone
 * group's from each commit, and a Stable consumer group's only for unsubscribed topics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expiredOffsets, type ExpiryView } from '../../../src/coordinator/group/offsets-expiry.js';
import type { OffsetValue } from '../../../src/coordinator/group/offsets-records.js';

const RETENTION_MS = 60_000;
const T0 = 1_700_000_000_000;

function offsets(entries: Array<[string, number, number]>): Map<string, Map<number, OffsetValue>> {
  const m = new Map<string, Map<number, OffsetValue>>();
  for (const [topic, partition, committedAt] of entries) {
    if (!m.has(topic)) m.set(topic, new Map());
    m.get(topic)!.set(partition, { offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: BigInt(committedAt) });
  }
  return m;
}

const view = (v: Partial<ExpiryView>): ExpiryView => ({ state: 'Empty', protocolType: 'consumer', currentStateTimestamp: T0, subscribedTopics: null, ...v });
const names = (xs: Array<{ topic: string; partition: number }>): string[] => xs.map((x) => `${x.topic}-${x.partition}`).sort();

test('an Empty group: retention counts from when it became Empty, not from the commits', () => {
  const committed = offsets([
    ['a', 0, T0 - 10 * RETENTION_MS],
    ['a', 1, T0 - 1],
  ]);
  const g = view({ currentStateTimestamp: T0 });
  assert.deepEqual(names(expiredOffsets(g, committed, T0 + RETENTION_MS - 1, RETENTION_MS)), [], 'an old commit does not expire while the group has been empty for less than the retention');
  assert.deepEqual(names(expiredOffsets(g, committed, T0 + RETENTION_MS, RETENTION_MS)), ['a-0', 'a-1'], 'then every offset goes at once');
});

test('an Empty group whose state time is unknown (an old record) counts from each commit', () => {
  const committed = offsets([
    ['a', 0, T0 - RETENTION_MS],
    ['a', 1, T0 - 1],
  ]);
  assert.deepEqual(names(expiredOffsets(view({ currentStateTimestamp: null }), committed, T0, RETENTION_MS)), ['a-0']);
});

test('a standalone group (no protocol type): each offset expires from its own commit', () => {
  const committed = offsets([
    ['a', 0, T0 - RETENTION_MS],
    ['a', 1, T0 - RETENTION_MS + 1],
  ]);
  const g = view({ protocolType: null, currentStateTimestamp: T0 });
  assert.deepEqual(names(expiredOffsets(g, committed, T0, RETENTION_MS)), ['a-0']);
});

test('a Stable consumer group: only offsets of topics no member subscribes to expire', () => {
  const committed = offsets([
    ['consumed', 0, T0 - 10 * RETENTION_MS],
    ['dropped', 0, T0 - RETENTION_MS],
    ['dropped', 1, T0 - 1],
  ]);
  const g = view({ state: 'Stable', subscribedTopics: new Set(['consumed']) });
  assert.deepEqual(names(expiredOffsets(g, committed, T0, RETENTION_MS)), ['dropped-0']);
});

test('nothing expires while a group rebalances, when its subscriptions are unknown, or for another protocol', () => {
  const committed = offsets([['a', 0, T0 - 10 * RETENTION_MS]]);
  for (const g of [
    view({ state: 'PreparingRebalance', subscribedTopics: new Set() }),
    view({ state: 'CompletingRebalance', subscribedTopics: new Set() }),
    view({ state: 'Stable', subscribedTopics: null }),
    view({ state: 'Stable', protocolType: 'connect', subscribedTopics: new Set() }),
  ]) {
    assert.deepEqual(expiredOffsets(g, committed, T0, RETENTION_MS), [], `${g.state} ${g.protocolType}`);
  }
});
