import { AlterPartitionReassignments, ApiKey, ErrorCode } from '@samsa/protocol';
import { defineHandler } from './handler.js';

/**
 * AlterPartitionReassignments v0: starts (target replicas) or cancels (null) reassignments,
 * on the active controller (controller/reassignment.ts); elsewhere NOT_CONTROLLER.
 */
export const alterPartitionReassignmentsHandler = defineHandler<
  AlterPartitionReassignments.AlterPartitionReassignmentsRequest,
  AlterPartitionReassignments.AlterPartitionReassignmentsResponseInput
>({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const ops = ctx.broker.controllerOps;
    const responses: AlterPartitionReassignments.ReassignableTopicResponseInput[] = [];
    for (const t of req.topics) {
      const results = await ops.alterReassignments(t.name, t.partitions.map((p) => ({ partition: p.partitionIndex, replicas: p.replicas })));
      if (!results) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: `broker ${ctx.broker.nodeId} is not the controller`, responses: [] };
      }
      responses.push({ name: t.name, partitions: results.map((r) => ({ partitionIndex: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage })) });
    }
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses };
  },
});
