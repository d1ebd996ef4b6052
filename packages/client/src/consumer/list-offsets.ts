/**
 * ListOffsets for positions: the log start (earliest, timestamp -2), the log end (latest,
 * -1), or the first offset at or after a timestamp. One request per leader; a partition whose
 * leader is unknown or answers a retriable error is left out of the result (and metadata
 * refreshed), for the caller to ask again after retry.backoff.ms.
 */
import { ApiKey, ErrorCode, isRetriable, type ListOffsets } from '@samsa/protocol';
import type { BrokerPool } from '../connection/broker-pool.js';
import { KafkaProtocolError } from '../errors.js';
import type { MetadataManager } from '../metadata/metadata-manager.js';
import { offsetNumber, tpKey, type TopicPartition } from './types.js';

export const EARLIEST_TIMESTAMP = -2n;
export const LATEST_TIMESTAMP = -1n;

export interface OffsetQuery extends TopicPartition {
  timestamp: bigint;
}

export interface ListedOffset {
  /** -1 when no record has a timestamp at or after the one asked for. */
  offset: number;
  leaderEpoch: number | null;
}

export interface ListOffsetsResult {
  found: Map<string, ListedOffset>;
  /** A non-retriable error for a partition, to surface to the caller. */
  failed: Map<string, KafkaProtocolError>;
}

export async function listOffsets(pool: BrokerPool, metadata: MetadataManager, queries: readonly OffsetQuery[], isolationLevel: 0 | 1): Promise<ListOffsetsResult> {
  const result: ListOffsetsResult = { found: new Map(), failed: new Map() };
  const byNode = new Map<number, OffsetQuery[]>();
  for (const q of queries) {
    const leader = metadata.cache.leaderFor(q.topic, q.partition);
    if (leader < 0) {
      metadata.addTopic(q.topic);
      metadata.requestUpdate();
      continue;
    }
    let list = byNode.get(leader);
    if (!list) byNode.set(leader, (list = []));
    list.push(q);
  }
  await Promise.all(
    [...byNode].map(async ([node, list]) => {
      let res: ListOffsets.ListOffsetsResponse;
      try {
        const conn = await pool.connectTo(node);
        const v = conn.version(ApiKey.ListOffsets);
        const topics = new Map<string, ListOffsets.ListOffsetsPartitionInput[]>();
        for (const q of list) {
          let parts = topics.get(q.topic);
          if (!parts) topics.set(q.topic, (parts = []));
          const epoch = metadata.cache.topic(q.topic)?.partitions[q.partition]?.leaderEpoch ?? -1;
          parts.push({ partitionIndex: q.partition, timestamp: q.timestamp, currentLeaderEpoch: epoch });
        }
        res = await conn.request<ListOffsets.ListOffsetsResponse>(ApiKey.ListOffsets, {
          replicaId: -1,
          isolationLevel: v >= 2 ? isolationLevel : 0,
          topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        });
      } catch {
        metadata.requestUpdate(); // the connection failed: the caller retries after its backoff
        return;
      }
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const key = tpKey(t.name, p.partitionIndex);
          if (p.errorCode === ErrorCode.NONE) {
            const offset = p.oldStyleOffsets.length > 0 ? p.oldStyleOffsets[0]! : p.offset;
            result.found.set(key, { offset: offsetNumber(offset), leaderEpoch: p.leaderEpoch >= 0 ? p.leaderEpoch : null });
          } else if (isRetriable(p.errorCode) || p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
            metadata.requestUpdate();
          } else {
            result.failed.set(key, new KafkaProtocolError(p.errorCode, `list offsets of ${t.name}-${p.partitionIndex}`));
          }
        }
      }
    }),
  );
  return result;
}
