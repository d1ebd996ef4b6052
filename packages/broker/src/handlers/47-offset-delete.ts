import { ApiKey, decodeSubscription, ErrorCode, OffsetDelete } from '@samsa/protocol';
import type { ClassicGroup } from '../coordinator/group/classic-group.js';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/** Topics the group's consumers subscribe to: their offsets may not be deleted. */
function subscribedTopics(g: ClassicGroup): Set<string> {
  const topics = new Set<string>();
  if (g.protocolType !== 'consumer' || g.protocolName === null) return topics;
  for (const m of g.members.values()) {
    try {
      for (const t of decodeSubscription(m.metadataFor(g.protocolName)).topics) topics.add(t);
    } catch {
      // Metadata that is not a consumer subscription subscribes to nothing we can name.
    }
  }
  return topics;
}

/** OffsetDelete v0: removes committed offsets of partitions the group no longer consumes. */
export const offsetDeleteHandler = defineHandler<OffsetDelete.OffsetDeleteRequest, OffsetDelete.OffsetDeleteResponseInput>({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const { groupCoordinator } = ctx.broker;
    const error = groupError(ctx.broker, req.groupId);
    const g = groupCoordinator.group(req.groupId, false);
    if (error || (!g && !groupCoordinator.offsets.has(req.groupId))) {
      return { errorCode: error || ErrorCode.GROUP_ID_NOT_FOUND, throttleTimeMs: 0, topics: [] };
    }
    const subscribed = g && g.state !== 'Empty' ? subscribedTopics(g) : new Set<string>();
    const deletable = req.topics.filter((t) => !subscribed.has(t.name)).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const writeError = await groupCoordinator.deleteOffsets(req.groupId, deletable);
    return {
      errorCode: 0,
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: subscribed.has(t.name) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : writeError })),
      })),
    };
  },
});
