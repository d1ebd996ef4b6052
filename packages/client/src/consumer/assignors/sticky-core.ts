/**
 * The algorithm both sticky assignors share (KIP-54; Kafka's AbstractStickyAssignor has the same
 * goals, this is our own simpler construction):
 *
 *  1. Previous ownership. Each member's claims come with a generation. Claims from a generation
 *     older than the newest one in the group are dropped whole: that member missed a rebalance,
 *     so its partitions may already belong to someone else. A partition claimed by two members of
 *     the same generation is dropped from both (Kafka 3.x does the same: neither claim can be
 *     trusted). Claims on topics the member no longer subscribes to, or on partitions that no
 *     longer exist, are dropped. Every surviving claim is kept: stickiness first.
 *  2. Unclaimed partitions are handed out one by one, those with the fewest eligible members
 *     first, each to the eligible member with the fewest partitions (ties: the member that could
 *     take fewer partitions overall, then Kafka's member order). Water-filling like this never
 *     gives a new partition to a member that later has to give up an old one.
 *  3. Balance: while some member has at least two more partitions than a member that could take
 *     one of them, move one (preferring a partition it got in step 2, which costs no
 *     stickiness). Each move lowers the sum of squared counts, so this ends. At the end no two
 *     members with the same subscription differ by more than one partition; and with identical
 *     subscriptions only the partitions over a member's fair share move, which is the least any
 *     balanced assignment can move.
 *
 * With different subscriptions, step 3 is a local search: it reaches "no single move helps",
 * not always the most balanced assignment possible (neither does Kafka's).
 */
import type { MemberSubscription, TopicPartitions } from './assignor.js';
import { addPartition, emptyBuilder, sortedMembers, subscribedTopics, type AssignmentBuilder } from './common.js';

export interface PreviousOwnership {
  readonly partitions: TopicPartitions;
  /** The generation the partitions were owned in; -1 when unknown. */
  readonly generationId: number;
}

export function stickyAssign(
  members: readonly MemberSubscription[],
  partitionsPerTopic: ReadonlyMap<string, number>,
  previous: (member: MemberSubscription) => PreviousOwnership,
): AssignmentBuilder {
  const ordered = sortedMembers(members);
  const topics = subscribedTopics(members, partitionsPerTopic);

  // Partitions get dense ids in (topic, partition) order; members are indexes into `ordered`.
  const topicBase = new Map<string, number>();
  const pidTopic: string[] = [];
  for (const topic of topics) {
    topicBase.set(topic, pidTopic.length);
    for (let p = 0; p < partitionsPerTopic.get(topic)!; p++) pidTopic.push(topic);
  }
  const total = pidTopic.length;
  const subscribed = ordered.map((m) => new Set(m.topics.filter((t) => topicBase.has(t))));
  const eligible = new Map<string, number[]>(topics.map((t) => [t, [] as number[]]));
  subscribed.forEach((set, mi) => {
    for (const t of set) eligible.get(t)!.push(mi);
  });
  const potential = subscribed.map((set) => [...set].reduce((n, t) => n + partitionsPerTopic.get(t)!, 0));

  const claimedBy = validClaims(ordered, previous, subscribed, topicBase, partitionsPerTopic, total);
  const owned = ordered.map(() => new Set<number>());
  for (let pid = 0; pid < total; pid++) if (claimedBy[pid]! >= 0) owned[claimedBy[pid]!]!.add(pid);

  // 2. Unclaimed partitions, most constrained first.
  const unclaimed: number[] = [];
  for (let pid = 0; pid < total; pid++) if (claimedBy[pid]! < 0) unclaimed.push(pid);
  unclaimed.sort((a, b) => eligible.get(pidTopic[a]!)!.length - eligible.get(pidTopic[b]!)!.length || a - b);
  const fewer = (a: number, b: number): number => owned[a]!.size - owned[b]!.size || potential[a]! - potential[b]! || a - b;
  for (const pid of unclaimed) {
    let best = -1;
    for (const mi of eligible.get(pidTopic[pid]!)!) if (best < 0 || fewer(mi, best) < 0) best = mi;
    owned[best]!.add(pid);
  }

  // 3. Balance with single moves.
  const indexes = ordered.map((_, i) => i);
  for (;;) {
    const receivers = [...indexes].sort(fewer);
    const donors = [...indexes].sort((a, b) => owned[b]!.size - owned[a]!.size || a - b);
    let moved = false;
    search: for (const donor of donors) {
      for (const receiver of receivers) {
        if (owned[donor]!.size - owned[receiver]!.size < 2) break;
        const pid = movable(owned[donor]!, subscribed[receiver]!, pidTopic, claimedBy, donor);
        if (pid < 0) continue;
        owned[donor]!.delete(pid);
        owned[receiver]!.add(pid);
        moved = true;
        break search;
      }
    }
    if (!moved) break;
  }

  const builder = emptyBuilder(members);
  owned.forEach((set, mi) => {
    const memberId = ordered[mi]!.memberId;
    for (const pid of set) addPartition(builder, memberId, pidTopic[pid]!, pid - topicBase.get(pidTopic[pid]!)!);
  });
  return builder;
}

/** Step 1: the claimed owner of every partition id, or -1. */
function validClaims(
  ordered: readonly MemberSubscription[],
  previous: (member: MemberSubscription) => PreviousOwnership,
  subscribed: readonly Set<string>[],
  topicBase: ReadonlyMap<string, number>,
  partitionsPerTopic: ReadonlyMap<string, number>,
  total: number,
): Int32Array {
  const data = ordered.map(previous);
  const newest = data.reduce((g, d) => Math.max(g, d.generationId), -1);
  const claimedBy = new Int32Array(total).fill(-1);
  const conflicted = new Uint8Array(total);
  data.forEach((d, mi) => {
    if (d.generationId < newest) return;
    for (const [topic, partitions] of d.partitions) {
      const base = topicBase.get(topic);
      if (base === undefined || !subscribed[mi]!.has(topic)) continue;
      const count = partitionsPerTopic.get(topic)!;
      for (const p of partitions) {
        if (!Number.isInteger(p) || p < 0 || p >= count) continue;
        const pid = base + p;
        if (conflicted[pid]) continue;
        if (claimedBy[pid] === -1) claimedBy[pid] = mi;
        else if (claimedBy[pid] !== mi) {
          conflicted[pid] = 1;
          claimedBy[pid] = -1;
        }
      }
    }
  });
  return claimedBy;
}

/**
 * A partition of `from` that a member subscribed to `to` could take: one `from` did not own
 * before this round if there is one (moving it costs no stickiness), else its highest.
 */
function movable(from: ReadonlySet<number>, to: ReadonlySet<string>, pidTopic: readonly string[], claimedBy: Int32Array, donor: number): number {
  let fresh = -1;
  let kept = -1;
  for (const pid of from) {
    if (!to.has(pidTopic[pid]!)) continue;
    if (claimedBy[pid] === donor) kept = Math.max(kept, pid);
    else fresh = Math.max(fresh, pid);
  }
  return fresh >= 0 ? fresh : kept;
}
