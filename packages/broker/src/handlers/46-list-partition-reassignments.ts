import { ApiKey, ErrorCode, ListPartitionReassignments } from '@samsa/protocol';
import { defineHandler } from './handler.js';

/**
 * ListPartitionReassignments v0: the reassignments in progress (of the named partitions,
 * or all), with AR and the replicas being added and removed; NOT_CONTROLLER elsewhere.
 */
export const listPartitionReassignmentsHandler = defineHandler<
  ListPartitionReassignments.ListPartitionReassignmentsRequest,
  ListPartitionReassignments.ListPartitionReassignmentsResponseInput
>({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.name, t.partitionIndexes]));
    const ongoing = await ctx.broker.controllerOps.listReassignments(wanted);
    if (!ongoing) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: `broker ${ctx.broker.nodeId} is not the controller`, topics: [] };
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [...ongoing].map(([name, partitions]) => ({
        name,
        partitions: partitions.map((p) => ({ partitionIndex: p.partition, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })),
      })),
    };
  },
});
