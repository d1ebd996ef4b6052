import { ApiKey, CreateTopics, ErrorCode } from '@samsa/protocol';
import { describeTopicConfig } from '../config/describe.js';
import { adminFailure } from './admin-errors.js';
import { defineHandler } from './handler.js';

/** CreateTopics v0-7: each topic succeeds or fails on its own; validateOnly checks without creating. */
export const createTopicsHandler = defineHandler<CreateTopics.CreateTopicsRequest, CreateTopics.CreateTopicsResponseInput>({
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, req) {
    const { broker } = ctx;
    const seen = new Map<string, number>();
    for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const topics: CreateTopics.CreatableTopicResultInput[] = [];
    for (const t of req.topics) {
      if (seen.get(t.name)! > 1) {
        topics.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `topic ${t.name} appears more than once in the request` });
        continue;
      }
      const spec = {
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds),
        configs: new Map(t.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value!])),
      };
      if (t.assignments.length > 0 && (t.numPartitions !== -1 || t.replicationFactor !== -1)) {
        topics.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'give either replica assignments or numPartitions/replicationFactor (-1), not both' });
        continue;
      }
      try {
        const replicas = broker.topicAdmin.plan(spec);
        const topicId = req.validateOnly ? undefined : await broker.topicAdmin.create(spec);
        if (topicId) await broker.replicaManager.awaitLocalPartitions(t.name, Math.min(req.timeoutMs, 10_000));
        topics.push({
          name: t.name,
          ...(topicId ? { topicId } : {}),
          errorCode: 0,
          errorMessage: null,
          numPartitions: replicas.length,
          replicationFactor: replicas[0]?.length ?? 0,
          configs: describeTopicConfig(broker.config, spec.configs).map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            configSource: c.configSource,
            isSensitive: c.isSensitive,
          })),
        });
      } catch (e) {
        topics.push({ name: t.name, ...adminFailure(e) });
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});
