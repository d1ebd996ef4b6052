import { ApiKey, OffsetForLeaderEpoch } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { leaderPartition } from './partition-errors.js';

/**
 * OffsetForLeaderEpoch v0-4 (KIP-101, KIP-320): for each partition, the largest leader epoch
 * <= the one asked that this leader knows, and the offset where it ended (the start of the
 * next epoch, or the log end for the current one), from the partition's leader-epoch cache.
 * Followers ask it before fetching from a new leader, to cut their divergent suffix;
 * consumers (librdkafka, Java) ask it to validate their position after a leader change.
 * An epoch the leader does not know is answered leaderEpoch -1, endOffset -1 (Kafka's
 * UNDEFINED_EPOCH_OFFSET). Only the leader answers (NOT_LEADER_OR_FOLLOWER otherwise), and
 * a stale or future currentLeaderEpoch (v2+) is refused like Fetch refuses it.
 */
export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpoch.OffsetForLeaderEpochRequest, OffsetForLeaderEpoch.OffsetForLeaderEpochResponseInput>({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const { broker } = ctx;
    const v = ctx.header.apiVersion;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((rp): OffsetForLeaderEpoch.EpochEndOffsetInput => {
          const found = leaderPartition(broker, t.topic, rp.partition, v >= 2 ? rp.currentLeaderEpoch : -1);
          if (!found.partition) return { errorCode: found.errorCode, partition: rp.partition, leaderEpoch: -1, endOffset: -1n };
          const p = found.partition;
          const end = p.leaderEpochCache.endOffsetFor(rp.leaderEpoch, p.logEndOffset);
          // v0 has no leaderEpoch field: the end offset alone.
          return v === 0
            ? { errorCode: 0, partition: rp.partition, endOffset: BigInt(end.endOffset) }
            : { errorCode: 0, partition: rp.partition, leaderEpoch: end.leaderEpoch, endOffset: BigInt(end.endOffset) };
        }),
      })),
    };
  },
});
