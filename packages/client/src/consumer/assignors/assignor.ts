/**
 * The contract between the consumer's group membership and a partition assignor. The group
 * leader runs `assign` with every member's decoded subscription; each member then receives
 * its own assignment. Names and behaviour follow Kafka's ConsumerPartitionAssignor so that a
 * group can mix our consumer with others that offer the same protocol name.
 */

/** Partitions of one topic, ascending. */
export type TopicPartitions = ReadonlyMap<string, readonly number[]>;

/** What one member told the group in JoinGroup, decoded from ConsumerProtocolSubscription. */
export interface MemberSubscription {
  readonly memberId: string;
  /** Static membership (group.instance.id), or null. */
  readonly groupInstanceId: string | null;
  /** Topics the member subscribes to, sorted, unique. */
  readonly topics: readonly string[];
  /** Assignor-specific bytes (the sticky assignor's previous assignment, for example). */
  readonly userData: Buffer | null;
  /** What the member owned before this rebalance (subscription v1+; empty before). */
  readonly ownedPartitions: TopicPartitions;
  /** The generation `ownedPartitions` belongs to (subscription v2+; -1 when not sent). */
  readonly generationId: number;
  /** client.rack (subscription v3+), or null. */
  readonly rackId: string | null;
}

export interface MemberAssignment {
  readonly partitions: TopicPartitions;
  readonly userData: Buffer | null;
}

/** What a member offers in JoinGroup for one assignor. */
export interface SubscriptionInfo {
  readonly userData: Buffer | null;
}

/** What the member knows about itself when it builds its JoinGroup metadata. */
export interface OwnState {
  readonly topics: readonly string[];
  /** The partitions this member holds now (empty after an eager revoke). */
  readonly ownedPartitions: TopicPartitions;
  readonly generationId: number;
  /**
   * The assignment this member received in `generationId`, kept after an eager revoke emptied
   * `ownedPartitions` (optional; defaults to `ownedPartitions`). The eager 'sticky' assignor
   * sends it in its userData, as Kafka's StickyAssignor does, so the leader can keep it in place.
   */
  readonly previousAssignment?: TopicPartitions;
}

export interface PartitionAssignor {
  /** The protocol name sent in JoinGroup: 'range', 'roundrobin', 'sticky', 'cooperative-sticky'. */
  readonly name: string;
  /**
   * 'eager': every member gives up all partitions before joining.
   * 'cooperative': members keep what they own; the assignor never moves a partition straight
   * from one member to another in one round (it revokes first, a second rebalance hands it over).
   */
  readonly rebalanceProtocol: 'eager' | 'cooperative';
  /** The userData this member sends with its subscription. */
  subscriptionUserData(own: OwnState): Buffer | null;
  /**
   * Runs on the group leader. `partitionsPerTopic` holds the partition count of every topic
   * any member subscribes to that exists; topics missing from it get no assignment. Returns
   * an entry for every member (an empty assignment when it gets nothing).
   */
  assign(
    members: readonly MemberSubscription[],
    partitionsPerTopic: ReadonlyMap<string, number>,
  ): Map<string, MemberAssignment>;
}
