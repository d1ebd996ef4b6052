/**
 * What every assignor needs: Kafka's member order, the partitions a group subscribes to, and
 * turning a working assignment into the contract's result shape.
 */
import type { MemberAssignment, MemberSubscription, TopicPartitions } from './assignor.js';

/**
 * Java's String.compareTo: by UTF-16 code unit. JS `<` on strings does the same;
 * localeCompare would not, and a leader of another client would then order members differently.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Kafka's AbstractPartitionAssignor.MemberInfo order: static members (group.instance.id) first,
 * by instance id, then dynamic members by member id. Ordering static members by their stable
 * instance id keeps their partitions when they restart with a new member id (KIP-345).
 */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

export function sortedMembers(members: readonly MemberSubscription[]): MemberSubscription[] {
  return [...members].sort(compareMembers);
}

/** Topics some member subscribes to that exist (have a partition count), sorted. */
export function subscribedTopics(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): string[] {
  const topics = new Set<string>();
  for (const m of members) for (const t of m.topics) if ((partitionsPerTopic.get(t) ?? 0) > 0) topics.add(t);
  return [...topics].sort(compareStrings);
}

/** A working assignment: memberId -> topic -> partitions (in any order). */
export type AssignmentBuilder = Map<string, Map<string, number[]>>;

export function emptyBuilder(members: readonly MemberSubscription[]): AssignmentBuilder {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]));
}

export function addPartition(builder: AssignmentBuilder, memberId: string, topic: string, partition: number): void {
  const topics = builder.get(memberId);
  if (topics === undefined) throw new Error(`assignor bug: ${memberId} is not a member`);
  const list = topics.get(topic);
  if (list === undefined) topics.set(topic, [partition]);
  else list.push(partition);
}

/** The contract's shape: topics sorted, partitions ascending, every member present. */
export function finish(builder: AssignmentBuilder, userData: (memberId: string) => Buffer | null = () => null): Map<string, MemberAssignment> {
  const out = new Map<string, MemberAssignment>();
  for (const [memberId, topics] of builder) {
    const partitions = new Map<string, number[]>();
    for (const topic of [...topics.keys()].sort(compareStrings)) {
      const list = topics.get(topic)!;
      if (list.length > 0) partitions.set(topic, [...list].sort((a, b) => a - b));
    }
    out.set(memberId, { partitions, userData: userData(memberId) });
  }
  return out;
}

/** Counts the partitions in a TopicPartitions map. */
export function partitionCount(tps: TopicPartitions): number {
  let n = 0;
  for (const list of tps.values()) n += list.length;
  return n;
}
