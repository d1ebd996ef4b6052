/**
 * Consumer settings by Kafka's names, with Kafka 4.0's defaults. As for the producer, only
 * the dotted names are accepted and an unknown one is CONFIG_INVALID; inside they become
 * typed fields with units last.
 */
import { parseBootstrap, type BrokerAddress } from '../connection/broker-pool.js';
import { configError } from '../errors.js';
import type { PartitionAssignor } from './assignors/assignor.js';
import { DEFAULT_ASSIGNMENT_STRATEGY, parseAssignmentStrategy } from './assignors/index.js';

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export interface ConsumerConfig {
  'bootstrap.servers': string | readonly string[];
  'group.id'?: string | null;
  'group.instance.id'?: string | null;
  'client.id'?: string;
  'client.rack'?: string;
  'session.timeout.ms'?: number;
  'heartbeat.interval.ms'?: number;
  'max.poll.interval.ms'?: number;
  'max.poll.records'?: number;
  'enable.auto.commit'?: boolean;
  'auto.commit.interval.ms'?: number;
  'auto.offset.reset'?: AutoOffsetReset;
  'fetch.min.bytes'?: number;
  'fetch.max.bytes'?: number;
  'fetch.max.wait.ms'?: number;
  'max.partition.fetch.bytes'?: number;
  'isolation.level'?: 'read_uncommitted' | 'read_committed';
  /** Names ('range', 'roundrobin', 'sticky', 'cooperative-sticky', comma separated or a list) or assignor objects, in order of preference. */
  'partition.assignment.strategy'?: string | ReadonlyArray<string | PartitionAssignor>;
  'request.timeout.ms'?: number;
  'default.api.timeout.ms'?: number;
  'retry.backoff.ms'?: number;
  'retry.backoff.max.ms'?: number;
  'metadata.max.age.ms'?: number;
  'reconnect.backoff.ms'?: number;
  'reconnect.backoff.max.ms'?: number;
  'socket.connection.setup.timeout.ms'?: number;
  'check.crcs'?: boolean;
  'allow.auto.create.topics'?: boolean;
  'exclude.internal.topics'?: boolean;
}

export interface ConsumerSettings {
  bootstrap: BrokerAddress[];
  groupId: string | null;
  groupInstanceId: string | null;
  clientId: string;
  clientRack: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  maxPollRecords: number;
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  autoOffsetReset: AutoOffsetReset;
  fetchMinBytes: number;
  fetchMaxBytes: number;
  fetchMaxWaitMs: number;
  maxPartitionFetchBytes: number;
  /** 0 read_uncommitted, 1 read_committed, as on the wire. */
  isolationLevel: 0 | 1;
  assignors: PartitionAssignor[];
  requestTimeoutMs: number;
  defaultApiTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  metadataMaxAgeMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  connectTimeoutMs: number;
  checkCrcs: boolean;
  allowAutoCreateTopics: boolean;
  excludeInternalTopics: boolean;
}

const INT32_MAX = 2147483647;

/** Kafka 4.0 ConsumerConfig defaults. */
export const CONSUMER_DEFAULTS = {
  'client.id': '',
  'client.rack': '',
  'session.timeout.ms': 45000,
  'heartbeat.interval.ms': 3000,
  'max.poll.interval.ms': 300000,
  'max.poll.records': 500,
  'auto.commit.interval.ms': 5000,
  'auto.offset.reset': 'latest',
  'fetch.min.bytes': 1,
  'fetch.max.bytes': 52428800,
  'fetch.max.wait.ms': 500,
  'max.partition.fetch.bytes': 1048576,
  'isolation.level': 'read_uncommitted',
  'partition.assignment.strategy': DEFAULT_ASSIGNMENT_STRATEGY,
  'request.timeout.ms': 30000,
  'default.api.timeout.ms': 60000,
  'retry.backoff.ms': 100,
  'retry.backoff.max.ms': 1000,
  'metadata.max.age.ms': 300000,
  'reconnect.backoff.ms': 50,
  'reconnect.backoff.max.ms': 1000,
  'socket.connection.setup.timeout.ms': 10000,
  'check.crcs': true,
  'allow.auto.create.topics': true,
  'exclude.internal.topics': true,
} as const;

const KNOWN = new Set<string>(['bootstrap.servers', 'group.id', 'group.instance.id', 'enable.auto.commit', ...Object.keys(CONSUMER_DEFAULTS)]);

function int(config: ConsumerConfig, name: keyof typeof CONSUMER_DEFAULTS, min: number, max = INT32_MAX): number {
  const v = (config[name as keyof ConsumerConfig] ?? CONSUMER_DEFAULTS[name]) as unknown;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw configError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

function bool(config: ConsumerConfig, name: 'check.crcs' | 'allow.auto.create.topics' | 'exclude.internal.topics'): boolean {
  const v = config[name] ?? CONSUMER_DEFAULTS[name];
  if (typeof v !== 'boolean') throw configError(`${name} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function optionalId(config: ConsumerConfig, name: 'group.id' | 'group.instance.id'): string | null {
  const v = config[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.trim() === '') throw configError(`${name} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(config: ConsumerConfig, name: 'auto.offset.reset' | 'isolation.level', allowed: readonly T[]): T {
  const v = config[name] ?? CONSUMER_DEFAULTS[name];
  if (!allowed.includes(v as T)) throw configError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/**
 * Auto commit needs a group. As in Kafka: without group.id it is off when left at its
 * default, and an error when asked for.
 */
function resolveAutoCommit(config: ConsumerConfig, groupId: string | null): boolean {
  const asked = config['enable.auto.commit'];
  if (asked !== undefined && typeof asked !== 'boolean') throw configError(`enable.auto.commit must be a boolean, got ${JSON.stringify(asked)}`);
  if (groupId === null) {
    if (asked === true) throw configError('enable.auto.commit cannot be true without a group.id');
    return false;
  }
  return asked ?? true;
}

export function parseConsumerConfig(config: ConsumerConfig): ConsumerSettings {
  for (const k of Object.keys(config)) if (!KNOWN.has(k)) throw configError(`unknown consumer setting ${JSON.stringify(k)}`);
  if (config['bootstrap.servers'] === undefined) throw configError('bootstrap.servers is required');
  const groupId = optionalId(config, 'group.id');
  const groupInstanceId = optionalId(config, 'group.instance.id');
  if (groupInstanceId !== null && groupId === null) throw configError('group.instance.id needs a group.id');
  const sessionTimeoutMs = int(config, 'session.timeout.ms', 1);
  const heartbeatIntervalMs = int(config, 'heartbeat.interval.ms', 1);
  if (heartbeatIntervalMs >= sessionTimeoutMs) throw configError(`heartbeat.interval.ms (${heartbeatIntervalMs}) must be lower than session.timeout.ms (${sessionTimeoutMs})`);
  const requestTimeoutMs = int(config, 'request.timeout.ms', 0);
  const fetchMaxWaitMs = int(config, 'fetch.max.wait.ms', 0);
  if (requestTimeoutMs <= fetchMaxWaitMs) throw configError(`request.timeout.ms (${requestTimeoutMs}) must be greater than fetch.max.wait.ms (${fetchMaxWaitMs})`);
  const clientId = config['client.id'] ?? CONSUMER_DEFAULTS['client.id'];
  if (typeof clientId !== 'string') throw configError('client.id must be a string');
  const clientRack = config['client.rack'] ?? CONSUMER_DEFAULTS['client.rack'];
  if (typeof clientRack !== 'string') throw configError('client.rack must be a string');
  return {
    bootstrap: parseBootstrap(config['bootstrap.servers']),
    groupId,
    groupInstanceId,
    clientId,
    clientRack,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxPollIntervalMs: int(config, 'max.poll.interval.ms', 1),
    maxPollRecords: int(config, 'max.poll.records', 1),
    enableAutoCommit: resolveAutoCommit(config, groupId),
    autoCommitIntervalMs: int(config, 'auto.commit.interval.ms', 0),
    autoOffsetReset: oneOf(config, 'auto.offset.reset', ['earliest', 'latest', 'none'] as const),
    fetchMinBytes: int(config, 'fetch.min.bytes', 0),
    fetchMaxBytes: int(config, 'fetch.max.bytes', 0),
    fetchMaxWaitMs,
    maxPartitionFetchBytes: int(config, 'max.partition.fetch.bytes', 0),
    isolationLevel: oneOf(config, 'isolation.level', ['read_uncommitted', 'read_committed'] as const) === 'read_committed' ? 1 : 0,
    assignors: parseAssignmentStrategy(config['partition.assignment.strategy'] ?? CONSUMER_DEFAULTS['partition.assignment.strategy']),
    requestTimeoutMs,
    defaultApiTimeoutMs: int(config, 'default.api.timeout.ms', 0),
    retryBackoffMs: int(config, 'retry.backoff.ms', 0, Number.MAX_SAFE_INTEGER),
    retryBackoffMaxMs: int(config, 'retry.backoff.max.ms', 0, Number.MAX_SAFE_INTEGER),
    metadataMaxAgeMs: int(config, 'metadata.max.age.ms', 0, Number.MAX_SAFE_INTEGER),
    reconnectBackoffMs: int(config, 'reconnect.backoff.ms', 0, Number.MAX_SAFE_INTEGER),
    reconnectBackoffMaxMs: int(config, 'reconnect.backoff.max.ms', 0, Number.MAX_SAFE_INTEGER),
    connectTimeoutMs: int(config, 'socket.connection.setup.timeout.ms', 0),
    checkCrcs: bool(config, 'check.crcs'),
    allowAutoCreateTopics: bool(config, 'allow.auto.create.topics'),
    excludeInternalTopics: bool(config, 'exclude.internal.topics'),
  };
}
