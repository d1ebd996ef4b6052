/**
 * Which committed offsets of a group have outlived offsets.retention.minutes, by the rules
 * of Kafka's GroupMetadata.removeExpiredOffsets (KIP-211, and KIP-496's subscribed-topics
 * rule for live consumer groups):
 *
 *   Empty group with a protocol type   retention counts from when the group became Empty
 *                                      (its currentStateTimestamp), for every offset
 *   Stable "consumer" group            only offsets of topics no member subscribes to,
 *                                      counted from their commit
 *   no protocol type (standalone)      every offset, counted from its commit
 *   anything else (rebalancing, a      nothing expires
 *   Stable group of another protocol)
 *
 * Pure: the caller removes what this returns and writes the tombstones.
 */
import type { GroupState } from './classic-group.js';
import type { OffsetValue } from './offsets-records.js';

export interface ExpiryView {
  state: GroupState;
  protocolType: string | null;
  /** When the group entered its current state (ms); null when unknown (an old record). */
  currentStateTimestamp: number | null;
  subscribedTopics: Set<string> | null;
}

export function expiredOffsets(
  group: ExpiryView,
  offsets: ReadonlyMap<string, ReadonlyMap<number, OffsetValue>>,
  nowMs: number,
  retentionMs: number,
): Array<{ topic: string; partition: number }> {
  let base: ((v: OffsetValue) => number) | null = null;
  let keep: ReadonlySet<string> = new Set();
  if (group.protocolType !== null && group.state === 'Empty') {
    const since = group.currentStateTimestamp;
    base = (v) => since ?? Number(v.commitTimestamp);
  } else if (group.protocolType === 'consumer' && group.state === 'Stable' && group.subscribedTopics !== null) {
    base = (v) => Number(v.commitTimestamp);
    keep = group.subscribedTopics;
  } else if (group.protocolType === null) {
    base = (v) => Number(v.commitTimestamp);
  }
  if (base === null) return [];
  const expired: Array<{ topic: string; partition: number }> = [];
  for (const [topic, byPartition] of offsets) {
    if (keep.has(topic)) continue;
    for (const [partition, v] of byPartition) if (nowMs - base(v) >= retentionMs) expired.push({ topic, partition });
  }
  return expired;
}
