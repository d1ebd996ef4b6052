import { ApiKey, ApiVersions } from '@samsa/protocol';
import { supportedApiKeys } from '../server/dispatch.js';
import { defineHandler } from './handler.js';

/**
 * Lists the APIs and versions we speak. An unknown request version never reaches this
 * handler: the dispatcher answers it with UNSUPPORTED_VERSION in the v0 layout.
 */
export const apiVersionsHandler = defineHandler<ApiVersions.ApiVersionsRequest, ApiVersions.ApiVersionsResponseInput>({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx) {
    return { errorCode: 0, apiKeys: supportedApiKeys(ctx.broker.handlers), throttleTimeMs: 0 };
  },
});
