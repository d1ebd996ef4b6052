import { ApiKey, DeleteGroups } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/** DeleteGroups v0-2: only groups without members; their committed offsets go too. */
export const deleteGroupsHandler = defineHandler<DeleteGroups.DeleteGroupsRequest, DeleteGroups.DeleteGroupsResponseInput>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const results = [];
    for (const groupId of req.groupsNames) {
      const errorCode = groupError(ctx.broker, groupId) || (await ctx.broker.groupCoordinator.deleteGroup(groupId));
      results.push({ groupId, errorCode });
    }
    return { throttleTimeMs: 0, results };
  },
});
