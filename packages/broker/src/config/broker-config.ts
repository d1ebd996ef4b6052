/**
 * Broker settings under Kafka's names and defaults, parsed from a server.properties-style
 * file and command-line overrides, then checked (including relations between limits) before
 * the broker starts.
 */
import { SamsaError } from '@samsa/protocol';
import { parseStoreAddress, type StoreAddress } from '../metadata/store-address.js';
import { settingNumber, TOPIC_CONFIGS, validateValue, type ConfigType, type TopicConfigDef } from './topic-config.js';

interface BrokerConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  readonly default: string | null;
  readonly min?: number;
  readonly validValues?: readonly string[];
}

const LONG_MAX = '9223372036854775807';

const BROKER_ONLY: readonly BrokerConfigDef[] = [
  { name: 'node.id', type: 'int', default: '0', min: 0 },
  { name: 'broker.id', type: 'int', default: null, min: 0 },
  { name: 'listeners', type: 'list', default: 'PLAINTEXT://127.0.0.1:9092' },
  { name: 'advertised.listeners', type: 'list', default: null },
  { name: 'log.dirs', type: 'string', default: null },
  { name: 'log.dir', type: 'string', default: './data' },
  { name: 'broker.rack', type: 'string', default: null },
  { name: 'socket.request.max.bytes', type: 'int', default: '104857600', min: 1 },
  { name: 'queued.max.request.bytes', type: 'long', default: '-1' },
  { name: 'connections.max.idle.ms', type: 'long', default: '600000' },
  { name: 'max.connections', type: 'int', default: '2147483647', min: 0 },
  { name: 'auto.create.topics.enable', type: 'boolean', default: 'true' },
  { name: 'delete.topic.enable', type: 'boolean', default: 'true' },
  { name: 'num.partitions', type: 'int', default: '1', min: 1 },
  { name: 'default.replication.factor', type: 'int', default: '1', min: 1 },
  { name: 'log.retention.check.interval.ms', type: 'long', default: '300000', min: 1 },
  { name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX, min: 1 },
  { name: 'log.flush.offset.checkpoint.interval.ms', type: 'int', default: '60000', min: 0 },
  { name: 'log.retention.hours', type: 'int', default: '168' },
  { name: 'log.retention.minutes', type: 'int', default: null },
  { name: 'log.roll.hours', type: 'int', default: '168', min: 1 },
  { name: 'fetch.max.bytes', type: 'int', default: '57671680', min: 1024 },
  { name: 'replica.lag.time.max.ms', type: 'long', default: '30000', min: 1 },
  { name: 'replica.fetch.wait.max.ms', type: 'int', default: '500', min: 0 },
  { name: 'replica.fetch.min.bytes', type: 'int', default: '1', min: 1 },
  { name: 'replica.fetch.max.bytes', type: 'int', default: '1048576', min: 0 },
  { name: 'replica.fetch.response.max.bytes', type: 'int', default: '10485760', min: 0 },
  { name: 'replica.fetch.backoff.ms', type: 'int', default: '1000', min: 0 },
  { name: 'replica.socket.timeout.ms', type: 'int', default: '30000', min: 1 },
  { name: 'offsets.topic.num.partitions', type: 'int', default: '50', min: 1 },
  { name: 'offsets.topic.replication.factor', type: 'int', default: '3', min: 1 },
  { name: 'offsets.retention.minutes', type: 'int', default: '10080', min: 1 },
  { name: 'offsets.retention.check.interval.ms', type: 'long', default: '600000', min: 1 },
  { name: 'offsets.topic.segment.bytes', type: 'int', default: '104857600', min: 1 },
  { name: 'group.min.session.timeout.ms', type: 'int', default: '6000' },
  { name: 'group.max.session.timeout.ms', type: 'int', default: '1800000' },
  { name: 'group.initial.rebalance.delay.ms', type: 'int', default: '3000', min: 0 },
  { name: 'group.max.size', type: 'int', default: '2147483647', min: 1 },
  { name: 'transactional.id.expiration.ms', type: 'int', default: '604800000', min: 1 },
  { name: 'producer.id.expiration.ms', type: 'int', default: '86400000', min: 1 },
  { name: 'cluster.id', type: 'string', default: null },
  // Samsa's: where the cluster metadata lives, `embedded` (a file in log.dir) or
  // etcd://host:port[,host:port...][/prefix], shaped like Kafka's zookeeper.connect.
  { name: 'metadata.store.connect', type: 'string', default: 'embedded' },
  // KRaft's name: a broker whose lease is not renewed for this long is dead to the cluster.
  { name: 'broker.session.timeout.ms', type: 'int', default: '9000', min: 1000 },
  // KRaft's name: how often a broker shows it is alive. Here: how often the liveness probes
  // (controller/liveness-probe.ts) ask a probed broker for ApiVersions.
  { name: 'broker.heartbeat.interval.ms', type: 'int', default: '2000', min: 1 },
  // Controller operations (controller/controlled-shutdown.ts, preferred-election.ts).
  { name: 'controlled.shutdown.enable', type: 'boolean', default: 'true' },
  { name: 'controlled.shutdown.max.retries', type: 'int', default: '3', min: 0 },
  { name: 'controlled.shutdown.retry.backoff.ms', type: 'long', default: '5000', min: 1 },
  { name: 'auto.leader.rebalance.enable', type: 'boolean', default: 'true' },
  { name: 'leader.imbalance.per.broker.percentage', type: 'int', default: '10', min: 0 },
  { name: 'leader.imbalance.check.interval.seconds', type: 'long', default: '300', min: 1 },
  // The log cleaner (log/cleaner/). Its ratio, retention and lag settings are the broker
  // synonyms of topic settings (log.cleaner.min.cleanable.ratio, ...), listed there.
  { name: 'log.cleaner.enable', type: 'boolean', default: 'true' },
  { name: 'log.cleaner.backoff.ms', type: 'long', default: '15000', min: 0 },
  { name: 'log.cleaner.dedupe.buffer.size', type: 'long', default: '134217728', min: 0 },
  { name: 'log.cleaner.io.max.bytes.per.second', type: 'double', default: '1.7976931348623157E308', min: 0 },
];

const BROKER_DEFS: ReadonlyMap<string, BrokerConfigDef> = new Map([
  ...BROKER_ONLY.map((d) => [d.name, d] as const),
  // Every topic setting's broker-level synonym (log.segment.bytes, message.max.bytes, ...).
  ...TOPIC_CONFIGS.filter((d) => d.brokerSynonym).map((d) => [d.brokerSynonym!, { ...d, name: d.brokerSynonym! }] as const),
]);

export function isBrokerConfig(name: string): boolean {
  return BROKER_DEFS.has(name);
}

export interface ListenerAddress {
  name: string;
  host: string;
  port: number;
}

export interface BrokerConfig {
  /** Every setting as given or defaulted, by Kafka name (for DescribeConfigs). */
  readonly values: ReadonlyMap<string, string>;
  /** The names set explicitly (file or flags), as opposed to defaults. */
  readonly explicit: ReadonlySet<string>;
  readonly nodeId: number;
  readonly listeners: readonly ListenerAddress[];
  readonly advertisedListeners: readonly ListenerAddress[];
  readonly logDir: string;
  readonly rack: string | null;
  readonly socketRequestMaxBytes: number;
  readonly queuedMaxRequestBytes: number;
  readonly connectionsMaxIdleMs: number;
  readonly maxConnections: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly logRetentionCheckIntervalMs: number;
  readonly logFlushSchedulerIntervalMs: number;
  readonly fetchMaxBytes: number;
  readonly messageMaxBytes: number;
  readonly replicaLagTimeMaxMs: number;
  readonly offsetsTopicNumPartitions: number;
  readonly clusterId: string | null;
  /** metadata.store.connect, parsed. */
  readonly metadataStore: StoreAddress;
  readonly brokerSessionTimeoutMs: number;
  readonly brokerHeartbeatIntervalMs: number;
  readonly logCleanerEnable: boolean;
  readonly logCleanerBackoffMs: number;
  readonly logCleanerDedupeBufferSize: number;
  /** Infinity when unthrottled (Kafka's default is Double.MAX_VALUE). */
  readonly logCleanerIoMaxBytesPerSecond: number;
  /** Topic defaults from the broker synonyms: topic name -> value. */
  readonly topicDefaults: ReadonlyMap<string, string>;
}

export function parseListener(text: string): ListenerAddress {
  const m = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(text.trim());
  if (!m) throw new SamsaError('CONFIG_INVALID', `listener ${JSON.stringify(text)} is not NAME://host:port (e.g. PLAINTEXT://127.0.0.1:9092)`);
  const port = Number(m[3]);
  if (port > 65535) throw new SamsaError('CONFIG_INVALID', `listener ${text}: port ${port} is above 65535`);
  return { name: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

/** Parses Kafka's server.properties format: key=value lines, # and ! comments. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at < 0) throw new SamsaError('CONFIG_INVALID', `config line ${JSON.stringify(line)} is not key=value`);
    out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

const num = settingNumber;

/** Builds the broker's configuration from explicit settings; throws CONFIG_INVALID naming the setting. */
export function buildBrokerConfig(settings: ReadonlyMap<string, string>): BrokerConfig {
  const values = new Map<string, string>();
  for (const [name, value] of settings) {
    const def = BROKER_DEFS.get(name);
    if (!def) throw new SamsaError('CONFIG_INVALID', `unknown broker setting ${name}`);
    values.set(name, validateValue(def as TopicConfigDef, value));
  }
  for (const def of BROKER_DEFS.values()) if (!values.has(def.name) && def.default !== null) values.set(def.name, def.default);
  // Kafka's coarser retention and roll settings apply unless the ms form is set explicitly.
  if (!settings.has('log.retention.ms')) {
    const minutes = settings.get('log.retention.minutes');
    values.set('log.retention.ms', minutes !== undefined ? String(Number(minutes) * 60_000) : String(num(values.get('log.retention.hours')!) * 3_600_000));
  }
  if (!settings.has('log.roll.ms')) values.set('log.roll.ms', String(num(values.get('log.roll.hours')!) * 3_600_000));

  const get = (n: string): string => values.get(n)!;
  const listeners = get('listeners').split(',').filter(Boolean).map(parseListener);
  if (listeners.length === 0) throw new SamsaError('CONFIG_INVALID', 'listeners is empty: give at least one, e.g. PLAINTEXT://127.0.0.1:9092');
  const advertised = values.has('advertised.listeners') ? get('advertised.listeners').split(',').filter(Boolean).map(parseListener) : listeners;
  const topicDefaults = new Map<string, string>();
  for (const d of TOPIC_CONFIGS) if (d.brokerSynonym && values.has(d.brokerSynonym)) topicDefaults.set(d.name, get(d.brokerSynonym));

  const config: BrokerConfig = {
    values,
    explicit: new Set(settings.keys()),
    nodeId: num(values.get('broker.id') ?? get('node.id')),
    listeners,
    advertisedListeners: advertised,
    logDir: values.get('log.dirs')?.split(',')[0] ?? get('log.dir'),
    rack: values.get('broker.rack') ?? null,
    socketRequestMaxBytes: num(get('socket.request.max.bytes')),
    queuedMaxRequestBytes: num(get('queued.max.request.bytes')) > 0 ? num(get('queued.max.request.bytes')) : num(get('socket.request.max.bytes')),
    connectionsMaxIdleMs: num(get('connections.max.idle.ms')),
    maxConnections: num(get('max.connections')),
    autoCreateTopicsEnable: get('auto.create.topics.enable') === 'true',
    deleteTopicEnable: get('delete.topic.enable') === 'true',
    numPartitions: num(get('num.partitions')),
    defaultReplicationFactor: num(get('default.replication.factor')),
    logRetentionCheckIntervalMs: num(get('log.retention.check.interval.ms')),
    logFlushSchedulerIntervalMs: num(get('log.flush.scheduler.interval.ms')),
    fetchMaxBytes: num(get('fetch.max.bytes')),
    messageMaxBytes: num(get('message.max.bytes')),
    replicaLagTimeMaxMs: num(get('replica.lag.time.max.ms')),
    offsetsTopicNumPartitions: num(get('offsets.topic.num.partitions')),
    clusterId: values.get('cluster.id') ?? null,
    metadataStore: parseStoreAddress(get('metadata.store.connect')),
    brokerSessionTimeoutMs: num(get('broker.session.timeout.ms')),
    brokerHeartbeatIntervalMs: num(get('broker.heartbeat.interval.ms')),
    logCleanerEnable: get('log.cleaner.enable') === 'true',
    logCleanerBackoffMs: num(get('log.cleaner.backoff.ms')),
    logCleanerDedupeBufferSize: num(get('log.cleaner.dedupe.buffer.size')),
    logCleanerIoMaxBytesPerSecond: Number(get('log.cleaner.io.max.bytes.per.second')),
    topicDefaults,
  };
  checkRelations(config);
  return config;
}

/** Limits that only make sense together are checked at startup, not discovered in production. */
function checkRelations(c: BrokerConfig): void {
  const segmentBytes = num(c.values.get('log.segment.bytes')!);
  if (segmentBytes <= c.messageMaxBytes) {
    throw new SamsaError('CONFIG_INVALID', `log.segment.bytes (${segmentBytes}) must be larger than message.max.bytes (${c.messageMaxBytes})`);
  }
  const replicaFetchWaitMaxMs = num(c.values.get('replica.fetch.wait.max.ms')!);
  if (replicaFetchWaitMaxMs >= c.replicaLagTimeMaxMs) {
    // A follower parked that long at the leader's log end would fall out of the ISR while idle.
    throw new SamsaError('CONFIG_INVALID', `replica.fetch.wait.max.ms (${replicaFetchWaitMaxMs}) must be less than replica.lag.time.max.ms (${c.replicaLagTimeMaxMs})`);
  }
  if (num(c.values.get('replica.socket.timeout.ms')!) < replicaFetchWaitMaxMs) {
    throw new SamsaError('CONFIG_INVALID', `replica.socket.timeout.ms must be at least replica.fetch.wait.max.ms (${replicaFetchWaitMaxMs})`);
  }
  if (c.socketRequestMaxBytes < c.messageMaxBytes) {
    throw new SamsaError('CONFIG_INVALID', `socket.request.max.bytes (${c.socketRequestMaxBytes}) must be at least message.max.bytes (${c.messageMaxBytes})`);
  }
}
