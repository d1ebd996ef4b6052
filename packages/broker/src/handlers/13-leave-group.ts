import { ApiKey, ErrorCode, LeaveGroup } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/** LeaveGroup v0-5: one member (v0-2) or a batch, static members by instance id (v3+). */
export const leaveGroupHandler = defineHandler<LeaveGroup.LeaveGroupRequest, LeaveGroup.LeaveGroupResponseInput>({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const error = groupError(ctx.broker, req.groupId);
    const group = error ? null : ctx.broker.groupCoordinator.group(req.groupId, false);
    const identities = v >= 3 ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: req.memberId, groupInstanceId: null }];
    if (!group) return { throttleTimeMs: 0, errorCode: error || ErrorCode.UNKNOWN_MEMBER_ID, members: [] };
    const results = group.leave(identities);
    if (v < 3) return { throttleTimeMs: 0, errorCode: results[0]!.errorCode };
    return { throttleTimeMs: 0, errorCode: 0, members: results };
  },
});
