import { ApiKey, ListGroups } from '@samsa/protocol';
import { defineHandler } from './handler.js';

/** ListGroups v0-5: the groups this broker coordinates, filtered by state (v4+) and type (v5+). */
export const listGroupsHandler = defineHandler<ListGroups.ListGroupsRequest, ListGroups.ListGroupsResponseInput>({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const states = v >= 4 ? req.statesFilter.map((s) => s.toLowerCase()) : [];
    const types = v >= 5 ? req.typesFilter.map((s) => s.toLowerCase()) : [];
    const { groupCoordinator } = ctx.broker;
    const groups: ListGroups.ListedGroupInput[] = [];
    for (const g of groupCoordinator.groups.values()) {
      if (g.state === 'Dead' || groupCoordinator.checkCoordinator(g.groupId) !== 0) continue;
      if (states.length && !states.includes(g.state.toLowerCase())) continue;
      if (types.length && !types.includes('classic')) continue;
      groups.push({
        groupId: g.groupId,
        protocolType: g.protocolType ?? '',
        ...(v >= 4 ? { groupState: g.state } : {}),
        ...(v >= 5 ? { groupType: 'classic' } : {}),
      });
    }
    return { throttleTimeMs: 0, errorCode: 0, groups };
  },
});
