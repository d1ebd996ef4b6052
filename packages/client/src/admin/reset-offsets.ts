/**
 * Resetting a consumer group's offsets, as kafka-consumer-groups.sh --reset-offsets does:
 * only while the group has no active members (its state Empty or Dead), since a running
 * member would overwrite the reset with its next commit; targets are clamped into
 * [log start, log end] as Kafka's tool clamps them; a dry run computes and commits nothing.
 */
import { ErrorCode } from '@samsa/protocol';
import { KafkaProtocolError, SamsaClientError } from '../errors.js';
import type { AdminContext } from './context.js';
import type { CoordinatorLookup } from './coordinator.js';
import { commitAsAdmin, fetchCommitted } from './group-offsets.js';
import { describeGroups } from './groups.js';
import { tpKey, type TopicPartition } from './leaders.js';
import { listOffsets, type OffsetSpec } from './offsets.js';
import { describeTopics } from './topics.js';
import { invalid } from './results.js';

export type ResetTarget = 'earliest' | 'latest' | { offset: number } | { timestamp: number } | { shiftBy: number };

export interface ResetSpec {
  /** The topic(s) to reset; absent: every topic the group has committed offsets for. */
  topic?: string | string[];
  /** Only these partitions of the topic(s); absent: all of them. */
  partitions?: number[];
  to: ResetTarget;
}

export interface ResetOffset extends TopicPartition {
  /** The committed offset before the reset, null when there was none. */
  previousOffset: number | null;
  offset: number;
  /** The commit's error for this partition (always null in a dry run). */
  error: KafkaProtocolError | null;
}

/** States in which Kafka's tool allows a reset: nobody is consuming. */
const INACTIVE_STATES = new Set(['Empty', 'Dead']);

function checkTarget(to: ResetTarget): void {
  const ok =
    to === 'earliest' ||
    to === 'latest' ||
    (typeof to === 'object' && to !== null && (('offset' in to && Number.isSafeInteger(to.offset) && to.offset >= 0) || ('timestamp' in to && Number.isSafeInteger(to.timestamp) && to.timestamp >= 0) || ('shiftBy' in to && Number.isSafeInteger(to.shiftBy))));
  if (!ok) throw invalid(`reset target must be 'earliest', 'latest', { offset }, { timestamp } or { shiftBy }, got ${JSON.stringify(to)}`);
}

/** The partitions to reset: those named, or (no topic) those the group has committed offsets for. */
async function partitionsOf(ctx: AdminContext, spec: ResetSpec, committed: ReadonlyArray<TopicPartition>, deadline: number): Promise<TopicPartition[]> {
  if (spec.topic === undefined) {
    return committed.filter((c) => !spec.partitions || spec.partitions.includes(c.partition)).map((c) => ({ topic: c.topic, partition: c.partition }));
  }
  const topics = typeof spec.topic === 'string' ? [spec.topic] : spec.topic;
  const out: TopicPartition[] = [];
  for (const t of await describeTopics(ctx, topics, { timeoutMs: Math.max(1, deadline - Date.now()) })) {
    if (t.error) throw t.error;
    for (const p of t.partitions) if (!spec.partitions || spec.partitions.includes(p.partition)) out.push({ topic: t.topic, partition: p.partition });
    for (const p of spec.partitions ?? []) if (!t.partitions.some((x) => x.partition === p)) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${t.topic} has no partition ${p}`);
  }
  return out;
}

async function offsetsAt(ctx: AdminContext, tps: readonly TopicPartition[], spec: OffsetSpec, deadline: number): Promise<Map<string, number>> {
  const listed = await listOffsets(ctx, tps.map((tp) => ({ ...tp, spec })), { timeoutMs: Math.max(1, deadline - Date.now()) });
  const out = new Map<string, number>();
  for (const o of listed) {
    if (o.error) throw o.error;
    out.set(tpKey(o), o.offset);
  }
  return out;
}

export async function resetConsumerGroupOffsets(ctx: AdminContext, lookup: CoordinatorLookup, groupId: string, spec: ResetSpec, options: { dryRun?: boolean; timeoutMs?: number } = {}): Promise<ResetOffset[]> {
  checkTarget(spec.to);
  const deadline = ctx.deadline(options.timeoutMs);
  const [group] = await describeGroups(ctx, lookup, [groupId], { timeoutMs: Math.max(1, deadline - Date.now()) });
  if (group!.error) throw group!.error;
  if (!INACTIVE_STATES.has(group!.state)) {
    throw new SamsaClientError(
      'GROUP_NOT_EMPTY',
      `offsets of group ${groupId} can only be reset while it is inactive, but it is ${group!.state} with ${group!.members.length} member(s); stop its consumers first`,
    );
  }
  const committed = await fetchCommitted(ctx, lookup, groupId, undefined, deadline);
  const previous = new Map(committed.filter((c) => c.offset >= 0).map((c) => [tpKey(c), c.offset]));
  const tps = await partitionsOf(ctx, spec, committed.filter((c) => c.offset >= 0), deadline);
  if (tps.length === 0) return [];
  const earliest = await offsetsAt(ctx, tps, 'earliest', deadline);
  const latest = await offsetsAt(ctx, tps, 'latest', deadline);
  const byTime = typeof spec.to === 'object' && 'timestamp' in spec.to ? await offsetsAt(ctx, tps, { timestamp: spec.to.timestamp }, deadline) : null;
  const planned = tps.map((tp) => {
    const k = tpKey(tp);
    const lo = earliest.get(k)!;
    const hi = latest.get(k)!;
    const to = spec.to;
    let offset: number;
    if (to === 'earliest') offset = lo;
    else if (to === 'latest') offset = hi;
    else if ('offset' in to) offset = to.offset;
    // No record at or after the time: the log end, as Kafka's tool does.
    else if ('timestamp' in to) offset = byTime!.get(k)! >= 0 ? byTime!.get(k)! : hi;
    else {
      const current = previous.get(k);
      if (current === undefined) throw invalid(`cannot shift the offset of ${k}: group ${groupId} has no committed offset there`);
      offset = current + to.shiftBy;
    }
    return { ...tp, previousOffset: previous.get(k) ?? null, offset: Math.min(Math.max(offset, lo), hi), error: null };
  });
  if (options.dryRun) return planned;
  const committedNow = new Map((await commitAsAdmin(ctx, lookup, groupId, planned, deadline)).map((r) => [tpKey(r), r.error]));
  return planned.map((p) => ({ ...p, error: committedNow.get(tpKey(p)) ?? null }));
}
