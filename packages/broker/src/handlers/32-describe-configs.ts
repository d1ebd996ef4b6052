import { ApiKey, DescribeConfigs, ErrorCode } from '@samsa/protocol';
import { describeBrokerConfig, describeTopicConfig, type ConfigEntry } from '../config/describe.js';
import { RESOURCE_BROKER, RESOURCE_BROKER_LOGGER, RESOURCE_TOPIC } from './admin-errors.js';
import { defineHandler } from './handler.js';

/** DescribeConfigs v0-4 for topics and brokers. */
export const describeConfigsHandler = defineHandler<DescribeConfigs.DescribeConfigsRequest, DescribeConfigs.DescribeConfigsResponseInput>({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const { broker } = ctx;
    const v = ctx.header.apiVersion;
    const results: DescribeConfigs.DescribeConfigsResultInput[] = [];
    for (const res of req.resources) {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName, configs: [] };
      let entries: ConfigEntry[];
      if (res.resourceType === RESOURCE_TOPIC) {
        const topic = broker.metadata.topic(res.resourceName);
        if (!topic) {
          results.push({ ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic ${res.resourceName} does not exist` });
          continue;
        }
        entries = describeTopicConfig(broker.config, topic.configs);
      } else if (res.resourceType === RESOURCE_BROKER) {
        if (res.resourceName !== '' && res.resourceName !== String(broker.nodeId)) {
          results.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `this is broker ${broker.nodeId}; ask broker ${res.resourceName} directly` });
          continue;
        }
        entries = describeBrokerConfig(broker.config);
      } else {
        const why = res.resourceType === RESOURCE_BROKER_LOGGER ? 'broker loggers are not described' : `unknown resource type ${res.resourceType}`;
        results.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why });
        continue;
      }
      const keys = res.configurationKeys;
      if (keys && keys.length > 0) entries = entries.filter((e) => keys.includes(e.name));
      results.push({
        ...base,
        errorCode: 0,
        errorMessage: null,
        configs: entries.map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: e.readOnly,
          // v0 says isDefault; v1+ replaced it with configSource, and the encoder refuses
          // a field the version does not have, which closed the client's connection.
          ...(v === 0 ? { isDefault: e.isDefault } : {}),
          configSource: e.configSource,
          isSensitive: e.isSensitive,
          synonyms: req.includeSynonyms ? e.synonyms : [],
          configType: e.configType,
          documentation: null,
        })),
      });
    }
    return { throttleTimeMs: 0, results };
  },
});
