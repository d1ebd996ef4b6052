import { ApiKey, ErrorCode, ListOffsets } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { leaderPartition, partitionErrorCode } from './partition-errors.js';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;
/** replicaId of a consumer; -2 is a debugging client allowed to see past the high watermark. */
const DEBUGGING_REPLICA = -2;

/**
 * ListOffsets v0-9: latest (the high watermark), earliest (the log start), by timestamp
 * (the first offset whose timestamp is at or after it), and max timestamp (v7+).
 */
export const listOffsetsHandler = defineHandler<ListOffsets.ListOffsetsRequest, ListOffsets.ListOffsetsResponseInput>({
  apiKey: ApiKey.ListOffsets,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const { broker } = ctx;
    const v = ctx.header.apiVersion;
    const topics: ListOffsets.ListOffsetsTopicResponseInput[] = [];
    for (const t of req.topics) {
      const partitions: ListOffsets.ListOffsetsPartitionResponseInput[] = [];
      for (const rp of t.partitions) {
        const found = leaderPartition(broker, t.name, rp.partitionIndex, v >= 4 ? rp.currentLeaderEpoch : -1);
        const base = { partitionIndex: rp.partitionIndex };
        if (!found.partition) {
          partitions.push({ ...base, errorCode: found.errorCode });
          continue;
        }
        const p = found.partition;
        const visibleEnd = req.replicaId === DEBUGGING_REPLICA || req.replicaId >= 0 ? p.logEndOffset : p.highWatermark;
        try {
          let offset: number;
          let timestamp = -1;
          if (rp.timestamp === LATEST) offset = visibleEnd;
          else if (rp.timestamp === EARLIEST || rp.timestamp === EARLIEST_LOCAL) offset = p.logStartOffset;
          else if (rp.timestamp === LATEST_TIERED) offset = -1;
          else if (rp.timestamp === MAX_TIMESTAMP) {
            const found = await p.log.maxTimestamp();
            offset = found && found.offset < visibleEnd ? found.offset : -1;
            timestamp = offset >= 0 && found ? found.timestamp : -1;
          } else if (rp.timestamp < 0n) {
            partitions.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST });
            continue;
          } else {
            const found = await p.log.offsetForTimestamp(Number(rp.timestamp));
            offset = found && found.offset < visibleEnd ? found.offset : -1;
            timestamp = offset >= 0 && found ? found.timestamp : -1;
          }
          // Each version carries only its own fields: v0 a list of offsets, v1+ one offset
          // and its timestamp, v4+ the leader epoch.
          partitions.push(
            v === 0
              ? { partitionIndex: rp.partitionIndex, errorCode: 0, oldStyleOffsets: offset >= 0 ? [BigInt(offset)] : [] }
              : {
                  partitionIndex: rp.partitionIndex,
                  errorCode: 0,
                  timestamp: BigInt(timestamp),
                  offset: BigInt(offset),
                  leaderEpoch: v >= 4 && offset >= 0 ? p.leaderEpoch : -1,
                },
          );
        } catch (e) {
          partitions.push({ ...base, errorCode: partitionErrorCode(broker, e, p.name).errorCode });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
