/**
 * Kafka's RangeAssignor ('range', eager): topic by topic, the members subscribed to it (in
 * Kafka's member order) get consecutive ranges of its partitions; the first (n % m) members
 * get one extra. With 2 members and topics t0, t1 of 3 partitions each:
 * C0 [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2]. Topics are handled independently, so the first
 * members carry the extra partition of every topic: range is unbalanced across many topics by
 * design (it co-partitions: the same member gets partition i of every topic).
 *
 * Kafka 3.5's rack-aware variant (KIP-881) is not implemented: rackId is ignored.
 */
import type { MemberAssignment, MemberSubscription, PartitionAssignor } from './assignor.js';
import { addPartition, emptyBuilder, finish, sortedMembers, subscribedTopics } from './common.js';

export function rangeAssign(
  members: readonly MemberSubscription[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): Map<string, MemberAssignment> {
  const builder = emptyBuilder(members);
  const ordered = sortedMembers(members);
  for (const topic of subscribedTopics(members, partitionsPerTopic)) {
    const consumers = ordered.filter((m) => m.topics.includes(topic));
    const partitionCount = partitionsPerTopic.get(topic)!;
    const perMember = Math.floor(partitionCount / consumers.length);
    const withExtra = partitionCount % consumers.length;
    let next = 0;
    consumers.forEach((member, i) => {
      const length = perMember + (i < withExtra ? 1 : 0);
      for (let p = next; p < next + length; p++) addPartition(builder, member.memberId, topic, p);
      next += length;
    });
  }
  return finish(builder);
}

export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  rebalanceProtocol: 'eager',
  subscriptionUserData: () => null,
  assign: rangeAssign,
};
