/**
 * Topic-level settings under Kafka's names and defaults, each with the broker-level setting
 * that supplies its default (so `log.segment.bytes` on the broker sets `segment.bytes` for
 * every topic that does not override it), and the typed field the log reads.
 */
import { SamsaError } from '@samsa/protocol';

export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list';

export interface TopicConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  readonly default: string;
  /** The broker setting whose value is this topic setting's default. */
  readonly brokerSynonym?: string;
  readonly validValues?: readonly string[];
  readonly min?: number;
}

const LONG_MAX = '9223372036854775807';

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  { name: 'cleanup.policy', type: 'list', default: 'delete', brokerSynonym: 'log.cleanup.policy', validValues: ['delete', 'compact', 'compact,delete', 'delete,compact'] },
  { name: 'compression.type', type: 'string', default: 'producer', brokerSynonym: 'compression.type', validValues: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] },
  { name: 'delete.retention.ms', type: 'long', default: '86400000', brokerSynonym: 'log.cleaner.delete.retention.ms', min: 0 },
  { name: 'file.delete.delay.ms', type: 'long', default: '60000', brokerSynonym: 'log.segment.delete.delay.ms', min: 0 },
  { name: 'flush.messages', type: 'long', default: LONG_MAX, brokerSynonym: 'log.flush.interval.messages', min: 1 },
  { name: 'flush.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.flush.interval.ms', min: 0 },
  { name: 'index.interval.bytes', type: 'int', default: '4096', brokerSynonym: 'log.index.interval.bytes', min: 0 },
  { name: 'max.compaction.lag.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.cleaner.max.compaction.lag.ms', min: 1 },
  { name: 'max.message.bytes', type: 'int', default: '1048588', brokerSynonym: 'message.max.bytes', min: 0 },
  { name: 'message.timestamp.type', type: 'string', default: 'CreateTime', brokerSynonym: 'log.message.timestamp.type', validValues: ['CreateTime', 'LogAppendTime'] },
  { name: 'message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.message.timestamp.before.max.ms', min: 0 },
  { name: 'message.timestamp.after.max.ms', type: 'long', default: LONG_MAX, brokerSynonym: 'log.message.timestamp.after.max.ms', min: 0 },
  { name: 'min.cleanable.dirty.ratio', type: 'double', default: '0.5', brokerSynonym: 'log.cleaner.min.cleanable.ratio', min: 0 },
  { name: 'min.compaction.lag.ms', type: 'long', default: '0', brokerSynonym: 'log.cleaner.min.compaction.lag.ms', min: 0 },
  { name: 'min.insync.replicas', type: 'int', default: '1', brokerSynonym: 'min.insync.replicas', min: 1 },
  { name: 'preallocate', type: 'boolean', default: 'false', brokerSynonym: 'log.preallocate' },
  { name: 'retention.bytes', type: 'long', default: '-1', brokerSynonym: 'log.retention.bytes' },
  { name: 'retention.ms', type: 'long', default: '604800000', brokerSynonym: 'log.retention.ms', min: -1 },
  { name: 'segment.bytes', type: 'int', default: '1073741824', brokerSynonym: 'log.segment.bytes', min: 14 },
  { name: 'segment.index.bytes', type: 'int', default: '10485760', brokerSynonym: 'log.index.size.max.bytes', min: 4 },
  { name: 'segment.jitter.ms', type: 'long', default: '0', brokerSynonym: 'log.roll.jitter.ms', min: 0 },
  { name: 'segment.ms', type: 'long', default: '604800000', brokerSynonym: 'log.roll.ms', min: 1 },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', brokerSynonym: 'unclean.leader.election.enable' },
];

export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

/** The typed view the log, the replica manager and the handlers read. Durations in ms. */
export interface LogConfig {
  cleanupPolicy: readonly string[];
  compressionType: string;
  deleteRetentionMs: number;
  maxCompactionLagMs: number;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  flushMessages: number;
  flushMs: number;
  indexIntervalBytes: number;
  maxMessageBytes: number;
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
  minInsyncReplicas: number;
  retentionBytes: number;
  retentionMs: number;
  segmentBytes: number;
  segmentIndexBytes: number;
  segmentJitterMs: number;
  /**
   * When the active segment rolls by age: segment.ms, or max.compaction.lag.ms if that is
   * sooner and the topic is compacted (Kafka's LogConfig.maxSegmentMs, KIP-354), since the
   * cleaner never touches the active segment.
   */
  segmentMs: number;
  uncleanLeaderElectionEnable: boolean;
}

/** Checks one value against its definition; returns the canonical text or throws CONFIG_INVALID. */
export function validateTopicConfig(name: string, value: string): string {
  const def = TOPIC_CONFIG_BY_NAME.get(name);
  if (!def) throw new SamsaError('CONFIG_INVALID', `unknown topic config ${name}`);
  return validateValue(def, value);
}

export function validateValue(def: TopicConfigDef, value: string): string {
  const bad = (why: string): never => {
    throw new SamsaError('CONFIG_INVALID', `invalid value ${JSON.stringify(value)} for ${def.name}: ${why}`);
  };
  const v = value.trim();
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(v)) bad('not an integer');
      const n = BigInt(v);
      const [lo, hi] = def.type === 'int' ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (n < lo || n > hi) bad(`outside the ${def.type} range`);
      if (def.min !== undefined && n < BigInt(def.min)) bad(`must be at least ${def.min}`);
      return n.toString();
    }
    case 'double': {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) bad('not a number');
      if (def.min !== undefined && n < def.min) bad(`must be at least ${def.min}`);
      return v;
    }
    case 'boolean':
      if (v !== 'true' && v !== 'false') bad('must be true or false');
      return v;
    case 'string':
    case 'list': {
      const canonical = def.type === 'list' ? v.split(',').map((s) => s.trim()).join(',') : v;
      if (def.validValues && !def.validValues.includes(canonical)) bad(`must be one of ${def.validValues.join(', ')}`);
      return canonical;
    }
  }
}

/**
 * Int64 settings whose default is Long.MAX_VALUE mean "never"; we read them as
 * Number.MAX_SAFE_INTEGER, which is just as never for a millisecond or message count.
 */
export function settingNumber(text: string): number {
  const n = BigInt(text);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** Builds the typed view from effective values (topic override, else broker default, else Kafka's). */
const num = settingNumber;

export function toLogConfig(values: ReadonlyMap<string, string>): LogConfig {
  const get = (name: string): string => values.get(name) ?? TOPIC_CONFIG_BY_NAME.get(name)!.default;
  return {
    cleanupPolicy: get('cleanup.policy').split(','),
    compressionType: get('compression.type'),
    deleteRetentionMs: num(get('delete.retention.ms')),
    maxCompactionLagMs: num(get('max.compaction.lag.ms')),
    minCleanableDirtyRatio: Number(get('min.cleanable.dirty.ratio')),
    minCompactionLagMs: num(get('min.compaction.lag.ms')),
    flushMessages: num(get('flush.messages')),
    flushMs: num(get('flush.ms')),
    indexIntervalBytes: num(get('index.interval.bytes')),
    maxMessageBytes: num(get('max.message.bytes')),
    messageTimestampType: get('message.timestamp.type') === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    messageTimestampBeforeMaxMs: num(get('message.timestamp.before.max.ms')),
    messageTimestampAfterMaxMs: num(get('message.timestamp.after.max.ms')),
    minInsyncReplicas: num(get('min.insync.replicas')),
    retentionBytes: num(get('retention.bytes')),
    retentionMs: num(get('retention.ms')),
    segmentBytes: num(get('segment.bytes')),
    segmentIndexBytes: num(get('segment.index.bytes')),
    segmentJitterMs: num(get('segment.jitter.ms')),
    segmentMs: get('cleanup.policy').includes('compact') ? Math.min(num(get('segment.ms')), num(get('max.compaction.lag.ms'))) : num(get('segment.ms')),
    uncleanLeaderElectionEnable: get('unclean.leader.election.enable') === 'true',
  };
}

export function defaultLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...toLogConfig(new Map()), ...overrides };
}
