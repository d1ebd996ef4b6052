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
    const group = ctx.broker.groupCoordinator.group(req.groupId, true)!;
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
