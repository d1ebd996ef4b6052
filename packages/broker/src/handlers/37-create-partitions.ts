import { ApiKey, CreatePartitions } from '@samsa/protocol';
import { adminFailure } from './admin-errors.js';
import { defineHandler } from './handler.js';

/** CreatePartitions v0-3: grows topics to a new partition count. */
export const createPartitionsHandler = defineHandler<CreatePartitions.CreatePartitionsRequest, CreatePartitions.CreatePartitionsResponseInput>({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const { broker } = ctx;
    const results: CreatePartitions.CreatePartitionsTopicResultInput[] = [];
    for (const t of req.topics) {
      try {
        await broker.topicAdmin.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null, req.validateOnly);
        if (!req.validateOnly) await broker.replicaManager.awaitLocalPartitions(t.name, Math.min(req.timeoutMs, 10_000));
        results.push({ name: t.name, errorCode: 0, errorMessage: null });
      } catch (e) {
        results.push({ name: t.name, ...adminFailure(e) });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
