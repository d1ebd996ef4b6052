/**
 * Kafka's RoundRobinAssignor ('roundrobin', eager): every partition of every subscribed topic,
 * sorted by (topic, partition), is dealt in turn to the members in Kafka's member order; a
 * member not subscribed to the partition's topic is skipped (and keeps its turn for later).
 *
 * kafkajs 2.x offers the same idea under the name 'RoundRobinAssigner'
 * (kafkajs/src/consumer/assigners/roundRobinAssigner). A group only agrees on a protocol name
 * both clients offer, so `roundRobinAssignor('RoundRobinAssigner')` lets our consumer join a
 * kafkajs group. Whichever member leads computes the whole assignment, and both are valid
 * (every partition exactly once), but they are not always the same assignment:
 *  - kafkajs orders members by memberId only; Kafka (and we) put static members
 *    (group.instance.id) first, ordered by instance id;
 *  - kafkajs deals topics in the order the group's topic list arrives in and partitions in
 *    metadata order; we sort both;
 *  - kafkajs assumes every member subscribes to every topic: it never skips a member, so with
 *    different subscriptions a kafkajs leader can hand a member a topic it did not ask for;
 *  - kafkajs leaves members that get nothing out of its result (they get an empty assignment
 *    from the coordinator); we return an empty assignment for them.
 * For dynamic members with identical subscriptions and a sorted topic list the two agree exactly
 * (test/consumer/assignors/roundrobin.test.ts checks both).
 */
import type { MemberAssignment, MemberSubscription, PartitionAssignor } from './assignor.js';
import { addPartition, emptyBuilder, finish, sortedMembers, subscribedTopics } from './common.js';

export function roundRobinAssign(
  members: readonly MemberSubscription[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): Map<string, MemberAssignment> {
  const builder = emptyBuilder(members);
  const ordered = sortedMembers(members);
  const subscribed = ordered.map((m) => new Set(m.topics));
  let turn = 0;
  for (const topic of subscribedTopics(members, partitionsPerTopic)) {
    const partitionCount = partitionsPerTopic.get(topic)!;
    for (let partition = 0; partition < partitionCount; partition++) {
      // Someone subscribes to the topic (subscribedTopics says so), so this ends within one lap.
      while (!subscribed[turn % ordered.length]!.has(topic)) turn++;
      addPartition(builder, ordered[turn % ordered.length]!.memberId, topic, partition);
      turn++;
    }
  }
  return finish(builder);
}

/** The round robin assignor under a protocol name of the caller's choice (default Kafka's 'roundrobin'). */
export function roundRobinAssignor(name = 'roundrobin'): PartitionAssignor {
  return { name, rebalanceProtocol: 'eager', subscriptionUserData: () => null, assign: roundRobinAssign };
}
