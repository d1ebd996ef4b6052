import { ApiKey, ErrorCode, SyncGroup } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/** SyncGroup v0-5: the leader brings the assignment; every member gets its own. */
export const syncGroupHandler = defineHandler<SyncGroup.SyncGroupRequest, SyncGroup.SyncGroupResponseInput>({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const error = groupError(ctx.broker, req.groupId);
    const group = error ? null : ctx.broker.groupCoordinator.group(req.groupId, false);
    if (!group) return { throttleTimeMs: 0, errorCode: error || ErrorCode.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) };
    const r = await group.sync(
      req.memberId,
      v >= 3 ? req.groupInstanceId : null,
      req.generationId,
      v >= 5 ? req.protocolType : null,
      v >= 5 ? req.protocolName : null,
      new Map(req.assignments.map((a) => [a.memberId, Buffer.from(a.assignment)])),
    );
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      ...(v >= 5 ? { protocolType: r.protocolType, protocolName: r.protocolName } : {}),
      assignment: r.assignment,
    };
  },
});
