/**
 * The per-partition failures every data-path handler maps the same way.
 */
import { ErrorCode } from '@samsa/protocol';
import type { BrokerServices } from '../broker-services.js';
import { OffsetOutOfRangeError } from '../log/partition-log.js';
import type { Partition } from '../replication/partition.js';
import { AppendError } from '../replication/validate-batches.js';

export type Lookup = { partition: Partition; errorCode: 0 } | { partition: null; errorCode: number };

/** Finds the partition this broker leads, or the error a client should act on. */
export function leaderPartition(broker: BrokerServices, topic: string, index: number, currentLeaderEpoch = -1): Lookup {
  const info = broker.metadata.partition(topic, index);
  if (!info) return { partition: null, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  const p = broker.replicaManager.partition(topic, index);
  if (!p || p.role !== 'leader') return { partition: null, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  if (currentLeaderEpoch >= 0) {
    if (currentLeaderEpoch > p.leaderEpoch) return { partition: null, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
    if (currentLeaderEpoch < p.leaderEpoch) return { partition: null, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
  }
  return { partition: p, errorCode: 0 };
}

/** Maps a failure on one partition to its error code; logs what is not a client's mistake. */
export function partitionErrorCode(broker: BrokerServices, e: unknown, where: string): { errorCode: number; errorMessage: string } {
  if (e instanceof AppendError) return { errorCode: e.errorCode, errorMessage: e.message };
  if (e instanceof OffsetOutOfRangeError) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, errorMessage: e.message };
  broker.log.error({ err: e, partition: where }, 'storage failure');
  return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: (e as Error).message ?? String(e) };
}
