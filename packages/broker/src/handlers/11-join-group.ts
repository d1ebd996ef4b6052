import { ApiKey, ErrorCode, JoinGroup } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/** JoinGroup v0-9 (classic protocol). The call parks until the join phase completes. */
export const joinGroupHandler = defineHandler<JoinGroup.JoinGroupRequest, JoinGroup.JoinGroupResponseInput>({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const fail = (errorCode: number): JoinGroup.JoinGroupResponseInput => ({
      throttleTimeMs: 0,
      errorCode,
      generationId: -1,
      protocolName: v >= 7 ? null : '',
      leader: '',
      memberId: req.memberId,
      members: [],
    });
    const error = groupError(ctx.broker, req.groupId);
    if (error) return fail(error);
    if (v >= 5 && req.groupInstanceId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    // Checked before the group exists, as Kafka does: a refused join must not leave an
    // Empty group behind for ListGroups to show.
    const { minSessionTimeoutMs, maxSessionTimeoutMs } = ctx.broker.groupCoordinator.sessionTimeoutBounds;
    if (req.sessionTimeoutMs < minSessionTimeoutMs || req.sessionTimeoutMs > maxSessionTimeoutMs) return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    // Only a new member (no id yet) creates the group; a member id for a group we do not
    // know belongs to a group that is gone: UNKNOWN_MEMBER_ID makes the client rejoin afresh.
    const group = ctx.broker.groupCoordinator.group(req.groupId, req.memberId === '');
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const r = await group.join({
      memberId: req.memberId,
      groupInstanceId: v >= 5 ? req.groupInstanceId : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.conn.remoteAddress.replace(/:\d+$/, '')}`,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      requireKnownMemberId: v >= 4,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      ...(v >= 7 ? { protocolType: r.protocolType } : {}),
      // Before v7 the protocol name is not nullable.
      protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: false,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, metadata: m.metadata, ...(v >= 5 ? { groupInstanceId: m.groupInstanceId } : {}) })),
    };
  },
});
