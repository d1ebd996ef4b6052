/**
 * Kafka's CooperativeStickyAssignor ('cooperative-sticky', cooperative; KIP-429).
 *
 * Members keep their partitions through a rebalance and report them in ownedPartitions. The
 * sticky algorithm (sticky-core.ts) computes the target; then every partition the target gives
 * to a member while another member still owns it is left out of this round's assignment. The
 * owner sees it missing from its assignment, revokes it (committing its offsets) and rejoins;
 * the follow-up rebalance hands it to the new member, now that nobody owns it. So no partition
 * is ever consumed by two members at once, at the cost of a second rebalance.
 *
 * userData is the generation as an int32 (Kafka 2.5+), read only when the subscription carries
 * no generationId (v0/v1). librdkafka sends StickyAssignorUserData v1 instead; its generation
 * is read from there.
 */
import type { MemberAssignment, MemberSubscription, OwnState, PartitionAssignor } from './assignor.js';
import { finish } from './common.js';
import { stickyAssign, type PreviousOwnership } from './sticky-core.js';
import { decodeGeneration, decodeStickyUserData, encodeGeneration } from './sticky-user-data.js';

export function cooperativePreviousOwnership(member: MemberSubscription): PreviousOwnership {
  if (member.generationId >= 0 || member.userData === null) return { partitions: member.ownedPartitions, generationId: member.generationId };
  const generationId = member.userData.length === 4 ? decodeGeneration(member.userData) : (decodeStickyUserData(member.userData)?.generationId ?? -1);
  return { partitions: member.ownedPartitions, generationId };
}

export function cooperativeStickyAssign(
  members: readonly MemberSubscription[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): Map<string, MemberAssignment> {
  const target = stickyAssign(members, partitionsPerTopic, cooperativePreviousOwnership);

  // Who owns what right now, as each member reports it: a stale or conflicting claim the
  // sticky step ignored still means that member may be consuming the partition.
  const ownersOf = new Map<string, Map<number, string[]>>();
  for (const m of members) {
    for (const [topic, partitions] of m.ownedPartitions) {
      let byPartition = ownersOf.get(topic);
      if (byPartition === undefined) ownersOf.set(topic, (byPartition = new Map()));
      for (const p of partitions) byPartition.set(p, [...(byPartition.get(p) ?? []), m.memberId]);
    }
  }

  for (const [memberId, topics] of target) {
    for (const [topic, partitions] of topics) {
      const byPartition = ownersOf.get(topic);
      if (byPartition === undefined) continue;
      // Withhold a partition this member gets new while someone else owns it (Kafka's
      // "partitions transferring ownership"); one it owns itself stays.
      const kept = partitions.filter((p) => {
        const owners = byPartition.get(p);
        return owners === undefined || owners.includes(memberId);
      });
      topics.set(topic, kept);
    }
  }
  return finish(target);
}

export const cooperativeStickyAssignor: PartitionAssignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  subscriptionUserData: (own: OwnState) => encodeGeneration(own.generationId),
  assign: cooperativeStickyAssign,
};
