import { ApiKey, ErrorCode, IncrementalAlterConfigs } from '@samsa/protocol';
import { TOPIC_CONFIG_BY_NAME } from '../config/topic-config.js';
import { AdminError } from '../controller/topic-admin.js';
import { adminFailure, RESOURCE_TOPIC } from './admin-errors.js';
import { defineHandler } from './handler.js';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

/** IncrementalAlterConfigs v0-1 for topic configs: SET, DELETE, and APPEND/SUBTRACT on list settings. */
export const incrementalAlterConfigsHandler = defineHandler<
  IncrementalAlterConfigs.IncrementalAlterConfigsRequest,
  IncrementalAlterConfigs.IncrementalAlterConfigsResponseInput
>({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const { broker } = ctx;
    const responses: IncrementalAlterConfigs.AlterConfigsResourceResponseInput[] = [];
    for (const res of req.resources) {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      if (res.resourceType !== RESOURCE_TOPIC) {
        responses.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'only topic configs can be altered; broker settings are read at startup' });
        continue;
      }
      try {
        const current = broker.metadata.topic(res.resourceName)?.configs ?? new Map<string, string>();
        const changes = new Map<string, string | null>();
        for (const c of res.configs) {
          const def = TOPIC_CONFIG_BY_NAME.get(c.name);
          if (!def) throw new AdminError(ErrorCode.INVALID_CONFIG, `unknown topic config ${c.name}`);
          if (c.configOperation === SET) {
            if (c.value === null) throw new AdminError(ErrorCode.INVALID_REQUEST, `SET ${c.name} needs a value`);
            changes.set(c.name, c.value);
          } else if (c.configOperation === DELETE) changes.set(c.name, null);
          else if (c.configOperation === APPEND || c.configOperation === SUBTRACT) {
            if (def.type !== 'list') throw new AdminError(ErrorCode.INVALID_CONFIG, `${c.name} is not a list: APPEND and SUBTRACT apply only to lists`);
            const items = (changes.get(c.name) ?? current.get(c.name) ?? def.default).split(',').filter(Boolean);
            const given = (c.value ?? '').split(',').filter(Boolean);
            const next = c.configOperation === APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
            changes.set(c.name, next.join(','));
          } else throw new AdminError(ErrorCode.INVALID_REQUEST, `unknown config operation ${c.configOperation}`);
        }
        await broker.topicAdmin.alterConfigs(res.resourceName, changes, true, req.validateOnly);
        responses.push({ ...base, errorCode: 0, errorMessage: null });
      } catch (e) {
        responses.push({ ...base, ...adminFailure(e) });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
