/**
 * The controller operations' rules as pure functions of (assignment, state, live brokers),
 * tested on their own like elections.ts: controlled shutdown, preferred and unclean
 * elections (ElectLeaders), and reassignment. Every election here is DESIGN.md's one rule:
 * the first replica in AR order that is alive and in the ISR, where "alive" excludes
 * brokers in controlled shutdown, and for a reassignment AR is the target replicas.
 */
import { ErrorCode } from '@samsa/protocol';
import type { PartitionState } from '../metadata/keys.js';
import { electLeader, nextPartitionStateAfterRestarts } from './elections.js';

/** The brokers that may lead or join an ISR: registered and not shutting down. */
export function candidates(live: ReadonlySet<number>, shuttingDown: ReadonlySet<number>): Set<number> {
  return new Set([...live].filter((b) => !shuttingDown.has(b)));
}

const bump = (s: PartitionState, controllerEpoch: number): Pick<PartitionState, 'partitionEpoch' | 'controllerEpoch'> => ({
  partitionEpoch: s.partitionEpoch + 1,
  controllerEpoch,
});

// ------------------------------------------------------------------ controlled shutdown

/**
 * Kafka's ControlledShutdownLeaderSelector: a partition led by a broker that is shutting
 * down moves to the first replica in AR that is alive, in the ISR and not shutting down,
 * under a new leader epoch; brokers shutting down leave every ISR. A partition with no other
 * candidate keeps its leader (and that leader stays in its ISR): there is nowhere to move it.
 * Null when nothing changes.
 */
export function moveOffShuttingDown(
  replicas: readonly number[],
  state: PartitionState,
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
  controllerEpoch: number,
): PartitionState | null {
  if (shuttingDown.size === 0 || state.leader === -1) return null;
  const isr = state.isr.filter((b) => !shuttingDown.has(b));
  if (shuttingDown.has(state.leader)) {
    const leader = electLeader(replicas, isr, candidates(live, shuttingDown), false);
    if (leader !== -1) return { ...state, leader, leaderEpoch: state.leaderEpoch + 1, isr, ...bump(state, controllerEpoch) };
    const kept = state.isr.filter((b) => b === state.leader || !shuttingDown.has(b));
    return kept.length === state.isr.length ? null : { ...state, isr: kept, ...bump(state, controllerEpoch) };
  }
  return isr.length === state.isr.length ? null : { ...state, isr, ...bump(state, controllerEpoch) };
}

/**
 * Whether `nodeId` still leads a partition that another broker could lead now (alive, in
 * the ISR, not shutting down): what a broker in controlled shutdown waits to be rid of.
 */
export function hasMovableLeadership(
  nodeId: number,
  replicas: readonly number[],
  state: PartitionState | null,
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
): boolean {
  if (!state || state.leader !== nodeId) return false;
  return replicas.some((r) => r !== nodeId && live.has(r) && !shuttingDown.has(r) && state.isr.includes(r));
}

// ------------------------------------------------------------------ ElectLeaders

export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

export type ElectionOutcome = { state: PartitionState; errorCode: 0 } | { state: null; errorCode: number; message: string };

/**
 * PREFERRED: the first replica in AR leads when it is alive, in the ISR and not shutting
 * down (PREFERRED_LEADER_NOT_AVAILABLE otherwise; ELECTION_NOT_NEEDED when it leads).
 * UNCLEAN: only for a partition without a live leader: the first replica in AR alive and in
 * the ISR, else the first alive one, which becomes the whole ISR (and may have lost records).
 */
export function electForRequest(
  type: number,
  replicas: readonly number[],
  state: PartitionState,
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
  controllerEpoch: number,
): ElectionOutcome {
  const able = candidates(live, shuttingDown);
  if (type === ElectionType.PREFERRED) {
    const preferred = replicas[0]!;
    if (state.leader === preferred) return { state: null, errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: `broker ${preferred} already leads` };
    if (!able.has(preferred) || !state.isr.includes(preferred)) {
      return { state: null, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, message: `preferred leader ${preferred} is not alive and in the ISR [${state.isr}]` };
    }
    return { state: { ...state, leader: preferred, leaderEpoch: state.leaderEpoch + 1, ...bump(state, controllerEpoch) }, errorCode: 0 };
  }
  if (state.leader !== -1 && live.has(state.leader)) return { state: null, errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: `broker ${state.leader} leads` };
  const leader = electLeader(replicas, state.isr, able, true);
  if (leader === -1) return { state: null, errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, message: `no replica of [${replicas}] is alive` };
  const isr = state.isr.includes(leader) ? state.isr.filter((b) => live.has(b)) : [leader];
  return { state: { ...state, leader, leaderEpoch: state.leaderEpoch + 1, isr, ...bump(state, controllerEpoch) }, errorCode: 0 };
}

export interface PartitionLeadership {
  readonly replicas: readonly number[];
  readonly state: PartitionState | null;
}

/**
 * Kafka's auto leader rebalance: for each broker, the share of the partitions it is the
 * preferred leader of that it does not lead; above leader.imbalance.per.broker.percentage,
 * each of those whose preferred leader could lead now (alive, in the ISR, not shutting down,
 * no reassignment in progress) is returned for a preferred election.
 */
export function imbalancedPartitions<K>(
  partitions: ReadonlyMap<K, PartitionLeadership>,
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
  percentage: number,
): K[] {
  const byPreferred = new Map<number, Array<[K, PartitionLeadership]>>();
  for (const [k, p] of partitions) {
    if (!p.state || p.replicas.length === 0) continue;
    const preferred = p.replicas[0]!;
    if (!byPreferred.has(preferred)) byPreferred.set(preferred, []);
    byPreferred.get(preferred)!.push([k, p]);
  }
  const out: K[] = [];
  for (const [broker, list] of byPreferred) {
    const notLed = list.filter(([, p]) => p.state!.leader !== broker);
    if (notLed.length * 100 <= list.length * percentage) continue;
    if (!live.has(broker) || shuttingDown.has(broker)) continue;
    for (const [k, p] of notLed) {
      const s = p.state!;
      if (s.isr.includes(broker) && !reassigning(s)) out.push(k);
    }
  }
  return out;
}

// ------------------------------------------------------------------ reassignment

export function reassigning(s: PartitionState): boolean {
  return (s.addingReplicas?.length ?? 0) > 0 || (s.removingReplicas?.length ?? 0) > 0;
}

/** The replicas before the reassignment in progress (AR without those being added). */
export function originalReplicas(ar: readonly number[], s: PartitionState): number[] {
  return ar.filter((b) => !(s.addingReplicas ?? []).includes(b));
}

/** The replicas the reassignment in progress moves to (AR without those being removed). */
export function targetReplicas(ar: readonly number[], s: PartitionState): number[] {
  return ar.filter((b) => !(s.removingReplicas ?? []).includes(b));
}

export interface Assignment {
  replicas: number[];
  state: PartitionState;
}

/** A state without the reassignment fields. */
function settled(s: PartitionState): PartitionState {
  const { addingReplicas: _a, removingReplicas: _r, ...rest } = s;
  return rest;
}

/**
 * Moves to `replicas` as the AR: the ISR keeps only its members, and a leader outside it
 * (or dead) is replaced by the first of it alive, in the ISR and not shutting down.
 */
function settleOn(replicas: number[], s: PartitionState, live: ReadonlySet<number>, shuttingDown: ReadonlySet<number>, controllerEpoch: number): Assignment {
  const isr = s.isr.filter((b) => replicas.includes(b));
  const keep = s.leader !== -1 && replicas.includes(s.leader) && live.has(s.leader);
  const state: PartitionState = { ...settled(s), isr, ...bump(s, controllerEpoch) };
  if (keep) return { replicas, state };
  let leader = electLeader(replicas, isr, candidates(live, shuttingDown), false);
  if (leader === -1) leader = electLeader(replicas, isr, live, false);
  return { replicas, state: { ...state, leader, leaderEpoch: s.leaderEpoch + 1 } };
}

/**
 * Kafka's reassignment start: AR becomes target + (original - target), the replicas being
 * added and removed are kept in the state. A new target replaces one in progress (counted
 * from the original replicas); a target equal to the original cancels it.
 */
export function startReassignment(
  ar: readonly number[],
  s: PartitionState,
  target: readonly number[],
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
  controllerEpoch: number,
): Assignment {
  const original = originalReplicas(ar, s);
  const adding = target.filter((b) => !original.includes(b));
  const removing = original.filter((b) => !target.includes(b));
  if (adding.length === 0 && removing.length === 0) return settleOn([...target], s, live, shuttingDown, controllerEpoch);
  const replicas = [...target, ...removing];
  const moved = settleOn(replicas, s, live, shuttingDown, controllerEpoch);
  return { replicas, state: { ...moved.state, addingReplicas: adding, removingReplicas: removing } };
}

/** Cancels the reassignment in progress: back to the original replicas. */
export function cancelReassignment(ar: readonly number[], s: PartitionState, live: ReadonlySet<number>, shuttingDown: ReadonlySet<number>, controllerEpoch: number): Assignment {
  return settleOn(originalReplicas(ar, s), s, live, shuttingDown, controllerEpoch);
}

/**
 * Completes a reassignment once every target replica is in the ISR: AR = target, the ISR
 * loses the removed replicas, and a leader being removed hands over to the first target
 * replica alive and in the ISR. Null while it must wait (or none is in progress).
 */
export function completeReassignment(
  ar: readonly number[],
  s: PartitionState,
  live: ReadonlySet<number>,
  shuttingDown: ReadonlySet<number>,
  controllerEpoch: number,
): Assignment | null {
  if (!reassigning(s)) return null;
  const target = targetReplicas(ar, s);
  if (!target.every((b) => s.isr.includes(b))) return null;
  return settleOn(target, s, live, shuttingDown, controllerEpoch);
}

// ------------------------------------------------------------------ the controller's pass

export interface PlanInput {
  readonly replicas: readonly number[];
  readonly current: PartitionState | null;
  readonly live: ReadonlySet<number>;
  readonly restarted: ReadonlySet<number>;
  readonly shuttingDown: ReadonlySet<number>;
  readonly unclean: boolean;
  readonly controllerEpoch: number;
}

/**
 * Everything one controller pass does to a partition, in order: the live-broker election
 * (elections.ts), completing a reassignment whose target has caught up, and moving off
 * brokers in controlled shutdown. Null when the partition stays as it is.
 */
export function planPartition(input: PlanInput): Assignment | null {
  const { live, shuttingDown, controllerEpoch } = input;
  let replicas = [...input.replicas];
  let state = nextPartitionStateAfterRestarts(replicas, input.current, live, input.restarted, input.unclean, controllerEpoch) ?? input.current;
  if (!state) return null;
  const done = completeReassignment(replicas, state, live, shuttingDown, controllerEpoch);
  if (done) ({ replicas, state } = done);
  state = moveOffShuttingDown(replicas, state, live, shuttingDown, controllerEpoch) ?? state;
  const same = state === input.current && replicas.length === input.replicas.length && replicas.every((b, i) => b === input.replicas[i]);
  return same ? null : { replicas, state };
}
