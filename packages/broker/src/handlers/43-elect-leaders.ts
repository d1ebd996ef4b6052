import { ApiKey, ElectLeaders, ErrorCode } from '@samsa/protocol';
import { defineHandler } from './handler.js';

/**
 * ElectLeaders v0-2: PREFERRED (v0's only type) or UNCLEAN elections, run by the active
 * controller (controller/preferred-election.ts); any other broker answers NOT_CONTROLLER,
 * in the top-level error (v1+) and every partition (v0 has no top-level error).
 * A null partition list means every partition of every topic.
 */
export const electLeadersHandler = defineHandler<ElectLeaders.ElectLeadersRequest, ElectLeaders.ElectLeadersResponseInput>({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const wanted = req.topicPartitions === null ? null : new Map(req.topicPartitions.map((t) => [t.topic, t.partitions]));
    const outcome = await ctx.broker.controllerOps.electLeaders(req.electionType, wanted);
    if (!outcome) {
      const partitionResult = (partitions: number[]): ElectLeaders.PartitionResultInput[] =>
        partitions.map((partitionId) => ({ partitionId, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: `broker ${ctx.broker.nodeId} is not the controller` }));
      return {
        throttleTimeMs: 0,
        // v0 has no top-level error code (and the codec refuses one).
        errorCode: ctx.header.apiVersion >= 1 ? ErrorCode.NOT_CONTROLLER : 0,
        replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: partitionResult(t.partitions) })),
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      replicaElectionResults: [...outcome.byTopic].map(([topic, results]) => ({
        topic,
        partitionResult: results.map((r) => ({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage })),
      })),
    };
  },
});
