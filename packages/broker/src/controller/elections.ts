/**
 * Partition leader elections as pure functions of (assignment, current state, live brokers),
 * so the rule is tested on its own. The rule, always: the leader is the first replica in AR
 * order (assignment order, not ISR order) that is alive and in the ISR. With
 * unclean.leader.election.enable, a partition with no live ISR member takes the first live
 * replica in AR instead of staying offline, and may lose acknowledged records doing so.
 */
import type { PartitionState } from '../metadata/keys.js';

/** The first replica in AR order that is alive and in the ISR (or, unclean, alive); -1 if none. */
export function electLeader(replicas: readonly number[], isr: readonly number[], live: ReadonlySet<number>, unclean: boolean): number {
  for (const r of replicas) if (live.has(r) && isr.includes(r)) return r;
  if (unclean) for (const r of replicas) if (live.has(r)) return r;
  return -1;
}

/**
 * A new partition's first state. Its leader is the first live replica in AR. Its ISR is the
 * leader alone: followers hold nothing until they fetch from the leader, so a follower in
 * the ISR could be elected and lose what the leader acknowledged. Followers join the ISR
 * when replication sees them caught up. When no replica is alive, every replica is an
 * equally empty candidate, so all of them form the ISR and the first to come back leads.
 */
export function initialPartitionState(replicas: readonly number[], live: ReadonlySet<number>, controllerEpoch: number): PartitionState {
  const leader = replicas.find((r) => live.has(r)) ?? -1;
  return { leader, leaderEpoch: 0, isr: leader >= 0 ? [leader] : [...replicas], partitionEpoch: 0, controllerEpoch };
}

/**
 * The state a partition should move to now that `live` are the live brokers, or null when
 * it should stay as it is. A live leader keeps its epoch and loses dead followers from its
 * ISR. A dead (or missing) leader is replaced by electLeader with the epoch bumped; with no
 * candidate the partition goes offline (leader -1, epoch bumped) and keeps its ISR, so the
 * last in-sync replica to die is the one that leads again when it comes back.
 */
export function nextPartitionState(
  replicas: readonly number[],
  current: PartitionState | null,
  live: ReadonlySet<number>,
  unclean: boolean,
  controllerEpoch: number,
): PartitionState | null {
  if (!current) return initialPartitionState(replicas, live, controllerEpoch);
  const bump = { partitionEpoch: current.partitionEpoch + 1, controllerEpoch };
  if (current.leader >= 0 && live.has(current.leader)) {
    const isr = current.isr.filter((b) => live.has(b));
    if (isr.length === current.isr.length) return null;
    return { ...current, isr, ...bump };
  }
  const leader = electLeader(replicas, current.isr, live, unclean);
  if (leader === -1) {
    if (current.leader === -1) return null;
    return { ...current, leader: -1, leaderEpoch: current.leaderEpoch + 1, ...bump };
  }
  // An unclean pick holds only what it holds: it is the whole ISR until others catch up to it.
  const isr = current.isr.includes(leader) ? current.isr.filter((b) => live.has(b)) : [leader];
  return { leader, leaderEpoch: current.leaderEpoch + 1, isr, ...bump };
}

/**
 * nextPartitionState when some live brokers are new incarnations (restarted before their
 * old session ended, so they never looked dead). The restarted brokers are first treated as
 * dead, so a partition one of them led gets a new leader and a new leader epoch and they
 * leave every ISR (their logs may have lost what the old process acknowledged, and must
 * catch up again); then as alive, so a partition that this left offline is led again, by a
 * restarted broker if it was the last in-sync replica, under yet another epoch.
 */
export function nextPartitionStateAfterRestarts(
  replicas: readonly number[],
  current: PartitionState | null,
  live: ReadonlySet<number>,
  restarted: ReadonlySet<number>,
  unclean: boolean,
  controllerEpoch: number,
): PartitionState | null {
  const touched = current !== null && [current.leader, ...current.isr].some((b) => restarted.has(b));
  if (!touched) return nextPartitionState(replicas, current, live, unclean, controllerEpoch);
  const withoutRestarted = new Set([...live].filter((b) => !restarted.has(b)));
  const asDead = nextPartitionState(replicas, current, withoutRestarted, unclean, controllerEpoch) ?? current;
  return nextPartitionState(replicas, asDead, live, unclean, controllerEpoch) ?? asDead;
}
