/**
 * Effective configuration entries as DescribeConfigs (and CreateTopics v5+) report them:
 * value, where it came from, and the synonyms that could have supplied it.
 */
import type { BrokerConfig } from './broker-config.js';
import { TOPIC_CONFIGS, type ConfigType } from './topic-config.js';

/** Kafka's ConfigSource ids. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** Kafka's ConfigType ids (DescribeConfigs v3+). */
const CONFIG_TYPE: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7 };

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
}

export function describeTopicConfig(broker: BrokerConfig, overrides: ReadonlyMap<string, string>): ConfigEntry[] {
  return TOPIC_CONFIGS.map((def) => {
    const synonyms: ConfigEntry['synonyms'] = [];
    if (overrides.has(def.name)) synonyms.push({ name: def.name, value: overrides.get(def.name)!, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    if (def.brokerSynonym && broker.explicit.has(def.brokerSynonym)) {
      synonyms.push({ name: def.brokerSynonym, value: broker.values.get(def.brokerSynonym)!, source: ConfigSource.STATIC_BROKER_CONFIG });
    }
    synonyms.push({ name: def.brokerSynonym ?? def.name, value: broker.values.get(def.brokerSynonym ?? '') ?? def.default, source: ConfigSource.DEFAULT_CONFIG });
    const winner = synonyms[0]!;
    return {
      name: def.name,
      value: winner.value,
      readOnly: false,
      isDefault: winner.source === ConfigSource.DEFAULT_CONFIG,
      configSource: winner.source,
      isSensitive: false,
      synonyms,
      configType: CONFIG_TYPE[def.type],
    };
  });
}

export function describeBrokerConfig(broker: BrokerConfig): ConfigEntry[] {
  return [...broker.values]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => {
      const source = broker.explicit.has(name) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
      return {
        name,
        value,
        // Broker settings are read at startup; changing them at runtime is not supported yet.
        readOnly: true,
        isDefault: source === ConfigSource.DEFAULT_CONFIG,
        configSource: source,
        isSensitive: false,
        synonyms: [{ name, value, source }],
        configType: CONFIG_TYPE.string,
      };
    });
}
