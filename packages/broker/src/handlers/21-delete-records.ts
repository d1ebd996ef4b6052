import { ApiKey, DeleteRecords, ErrorCode } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { leaderPartition, partitionErrorCode } from './partition-errors.js';

/** DeleteRecords v0-2: moves a partition's log start forward; -1 means up to the high watermark. */
export const deleteRecordsHandler = defineHandler<DeleteRecords.DeleteRecordsRequest, DeleteRecords.DeleteRecordsResponseInput>({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const { broker } = ctx;
    const topics: DeleteRecords.DeleteRecordsTopicResultInput[] = [];
    for (const t of req.topics) {
      const partitions: DeleteRecords.DeleteRecordsPartitionResultInput[] = [];
      for (const rp of t.partitions) {
        const found = leaderPartition(broker, t.name, rp.partitionIndex);
        if (!found.partition) {
          partitions.push({ partitionIndex: rp.partitionIndex, lowWatermark: -1n, errorCode: found.errorCode });
          continue;
        }
        const p = found.partition;
        const target = rp.offset === -1n ? p.highWatermark : Number(rp.offset);
        if (target < 0 || target > p.highWatermark) {
          partitions.push({ partitionIndex: rp.partitionIndex, lowWatermark: BigInt(p.logStartOffset), errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
          continue;
        }
        try {
          if (target > p.logStartOffset) await p.log.deleteRecordsBefore(target);
          p.afterLogStartMoved();
          partitions.push({ partitionIndex: rp.partitionIndex, lowWatermark: BigInt(p.logStartOffset), errorCode: 0 });
        } catch (e) {
          partitions.push({ partitionIndex: rp.partitionIndex, lowWatermark: -1n, errorCode: partitionErrorCode(broker, e, p.name).errorCode });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
