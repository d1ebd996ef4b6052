import { ApiKey, ErrorCode, LeaveGroup } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/**
 * LeaveGroup v0-5: one member (v0-2) or a batch, static members by instance id (v3+).
 *
 * The answer's shape is Kafka's GroupCoordinator.handleLeaveGroup with LeaveGroupResponse's
 * version rule: a coordinator error (and COORDINATOR_NOT_AVAILABLE for a Dead group) is
 * top-level with no members; a group the coordinator does not know is not an error of the
 * request but of each member (top-level NONE, every member UNKNOWN_MEMBER_ID). v0-2 carry one
 * code: the top-level one, else the first member's error.
 */
export const leaveGroupHandler = defineHandler<LeaveGroup.LeaveGroupRequest, LeaveGroup.LeaveGroupResponseInput>({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const identities = v >= 3 ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: req.memberId, groupInstanceId: null }];
    const answer = (errorCode: number, members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>): LeaveGroup.LeaveGroupResponseInput => {
      if (v >= 3) return { throttleTimeMs: 0, errorCode, members };
      return { throttleTimeMs: 0, errorCode: errorCode || (members.find((m) => m.errorCode !== 0)?.errorCode ?? 0) };
    };
    const error = groupError(ctx.broker, req.groupId);
    if (error) return answer(error, []);
    const group = ctx.broker.groupCoordinator.group(req.groupId, false);
    if (!group) return answer(0, identities.map((id) => ({ ...id, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })));
    if (group.state === 'Dead') return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE, []);
    return answer(0, group.leave(identities));
  },
});
