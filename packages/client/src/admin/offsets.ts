/**
 * Partition offsets: ListOffsets (earliest, latest, max timestamp, or by timestamp) and
 * DeleteRecords, each sent to the partitions' leaders (see leaders.ts).
 */
import { ApiKey, ErrorCode, type DeleteRecords, type ListOffsets } from '@samsa/protocol';
import { KafkaProtocolError } from '../errors.js';
import { toOffset, type AdminContext, type ItemOutcome } from './context.js';
import { leaderRound, tpKey, type TopicPartition } from './leaders.js';
import { giveUpAs, invalid, outcome } from './results.js';

/** Kafka's OffsetSpec: the log start, the log end (high watermark), the record with the largest timestamp, or the first at or after a time. */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestamp: number };

export interface ListOffsetsOptions {
  /** read_committed: "latest" is the last stable offset rather than the high watermark. */
  isolationLevel?: 'read_uncommitted' | 'read_committed';
  timeoutMs?: number;
}

export interface ListedOffset extends TopicPartition {
  /** -1 when no record matches (a timestamp after the last record's). */
  offset: number;
  /** The matching record's timestamp for timestamp and max-timestamp lookups, else -1. */
  timestamp: number;
  leaderEpoch: number;
  error: KafkaProtocolError | null;
}

export interface DeletedRecords extends TopicPartition {
  /** The partition's new log start offset. */
  lowWatermark: number;
  error: KafkaProtocolError | null;
}

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
/** ListOffsets first answers max-timestamp in v7 (Kafka 3.0). */
const MAX_TIMESTAMP_MIN_VERSION = 7;

function specTimestamp(spec: OffsetSpec): bigint {
  if (spec === 'latest') return LATEST;
  if (spec === 'earliest') return EARLIEST;
  if (spec === 'max-timestamp') return MAX_TIMESTAMP;
  if (spec && typeof spec === 'object' && Number.isSafeInteger(spec.timestamp) && spec.timestamp >= 0) return BigInt(spec.timestamp);
  throw invalid(`an offset spec is 'earliest', 'latest', 'max-timestamp' or { timestamp: ms >= 0 }, got ${JSON.stringify(spec)}`);
}

/** Each partition once, as in Kafka's Map<TopicPartition, ...>: two answers for one partition could not be told apart. */
function checkPartitions(tps: readonly TopicPartition[], what: string): void {
  const seen = new Set<string>();
  for (const tp of tps) {
    if (typeof tp.topic !== 'string' || tp.topic === '' || !Number.isInteger(tp.partition) || tp.partition < 0) throw invalid(`${what}: ${JSON.stringify(tp)} is not a topic and partition`);
    if (seen.has(tpKey(tp))) throw invalid(`${what}: partition ${tpKey(tp)} appears more than once`);
    seen.add(tpKey(tp));
  }
}

export async function listOffsets(ctx: AdminContext, requests: ReadonlyArray<TopicPartition & { spec: OffsetSpec }>, options: ListOffsetsOptions = {}): Promise<ListedOffset[]> {
  checkPartitions(requests, 'listOffsets');
  const items = new Map(requests.map((r) => [tpKey(r), { topic: r.topic, partition: r.partition, ts: specTimestamp(r.spec) }]));
  const deadline = ctx.deadline(options.timeoutMs);
  const failed = (tp: TopicPartition, error: KafkaProtocolError): ListedOffset => ({ topic: tp.topic, partition: tp.partition, offset: -1, timestamp: -1, leaderEpoch: -1, error });
  const results = await ctx.retryItems(
    'listOffsets',
    deadline,
    [...items.keys()],
    (pending) =>
      leaderRound(ctx, deadline, pending, items, async (conn, byTopic) => {
        const v = conn.version(ApiKey.ListOffsets);
        const out = new Map<string, ItemOutcome<ListedOffset>>();
        const topics: ListOffsets.ListOffsetsTopicInput[] = [];
        for (const [name, list] of byTopic) {
          const partitions: ListOffsets.ListOffsetsPartitionInput[] = [];
          for (const p of list) {
            if (p.ts === MAX_TIMESTAMP && v < MAX_TIMESTAMP_MIN_VERSION) out.set(tpKey(p), { result: failed(p, unsupported(`max-timestamp needs ListOffsets v7; the broker speaks up to v${v}`)) });
            else partitions.push({ partitionIndex: p.partition, timestamp: p.ts, ...(v === 0 ? { maxNumOffsets: 1 } : {}) });
          }
          if (partitions.length > 0) topics.push({ name, partitions });
        }
        if (topics.length === 0) return out;
        const req: ListOffsets.ListOffsetsRequestInput = { replicaId: -1, topics, ...(v >= 2 ? { isolationLevel: options.isolationLevel === 'read_committed' ? 1 : 0 } : {}) };
        const res = await ctx.send<ListOffsets.ListOffsetsResponse>(conn, ApiKey.ListOffsets, req, deadline);
        for (const t of res.topics) {
          for (const p of t.partitions) {
            const offset = v === 0 ? (p.oldStyleOffsets[0] ?? -1n) : p.offset;
            out.set(
              `${t.name}:${p.partitionIndex}`,
              outcome(p.errorCode, null, (error) => ({ topic: t.name, partition: p.partitionIndex, offset: error ? -1 : toOffset(offset, 'offset'), timestamp: error ? -1 : Number(p.timestamp), leaderEpoch: p.leaderEpoch, error })),
            );
          }
        }
        return out;
      }, failed),
    giveUpAs((k: string, error) => failed(items.get(k)!, error)),
  );
  return [...items.keys()].map((k) => results.get(k)!);
}

function unsupported(message: string): KafkaProtocolError {
  return new KafkaProtocolError(ErrorCode.UNSUPPORTED_VERSION, message);
}

/** Deletes every record before `beforeOffset` (-1: the high watermark, i.e. everything). */
export async function deleteRecords(ctx: AdminContext, requests: ReadonlyArray<TopicPartition & { beforeOffset: number }>, options: { timeoutMs?: number } = {}): Promise<DeletedRecords[]> {
  checkPartitions(requests, 'deleteRecords');
  for (const r of requests) {
    if (!Number.isSafeInteger(r.beforeOffset) || r.beforeOffset < -1) throw invalid(`deleteRecords: beforeOffset must be an offset or -1 (the high watermark), got ${r.beforeOffset}`);
  }
  const items = new Map(requests.map((r) => [tpKey(r), { topic: r.topic, partition: r.partition, beforeOffset: r.beforeOffset }]));
  const deadline = ctx.deadline(options.timeoutMs);
  const failed = (tp: TopicPartition, error: KafkaProtocolError): DeletedRecords => ({ topic: tp.topic, partition: tp.partition, lowWatermark: -1, error });
  const results = await ctx.retryItems(
    'deleteRecords',
    deadline,
    [...items.keys()],
    (pending) =>
      leaderRound(ctx, deadline, pending, items, async (conn, byTopic) => {
        const req: DeleteRecords.DeleteRecordsRequestInput = {
          topics: [...byTopic].map(([name, list]) => ({ name, partitions: list.map((p) => ({ partitionIndex: p.partition, offset: BigInt(p.beforeOffset) })) })),
          timeoutMs: Math.max(0, deadline - Date.now()),
        };
        const res = await ctx.send<DeleteRecords.DeleteRecordsResponse>(conn, ApiKey.DeleteRecords, req, deadline);
        const out = new Map<string, ItemOutcome<DeletedRecords>>();
        for (const t of res.topics) {
          for (const p of t.partitions) {
            out.set(`${t.name}:${p.partitionIndex}`, outcome(p.errorCode, null, (error) => ({ topic: t.name, partition: p.partitionIndex, lowWatermark: error ? -1 : toOffset(p.lowWatermark, 'low watermark'), error })));
          }
        }
        return out;
      }, failed),
    giveUpAs((k: string, error) => failed(items.get(k)!, error)),
  );
  return [...items.keys()].map((k) => results.get(k)!);
}
