import { ApiKey, DescribeGroups } from '@samsa/protocol';
import { defineHandler } from './handler.js';
import { groupError } from './group-errors.js';

/** DescribeGroups v0-5. A group that does not exist is described as Dead, as Kafka does. */
export const describeGroupsHandler = defineHandler<DescribeGroups.DescribeGroupsRequest, DescribeGroups.DescribeGroupsResponseInput>({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const groups = req.groups.map((groupId): DescribeGroups.DescribedGroupInput => {
      const empty = { groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
      const errorCode = groupError(ctx.broker, groupId);
      if (errorCode) return { ...empty, errorCode };
      const g = ctx.broker.groupCoordinator.group(groupId, false);
      if (!g) return { ...empty, errorCode: 0 };
      const stable = g.state === 'Stable';
      return {
        errorCode: 0,
        groupId,
        groupState: g.state,
        protocolType: g.protocolType ?? '',
        protocolData: stable ? (g.protocolName ?? '') : '',
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          ...(v >= 4 ? { groupInstanceId: m.groupInstanceId } : {}),
          clientId: m.clientId,
          clientHost: m.clientHost,
          // Kafka sends metadata and assignment only once the group is stable.
          memberMetadata: stable ? m.metadataFor(g.protocolName ?? '') : Buffer.alloc(0),
          memberAssignment: stable ? m.assignment : Buffer.alloc(0),
        })),
      };
    });
    return { throttleTimeMs: 0, groups };
  },
});
