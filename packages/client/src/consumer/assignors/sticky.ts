/**
 * Kafka's StickyAssignor ('sticky', eager; KIP-54): balanced, and partitions stay with their
 * previous owner wherever balance allows (the algorithm is in sticky-core.ts).
 *
 * Where the previous owner comes from: a member that reports ownedPartitions (subscription
 * v1+, with generationId from v2) is taken at its word. An eager member has revoked everything
 * before it joins and reports none, so then its userData, Kafka's StickyAssignorUserData (its
 * last assignment and generation), says what it had. That is also all a Java or librdkafka
 * member of a mixed group sends.
 */
import type { MemberAssignment, MemberSubscription, OwnState, PartitionAssignor } from './assignor.js';
import { finish, partitionCount } from './common.js';
import { stickyAssign, type PreviousOwnership } from './sticky-core.js';
import { decodeStickyUserData, encodeStickyUserData } from './sticky-user-data.js';

export function stickyPreviousOwnership(member: MemberSubscription): PreviousOwnership {
  if (partitionCount(member.ownedPartitions) > 0) return { partitions: member.ownedPartitions, generationId: member.generationId };
  const fromUserData = decodeStickyUserData(member.userData);
  if (fromUserData !== null) return fromUserData;
  return { partitions: member.ownedPartitions, generationId: member.generationId };
}

export const stickyAssignor: PartitionAssignor = {
  name: 'sticky',
  rebalanceProtocol: 'eager',
  subscriptionUserData(own: OwnState): Buffer | null {
    return encodeStickyUserData(own.previousAssignment ?? own.ownedPartitions, own.generationId);
  },
  assign(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, MemberAssignment> {
    return finish(stickyAssign(members, partitionsPerTopic, stickyPreviousOwnership));
  },
};
