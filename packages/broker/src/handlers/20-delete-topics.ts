import { ApiKey, DeleteTopics, ErrorCode } from '@samsa/protocol';
import { adminFailure } from './admin-errors.js';
import { defineHandler } from './handler.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** DeleteTopics v0-6: by name (v0-5 topicNames, v6 topics) or by topic id (v6). */
export const deleteTopicsHandler = defineHandler<DeleteTopics.DeleteTopicsRequest, DeleteTopics.DeleteTopicsResponseInput>({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    const { broker } = ctx;
    const wanted = ctx.header.apiVersion >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeleteTopics.DeletableTopicResultInput[] = [];
    for (const w of wanted) {
      const topic = w.name !== null ? broker.metadata.topic(w.name) : broker.metadata.topicById(w.topicId);
      if (!topic) {
        responses.push({
          name: w.name,
          topicId: w.topicId,
          errorCode: w.name !== null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID,
          errorMessage: 'no such topic',
        });
        continue;
      }
      if (!broker.config.deleteTopicEnable) {
        responses.push({ name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'delete.topic.enable is false' });
        continue;
      }
      if (topic.internal) {
        responses.push({ name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: 'internal topics cannot be deleted' });
        continue;
      }
      try {
        await broker.topicAdmin.delete(topic.name);
        responses.push({ name: topic.name, topicId: topic.topicId, errorCode: 0, errorMessage: null });
      } catch (e) {
        responses.push({ name: topic.name, topicId: topic.topicId, ...adminFailure(e) });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
