import { ApiKey, ErrorCode, OffsetCommit } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/**
 * OffsetCommit v0-9. A member of the current generation may commit (also while a
 * rebalance prepares, not between JoinGroup and SyncGroup); generation -1 is a standalone
 * commit, allowed while the group has no members.
 */
export const offsetCommitHandler = defineHandler<OffsetCommit.OffsetCommitRequest, OffsetCommit.OffsetCommitResponseInput>({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const { groupCoordinator } = ctx.broker;
    const answer = (errorOf: (topic: string, partition: number) => number): OffsetCommit.OffsetCommitResponseInput => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorOf(t.name, p.partitionIndex) })) })),
    });
    let error = groupError(ctx.broker, req.groupId);
    if (!error) {
      const generationId = v >= 1 ? req.generationIdOrMemberEpoch : -1;
      const memberId = v >= 1 ? req.memberId : '';
      // A standalone commit to a group we do not know creates it, Empty, as Kafka does: it
      // is then described and listed like any group without members.
      const group = groupCoordinator.group(req.groupId, generationId < 0);
      if (group) error = group.validateCommit(memberId, v >= 7 ? req.groupInstanceId : null, generationId);
      else error = ErrorCode.ILLEGAL_GENERATION;
    }
    if (error) return answer(() => error);
    const results = await groupCoordinator.commit(
      req.groupId,
      req.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
        })),
      ),
    );
    return answer((topic, partition) => results.get(`${topic}:${partition}`) ?? 0);
  },
});
