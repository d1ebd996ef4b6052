import { AlterConfigs, ApiKey, ErrorCode } from '@samsa/protocol';
import { adminFailure, RESOURCE_TOPIC } from './admin-errors.js';
import { defineHandler } from './handler.js';

/** AlterConfigs v0-2: replaces a topic's whole set of overrides (the legacy, non-incremental API). */
export const alterConfigsHandler = defineHandler<AlterConfigs.AlterConfigsRequest, AlterConfigs.AlterConfigsResponseInput>({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const responses: AlterConfigs.AlterConfigsResourceResponseInput[] = [];
    for (const res of req.resources) {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      if (res.resourceType !== RESOURCE_TOPIC) {
        responses.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'only topic configs can be altered; broker settings are read at startup' });
        continue;
      }
      try {
        const changes = new Map(res.configs.map((c) => [c.name, c.value]));
        await ctx.broker.topicAdmin.alterConfigs(res.resourceName, changes, false, req.validateOnly);
        responses.push({ ...base, errorCode: 0, errorMessage: null });
      } catch (e) {
        responses.push({ ...base, ...adminFailure(e) });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
