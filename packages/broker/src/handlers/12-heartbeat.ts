import { ApiKey, ErrorCode, Heartbeat } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/** Heartbeat v0-4: keeps a member's session and tells it when to rejoin. */
export const heartbeatHandler = defineHandler<Heartbeat.HeartbeatRequest, Heartbeat.HeartbeatResponseInput>({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const error = groupError(ctx.broker, req.groupId);
    if (error) return { throttleTimeMs: 0, errorCode: error };
    const group = ctx.broker.groupCoordinator.group(req.groupId, false);
    if (!group) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    return { throttleTimeMs: 0, errorCode: group.heartbeat(req.memberId, ctx.header.apiVersion >= 3 ? req.groupInstanceId : null, req.generationId) };
  },
});
