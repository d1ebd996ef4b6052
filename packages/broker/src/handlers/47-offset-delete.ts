import { ApiKey, ErrorCode, OffsetDelete } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/**
 * OffsetDelete v0: removes committed offsets of partitions the group no longer consumes, by
 * Kafka's GroupCoordinator.handleDeleteOffsets: an Empty group may lose any; a live
 * "consumer" group keeps those of topics its generation subscribes to
 * (GROUP_SUBSCRIBED_TO_TOPIC; when the subscriptions cannot be read, every topic counts as
 * subscribed); a live group of another protocol refuses with NON_EMPTY_GROUP. Partitions of
 * topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION (KafkaApis checks them first).
 */
export const offsetDeleteHandler = defineHandler<OffsetDelete.OffsetDeleteRequest, OffsetDelete.OffsetDeleteResponseInput>({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const { groupCoordinator, metadata } = ctx.broker;
    const fail = (errorCode: number): OffsetDelete.OffsetDeleteResponseInput => ({ errorCode, throttleTimeMs: 0, topics: [] });
    const error = groupError(ctx.broker, req.groupId);
    if (error) return fail(error);
    const g = groupCoordinator.group(req.groupId, false);
    if (!g || g.state === 'Dead') return fail(ErrorCode.GROUP_ID_NOT_FOUND);
    if (g.state !== 'Empty' && g.protocolType !== 'consumer') return fail(ErrorCode.NON_EMPTY_GROUP);
    const subscribed = (topic: string): boolean => g.state !== 'Empty' && (g.subscribedTopics === null || g.subscribedTopics.has(topic));
    const errors = new Map<string, number>();
    const deletable: Array<{ topic: string; partition: number }> = [];
    for (const t of req.topics) {
      for (const p of t.partitions) {
        const id = `${t.name}:${p.partitionIndex}`;
        if (!metadata.partition(t.name, p.partitionIndex)) errors.set(id, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else if (subscribed(t.name)) errors.set(id, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
        else deletable.push({ topic: t.name, partition: p.partitionIndex });
      }
    }
    const writeError = deletable.length ? await groupCoordinator.deleteOffsets(req.groupId, deletable) : 0;
    return {
      errorCode: 0,
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errors.get(`${t.name}:${p.partitionIndex}`) ?? writeError })),
      })),
    };
  },
});
